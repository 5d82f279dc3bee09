package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.testing.Cli;
import io.inferbus.testing.Cli.Result;
import io.inferbus.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code inferbus online-deployment ...} and {@code inferbus model ...} as a user runs them against
 * a real node. Bad inputs tried: a deployment whose model no instance can serve (ends Failed), a
 * field neither Azure nor Inferbus knows (in a file and in --set), a model path that does not
 * exist, a directory as model path, an endpoint that does not exist, a second create of the same
 * deployment, deleting a deployment that has traffic, bytes ONNX Runtime cannot load, a registered
 * version with other bytes, an unknown label.
 */
class OnlineDeploymentCliIT extends CliNodeTest {
  /** An Azure deployment file with Azure-only fields and a model path relative to the file, run from elsewhere. */
  @Test
  void anAzureDeploymentFileWithARelativeModelPathRunsFromAnyDirectory() throws Exception {
    Path project = tmp.resolve("project");
    Files.createDirectories(project.resolve("deploy"));
    Files.createDirectories(project.resolve("models"));
    Files.copy(EXAMPLE.resolve("model/german-credit-bad-risk-v2.onnx"), project.resolve("models/credit-v2.onnx"));
    Files.writeString(project.resolve("deploy/green.yml"), """
        $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
        name: green
        endpoint_name: my-endpoint
        model:
          path: ../models/credit-v2.onnx
        code_configuration:
          code: ../onlinescoring/
          scoring_script: score.py
        environment:
          conda_file: ../environment/conda.yaml
          image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
        instance_type: Standard_DS3_v2
        instance_count: 1
        app_insights_enabled: true
        egress_public_network_access: enabled
        scale_settings: {type: default}
        liveness_probe: {initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30}
        request_settings: {request_timeout_ms: 3000, max_concurrent_requests_per_instance: 2, max_queue_wait_ms: 500}
        """);
    cli.run("online-endpoint", "create", "-n", "relative").ok();
    Cli elsewhere = cli.in(tmp);
    Result created = elsewhere.run("online-deployment", "create", "-f", "project/deploy/green.yml", "--endpoint-name",
        "relative");
    created.ok();
    JsonNode shown = created.json();
    assertEquals("Succeeded", shown.path("provisioning_state").asText(), "create waits until it serves");
    assertEquals("relative", shown.path("endpoint_name").asText(), "--endpoint-name overrides the file");
    assertEquals("credit-v2", shown.path("model").path("name").asText(), "registered under the file's name");
    assertEquals(3000, shown.path("request_settings").path("request_timeout_ms").asInt());
    for (String ignored : new String[] {"code_configuration", "environment", "instance_type", "app_insights_enabled",
        "egress_public_network_access", "scale_settings", "liveness_probe", "$schema"}) {
      assertTrue(created.stderr().contains(ignored), ignored + " is reported as ignored: " + created);
    }
    assertTrue(created.stderr().contains("registered model"), created.toString());

    // the same file again, under another name: the registered version with the same bytes is reused
    Result reused = elsewhere.run("online-deployment", "create", "-f", "project/deploy/green.yml", "-e", "relative",
        "-n", "teal", "--no-wait");
    reused.ok();
    assertEquals("", reused.stdout(), "--no-wait prints nothing");
    assertTrue(reused.stderr().contains("registered already as credit-v2:1"), reused.toString());
    assertEquals(1, cli.run("model", "list", "-n", "credit-v2").ok().json().size());

    Result twice = elsewhere.run("online-deployment", "create", "-f", "project/deploy/green.yml", "-e", "relative");
    twice.exits(1);
    assertTrue(twice.stderr().contains("already exists") && twice.stderr().contains("online-deployment update"),
        twice.toString());
    cli.run("online-endpoint", "delete", "-n", "relative", "--yes").ok();
  }

