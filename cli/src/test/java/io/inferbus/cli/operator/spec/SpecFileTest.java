package io.inferbus.cli.operator.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.cli.operator.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure YAML files read into management API bodies. Bad inputs tried: a field neither Azure nor
 * Inferbus knows, a YAML list instead of a mapping, broken YAML, a missing file, a --set without '=',
 * a --set path with brackets, a --set through a non-object.
 */
class SpecFileTest {
  @TempDir
  Path dir;

  Path write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  @Test
  void azureOnlyFieldsAreDroppedAndNamedInOneNote() throws Exception {
    SpecFile spec = SpecFile.read(write("blue.yml", """
        $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
        name: blue
        endpoint_name: credit
        model: {path: ./model.onnx}
        code_configuration: {code: ./src, scoring_script: score.py}
        environment: azureml:env:1
        instance_type: Standard_DS3_v2
        instance_count: 2
        """)).checkFields(AzureSchema.DEPLOYMENT);
    assertEquals(List.of("endpoint_name", "instance_count", "model", "name"),
        iterable(spec).stream().sorted().toList());
    assertEquals("note: ignoring Azure-only fields $schema, code_configuration, environment, instance_type "
        + "(Inferbus does not use them)", spec.ignoredNote());
    assertEquals(dir.toAbsolutePath(), spec.baseDirectory(), "relative paths are the file's");
  }

  @Test
  void scaleSettingsOfTypeDefaultAreNotedAsIgnoredAndAutoscalingIsKept() throws Exception {
    SpecFile fixed = SpecFile.read(write("fixed.yml", """
        name: blue
        instance_type: Standard_DS3_v2
        scale_settings: {type: default}
        instance_count: 2
        """)).checkFields(AzureSchema.DEPLOYMENT);
    assertEquals(List.of("instance_count", "name"), iterable(fixed).stream().sorted().toList());
    assertEquals("note: ignoring Azure-only fields instance_type, scale_settings (type: default) (Inferbus does not"
        + " use them)", fixed.ignoredNote());
    SpecFile scaled = SpecFile.read(write("scaled.yml", """
        name: blue
        scale_settings: {type: target_utilization, min_instances: 0, max_instances: 4}
        """)).checkFields(AzureSchema.DEPLOYMENT);
    assertEquals(4, scaled.spec().path("scale_settings").path("max_instances").asInt(), "sent as written");
    assertEquals(null, scaled.ignoredNote());
  }

  @Test
  void aFieldNobodyKnowsIsAnErrorNamingIt() throws Exception {
    Path file = write("typo.yml", "name: blue\ninstance_cont: 2\n");
    CliException e = assertThrows(CliException.class, () -> SpecFile.read(file).checkFields(AzureSchema.DEPLOYMENT));
    assertTrue(e.getMessage().contains("'instance_cont'") && e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("instance_count"), "it lists what Inferbus takes: " + e.getMessage());
  }

  @Test
  void aDeploymentsRolloutBlockIsAnInferbusFieldKeptForTheCli() throws Exception {
    SpecFile spec = SpecFile.read(write("green.yml", """
        name: green
        endpoint_name: credit
        model: credit:1
        rollout: {steps: [10, 50, 100], step_interval_s: 60, max_error_rate: 1}
        """)).checkFields(AzureSchema.DEPLOYMENT);
    assertEquals(List.of("endpoint_name", "model", "name", "rollout"), iterable(spec).stream().sorted().toList());
    assertNull(spec.ignoredNote(), "not an Azure-only field: Inferbus acts on it");
    CliException e = assertThrows(CliException.class, () -> SpecFile.read(write("e.yml", "name: e\nrollout: {}\n"))
        .checkFields(AzureSchema.ENDPOINT));
    assertTrue(e.getMessage().contains("'rollout'"), "an endpoint has no rollout block: " + e.getMessage());
  }

  @Test
  void flagsOverrideTheFileAndSetReachesIntoIt() throws Exception {
    SpecFile spec = SpecFile.read(write("e.yml", "name: from-file\ndescription: 2024\ntags: {tier: 1}\n"))
        .override("name", "from-flag").override("auth_mode", null)
        .apply(SetOverrides.parse(List.of("tags.owner=risk", "auth_mode=aml_token")))
        .checkFields(AzureSchema.ENDPOINT);
    assertEquals("from-flag", spec.text("name"));
    assertEquals("aml_token", spec.text("auth_mode"));
    assertEquals("2024", spec.spec().get("description").asText());
    assertTrue(spec.spec().get("description").isTextual(), "a description is text even when YAML reads a number");
    assertTrue(spec.spec().get("tags").get("tier").isTextual(), "tag values are text");
    assertEquals("risk", spec.spec().get("tags").get("owner").asText());
    assertNull(spec.ignoredNote());
  }