  /** Bytes registered under two versions: a file of them keeps the deployment on its own version (no restart). */
  @Test
  void aFileWhoseBytesTheDeploymentRunsKeepsItsVersion() throws Exception {
    Path model = EXAMPLE.resolve("model/german-credit-bad-risk.onnx");
    cli.run("model", "create", "-n", "twice", "-v", "1", "-p", model.toString()).ok();
    cli.run("model", "create", "-n", "twice", "-v", "3", "-p", model.toString()).ok();
    cli.run("online-endpoint", "create", "-n", "kept").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "kept", "--set", "model=twice:1").ok();
    Path file = tmp.resolve("blue.yml");
    Files.writeString(file, "name: blue\nendpoint_name: kept\nmodel: {name: twice, path: " + model + "}\n");
    Result updated = cli.run("online-deployment", "update", "-f", file.toString());
    updated.ok();
    assertEquals("1", updated.json().path("model").path("version").asText(), updated.toString());
    assertTrue(updated.stderr().contains("nothing to change"), updated.toString());
    Result created = cli.run("online-deployment", "create", "-n", "green", "-e", "kept", "-f", file.toString());
    assertEquals("3", created.ok().json().path("model").path("version").asText(), "a new deployment takes the latest");
    cli.run("online-endpoint", "delete", "-n", "kept", "--yes").ok();
  }

  @Test
  void unknownFieldsAndMissingFilesAreRefusedBeforeAnythingChanges() throws Exception {
    cli.run("online-endpoint", "create", "-n", "strict").ok();
    Path typo = tmp.resolve("typo.yml");
    Files.writeString(typo, "name: blue\nendpoint_name: strict\nmodel: german-credit-bad-risk:1\ninstance_cont: 2\n");
    Result unknown = cli.run("online-deployment", "create", "-f", typo.toString());
    unknown.exits(1);
    assertTrue(unknown.stderr().contains("'instance_cont'"), unknown.toString());

    Path missing = tmp.resolve("missing.yml");
    Files.writeString(missing, "name: blue\nendpoint_name: strict\nmodel: {path: ./nowhere.onnx}\n");
    Result noModel = cli.run("online-deployment", "create", "-f", missing.toString());
    noModel.exits(1);
    assertTrue(noModel.stderr().contains("nowhere.onnx") && noModel.stderr().contains("does not exist"),
        noModel.toString());

    Files.createDirectories(tmp.resolve("mlflow-model"));
    Path directory = tmp.resolve("dir.yml");
    Files.writeString(directory, "name: blue\nendpoint_name: strict\nmodel: {path: ./mlflow-model}\n");
    Result dir = cli.run("online-deployment", "create", "-f", directory.toString());
    dir.exits(1);
    assertTrue(dir.stderr().contains("directory"), dir.toString());

    Result noEndpoint = cli.run("online-deployment", "create", "-n", "blue", "-e", "absent", "--set",
        "model=german-credit-bad-risk:1");
    noEndpoint.exits(3);
    assertEquals("[]", cli.run("online-deployment", "list", "-e", "strict").ok().json().toString(),
        "nothing was created");
    cli.run("online-endpoint", "delete", "-n", "strict", "--yes").ok();
  }

  @Test
  void aDeploymentThatEndsFailedExitsNonZeroWithTheReason() throws Exception {
    cli.run("model", "create", "-n", "sequence-input", "-v", "1", "-p",
        TestNode.TEST_MODELS.resolve("sequence-input.onnx").toAbsolutePath().toString()).ok();
    cli.run("online-endpoint", "create", "-n", "broken").ok();
    Result failed = cli.run("online-deployment", "create", "-n", "seq", "-e", "broken", "--set",
        "model=azureml:sequence-input:1", "--all-traffic");
    failed.exits(1);
    assertEquals("", failed.stdout());
    String reason = cli.run("online-deployment", "show", "-n", "seq", "-e", "broken", "--query", "failure_reason",
        "-o", "tsv").ok().stdout().strip();
    assertFalse(reason.isEmpty());
    assertTrue(failed.stderr().contains("failed: " + reason), "the deployment's own reason: " + failed);
    assertEquals("{\"seq\":0}", cli.run("online-endpoint", "show", "-n", "broken", "--query", "traffic")
        .ok().json().toString(), "--all-traffic is not applied to a deployment that failed");
    String logs = cli.run("online-deployment", "get-logs", "-n", "seq", "-e", "broken").ok().stdout();
    assertTrue(logs.contains("failed to start") && logs.contains("not a tensor"), "the logs say why: " + logs);
    cli.run("online-endpoint", "delete", "-n", "broken", "--yes").ok();
  }

  @Test
  void scaleAndChangeALiveDeploymentWithSet() {
    cli.run("online-endpoint", "create", "-n", "scaled").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "scaled", "--set", "model=german-credit-bad-risk:1",
        "--all-traffic").ok();
    JsonNode scaled = cli.run("online-deployment", "update", "--name", "blue", "--endpoint-name", "scaled", "--set",
        "instance_count=2").ok().json();
    assertEquals(2, scaled.path("instance_count").asInt());
    assertEquals("Succeeded", scaled.path("provisioning_state").asText());
    assertEquals(2, scaled.path("instances").size(), "update waits for the new instance: " + scaled);

    JsonNode changed = cli.run("online-deployment", "update", "-n", "blue", "-e", "scaled", "--set",
        "request_settings.request_timeout_ms=9000").ok().json();
    assertEquals(9000, changed.path("request_settings").path("request_timeout_ms").asInt());
    assertEquals(1, changed.path("request_settings").path("max_concurrent_requests_per_instance").asInt(),
        "the other settings stay");
    assertEquals(1, cli.run("online-deployment", "update", "-n", "blue", "-e", "scaled", "--instance-count", "1")
        .ok().json().path("instance_count").asInt());
    Result unknown = cli.run("online-deployment", "update", "-n", "blue", "-e", "scaled", "--set", "replicas=3");
    unknown.exits(1);
    assertTrue(unknown.stderr().contains("'replicas'"), unknown.toString());
    Result bad = cli.run("online-deployment", "update", "-n", "blue", "-e", "scaled", "--set", "instance_count=-1");
    bad.exits(1);
    assertTrue(bad.stderr().contains("instance_count"), bad.toString());

    String table = cli.run("online-deployment", "list", "-e", "scaled", "-o", "table").ok().stdout();
    assertTrue(table.startsWith("Name"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("blue\\s+scaled\\s+german-credit-bad-risk:1\\s+1\\s+Succeeded")),
        table);

    Result withTraffic = cli.run("online-deployment", "delete", "-n", "blue", "-e", "scaled", "--yes");
    withTraffic.exits(1);
    assertTrue(withTraffic.stderr().contains("(Conflict)") && withTraffic.stderr().contains("traffic"),
        withTraffic.toString());
    cli.run("online-endpoint", "update", "-n", "scaled", "--traffic", "blue=0").ok();
    cli.run("online-deployment", "delete", "-n", "blue", "-e", "scaled").exits(1);
    cli.run("online-deployment", "delete", "-n", "blue", "-e", "scaled", "--yes").ok();
    cli.run("online-deployment", "show", "-n", "blue", "-e", "scaled").exits(3);
    cli.run("online-endpoint", "delete", "-n", "scaled", "--yes").ok();
  }

  @Test
  void logsAreTextUnlessAFormatIsAskedFor() {
    String text = cli.run("online-deployment", "get-logs", "-n", "blue", "-e", "credit").ok().stdout();
    assertTrue(text.lines().anyMatch(l -> l.contains(" INFO credit.blue.") && l.contains(" ready on ")),
        "a line per event, naming its instance: " + text);
    String last = cli.run("online-deployment", "get-logs", "-n", "blue", "-e", "credit", "--lines", "1").ok().stdout();
    assertEquals(1, last.lines().count(), last);
    assertTrue(text.endsWith(last), "--lines 1 is the newest line");
    JsonNode records = cli.run("online-deployment", "get-logs", "-n", "blue", "-e", "credit", "-l", "1", "-o", "json")
        .ok().json();
    assertEquals(1, records.size());
    assertTrue(records.get(0).has("message") && records.get(0).has("node") && records.get(0).has("instance"),
        records.toString());
    cli.run("online-deployment", "get-logs", "-n", "blue", "-e", "credit", "--lines", "0").exits(1);
  }

  @Test
  void modelsRegisterListAndShowAsAzDoes() throws Exception {
    Path model = EXAMPLE.resolve("model/german-credit-bad-risk.onnx");
    JsonNode registered = cli.run("model", "create", "-n", "scorecard", "-p", model.toString()).ok().json();
    assertEquals("1", registered.path("version").asText(), "a new name starts at version 1");
    assertEquals(64, registered.path("sha256").asText().length());
    assertEquals("2", cli.run("model", "create", "-n", "scorecard", "-p",
        EXAMPLE.resolve("model/german-credit-bad-risk-v2.onnx").toString()).ok().json().path("version").asText(),
        "without --version: the next version");
    cli.run("model", "create", "-n", "scorecard", "-v", "1", "-p", model.toString()).ok(); // same bytes: fine
    Result conflict = cli.run("model", "create", "-n", "scorecard", "-v", "2", "-p", model.toString());
    conflict.exits(1);
    assertTrue(conflict.stderr().contains("(Conflict)") && conflict.stderr().contains("immutable"), conflict.toString());

    assertEquals("2", cli.run("model", "show", "-n", "scorecard", "-l", "latest", "--query", "version", "-o", "tsv")
        .ok().stdout().strip());
    assertEquals("features", cli.run("model", "show", "-n", "scorecard", "-v", "1", "--query", "inputs[0].name",
        "-o", "tsv").ok().stdout().strip());
    JsonNode all = cli.run("model", "list").ok().json();
    JsonNode scorecard = null;
    for (JsonNode m : all) {
      if (m.path("name").asText().equals("scorecard")) {
        scorecard = m;
      }
    }
    assertEquals("2", scorecard.path("latest_version").asText(), all.toString());
    String table = cli.run("model", "list", "-n", "scorecard", "-o", "table").ok().stdout();
    assertTrue(table.startsWith("Name") && table.contains("scorecard"), table);

    Result badToken = cli.run("model", "create", "-n", "scorecard", "-p", model.toString(), "--token", "not-a-jwt");
    badToken.exits(1);
    assertTrue(badToken.stderr().contains("token"), "an upload refused before its body says why: " + badToken);

    Path garbage = tmp.resolve("garbage.onnx");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    Result refused = cli.run("model", "create", "-n", "garbage", "-p", garbage.toString());
    refused.exits(1);
    assertTrue(refused.stderr().contains("(BadRequest)"), refused.toString());
    cli.run("model", "show", "-n", "garbage", "-v", "1").exits(3);
    cli.run("model", "show", "-n", "scorecard", "-l", "best").exits(2);
    cli.run("model", "show", "-n", "scorecard").exits(2);
  }
}