  @Test
  void networkAccessIsAnInferbusFieldKeptInTheSpec() throws Exception {
    SpecFile closed = SpecFile.read(write("private.yml",
        "name: p\npublic_network_access: Disabled\nallowed_networks: [10.0.0.0/8]\n")).checkFields(AzureSchema.ENDPOINT);
    assertEquals("disabled", closed.spec().get("public_network_access").asText(), "Azure's Disabled, lower case");
    assertEquals("10.0.0.0/8", closed.spec().get("allowed_networks").get(0).asText());
    assertNull(closed.ignoredNote(), "neither is ignored any more");
    SpecFile open = SpecFile.read(write("public.yml", "name: p\npublic_network_access: enabled\n"))
        .checkFields(AzureSchema.ENDPOINT);
    assertEquals("enabled", open.spec().get("public_network_access").asText());
    assertNull(open.ignoredNote());
  }

  @Test
  void filesThatAreNotSpecs() throws Exception {
    assertThrows(CliException.class, () -> SpecFile.read(write("list.yml", "- name: blue\n")));
    CliException broken = assertThrows(CliException.class, () -> SpecFile.read(write("broken.yml", "name: [blue\n")));
    assertTrue(broken.getMessage().contains("not valid YAML"), broken.getMessage());
    CliException missing = assertThrows(CliException.class, () -> SpecFile.read(dir.resolve("absent.yml")));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    assertTrue(SpecFile.read(write("empty.yml", "")).spec().isEmpty());
  }

  @Test
  void setValuesReadAsJsonElseText() {
    SetOverrides set = SetOverrides.parse(List.of("instance_count=2", "a.b=true", "c={\"x\": 1}", "d=2024-01-01",
        "e=blue=green", "f=", "g=[1,2]", "h=007"));
    var target = io.inferbus.cli.operator.Json.object();
    set.applyTo(target);
    assertEquals(2, target.get("instance_count").asInt());
    assertTrue(target.get("instance_count").isInt());
    assertTrue(target.get("a").get("b").isBoolean());
    assertEquals(1, target.get("c").get("x").asInt());
    assertEquals("2024-01-01", target.get("d").asText(), "not the number 2024");
    assertEquals("blue=green", target.get("e").asText(), "split at the first '='");
    assertEquals("", target.get("f").asText());
    assertEquals(2, target.get("g").size());
    assertEquals("007", target.get("h").asText());
    var strings = io.inferbus.cli.operator.Json.object();
    SetOverrides.parse(List.of("instance_count=2"), true).applyTo(strings);
    assertTrue(strings.get("instance_count").isTextual(), "--force-string");
    assertEquals(List.of("instance_count", "a", "c", "d", "e", "f", "g", "h"), set.topLevelFields());
    var text = io.inferbus.cli.operator.Json.object();
    SetOverrides.parse(List.of("tags.release=1.10", "version=2", "description=true", "name=007")).applyTo(text);
    assertEquals("1.10", text.get("tags").get("release").asText(), "text fields keep the text given");
    assertTrue(text.get("version").isTextual() && text.get("description").isTextual(), text.toString());
    assertEquals("007", text.get("name").asText());
  }

  @Test
  void badSetArgumentsAreUsageErrors() {
    for (String bad : List.of("instance_count", "=2", "a[0]=1", "a..b=1", " =1")) {
      CliException e = assertThrows(CliException.class, () -> SetOverrides.parse(List.of(bad)), bad);
      assertEquals(CliException.USAGE, e.exitCode(), bad);
    }
    var target = io.inferbus.cli.operator.Json.object().put("description", "text");
    CliException through = assertThrows(CliException.class,
        () -> SetOverrides.parse(List.of("description.x=1")).applyTo(target));
    assertTrue(through.getMessage().contains("not an object"), through.getMessage());
  }

  private static List<String> iterable(SpecFile spec) {
    List<String> names = new java.util.ArrayList<>();
    spec.spec().fieldNames().forEachRemaining(names::add);
    return names;
  }
}
