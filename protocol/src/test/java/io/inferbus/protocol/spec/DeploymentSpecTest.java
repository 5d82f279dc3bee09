package io.inferbus.protocol.spec;

import static io.inferbus.protocol.spec.Refusals.json;
import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DeploymentSpec (and the ModelName it reads): PUT bodies, PATCH bodies and writing into a stored
 * document.
 *
 * <p>Bad inputs tried: model missing, null, a number, an array, "credit-model" (no version), ":1",
 * "credit-model:", "azureml:credit-model", "azureml:", an object without version or without name;
 * instance_count -1, 65, 1.5, "2", true and 4294967297 (wraps to 1 as an int); a body name or
 * endpoint_name differing from the path's; an invalid path deployment name; bad request_settings and
 * batching (reported under their inner fields); description not a string; tags not an object; PATCH
 * bodies naming model, batching, name, description and a typo; PATCH instance_count and
 * request_settings out of range.
 */
class DeploymentSpecTest {
  private static final String MODEL = "\"model\": \"credit-model:1\"";

  private static DeploymentSpec parse(String body) {
    return DeploymentSpec.parse("credit", "blue", json(body));
  }

  // ------------------------------------------------------------ PUT: defaults

  @Test
  void onlyAModelTakesTheDefaults() {
    DeploymentSpec spec = parse("{" + MODEL + "}");
    assertEquals("credit", spec.endpoint());
    assertEquals("blue", spec.name());
    assertEquals(new ModelName("credit-model", "1"), spec.model());
    assertEquals(1, spec.instanceCount());
    assertSame(RequestSettings.DEFAULTS, spec.requestSettings());
    assertEquals(new RequestSettings(5000, 1, 500), spec.requestSettings());
    assertNull(spec.batching(), "batching is off unless asked for");
    assertEquals("", spec.description());
    assertEquals(Map.of(), spec.tags());
    assertEquals(List.of(), spec.ignoredFields());
  }

  @Test
  void givenFieldsAreKept() {
    DeploymentSpec spec = parse("{\"name\": \"blue\", \"endpoint_name\": \"credit\", " + MODEL
        + ", \"instance_count\": 3, \"request_settings\": {\"request_timeout_ms\": 9000},"
        + " \"batching\": {\"max_batch_size\": 8}, \"description\": \"v1\", \"tags\": {\"stage\": \"prod\"}}");
    assertEquals(3, spec.instanceCount());
    assertEquals(new RequestSettings(9000, 1, 500), spec.requestSettings(), "absent settings take the defaults");
    assertEquals(new BatchingSettings(8, 0), spec.batching());
    assertEquals("v1", spec.description());
    assertEquals(Map.of("stage", "prod"), spec.tags());
    assertEquals(List.of(), spec.ignoredFields());
  }

  @Test
  void instanceFieldsAreModelRequestSettingsAndBatching() {
    assertEquals(List.of("model", "request_settings", "batching"), DeploymentSpec.INSTANCE_FIELDS);
  }

  // ------------------------------------------------------------ model

  @Test
  void modelAsNameColonVersion() {
    assertEquals(new ModelName("credit-model", "1"), parse("{\"model\": \"credit-model:1\"}").model());
    assertEquals(new ModelName("credit.v2", "2024-01-01"), parse("{\"model\": \"credit.v2:2024-01-01\"}").model());
  }

  @Test
  void modelWithAzuremlPrefix() {
    assertEquals(new ModelName("credit-model", "3"), parse("{\"model\": \"azureml:credit-model:3\"}").model());
  }

  @Test
  void modelSplitsAtTheLastColon() {
    // names are checked by the registry, not here: the last colon separates the version
    assertEquals(new ModelName("a:b", "c"), ModelName.parse("a:b:c"));
  }

  @Test
  void modelAsObjectWithStringOrNumericVersion() {
    assertEquals(new ModelName("credit-model", "2"),
        parse("{\"model\": {\"name\": \"credit-model\", \"version\": \"2\"}}").model());
    assertEquals(new ModelName("credit-model", "2"),
        parse("{\"model\": {\"name\": \"credit-model\", \"version\": 2}}").model());
  }

  @ParameterizedTest
  @ValueSource(strings = {"credit-model", ":1", "credit-model:", "azureml:credit-model", "azureml:", "", ":"})
  void modelStringWithoutNameAndVersionIsRefusedQuotingIt(String model) {
    refused("model", () -> parse("{\"model\": \"" + model + "\"}"), "model '" + model + "'",
        "must name a registered version as name:version", "e.g. german-credit-bad-risk:1");
  }

  @Test
  void missingModelIsRefusedShowingBothForms() {
    refused("model", () -> parse("{}"), "model is required", "\"name:version\"",
        "{\"name\": ..., \"version\": ...}");
    refused("model", () -> parse("{\"model\": null}"), "model is required");
  }

  @Test
  void modelOfTheWrongTypeIsRefusedShowingWhatWasSent() {
    refused("model", () -> parse("{\"model\": 5}"), "model is 5;", "it must be \"name:version\"");
    refused("model", () -> parse("{\"model\": [\"credit-model\", 1]}"), "model is [\"credit-model\",1]");
    refused("model", () -> parse("{\"model\": {\"name\": \"credit-model\"}}"), "model is {\"name\":\"credit-model\"}",
        "{\"name\": ..., \"version\": ...}");
    refused("model", () -> parse("{\"model\": {\"version\": \"1\"}}"), "model is {\"version\":\"1\"}");
  }

  @Test
  void modelNameToStringIsNameColonVersion() {
    assertEquals("credit-model:1", new ModelName("credit-model", "1").toString());
    assertEquals("credit-model:7", ModelName.parse("azureml:credit-model:7").toString(), "without the prefix");
  }

  // ------------------------------------------------------------ instance_count

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 63, 64})
  void instanceCountFrom0To64IsAccepted(int count) {
    assertEquals(count, parse("{" + MODEL + ", \"instance_count\": " + count + "}").instanceCount());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "65", "1.5", "4294967297", "-4294967295"})
  void instanceCountOutOfRangeOrFractionalIsRefusedNamingTheRange(String count) {
    refused("instance_count", () -> parse("{" + MODEL + ", \"instance_count\": " + count + "}"),
        "instance_count is " + count, "use a whole number from 0 to 64");
  }

  @Test
  void instanceCountOfTheWrongTypeIsRefused() {
    // the text "2" is shown in quotes, so the message says why it is wrong
    refused("instance_count", () -> parse("{" + MODEL + ", \"instance_count\": \"2\"}"),
        "instance_count is \"2\";", "whole number from 0 to 64");
    refused("instance_count", () -> parse("{" + MODEL + ", \"instance_count\": true}"),
        "instance_count is true", "whole number from 0 to 64");
  }

  // ------------------------------------------------------------ names

  @Test
  void bodyNamesDifferingFromThePathAreRefused() {
    refused("name", () -> parse("{\"name\": \"green\", " + MODEL + "}"),
        "the body's name 'green' differs from the path's 'blue'");
    refused("endpoint_name", () -> parse("{\"endpoint_name\": \"other\", " + MODEL + "}"),
        "the body's endpoint_name 'other' differs from the path's 'credit'");
  }

  @Test
  void bodyNamesEqualToThePathAreAccepted() {
    DeploymentSpec spec = parse("{\"name\": \"blue\", \"endpoint_name\": \"credit\", " + MODEL + "}");
    assertEquals("blue", spec.name());
    assertEquals("credit", spec.endpoint());
  }

  @Test
  void invalidPathDeploymentNameIsRefusedFirst() {
    refused("deployment", () -> DeploymentSpec.parse("credit", "1blue", json("{}")),
        "'1blue' is not a valid deployment name", "3-32 characters");
  }

  // ------------------------------------------------------------ nested settings and other fields

  @Test
  void badRequestSettingsAndBatchingAreRefusedUnderTheirInnerFields() {
    refused("request_timeout_ms", () -> parse("{" + MODEL + ", \"request_settings\": {\"request_timeout_ms\": 0}}"),
        "request_timeout_ms is 0", "whole number from 1 to 180000");
    refused("request_settings", () -> parse("{" + MODEL + ", \"request_settings\": 5}"),
        "request_settings must be an object");
    refused("max_batch_size", () -> parse("{" + MODEL + ", \"batching\": {\"max_batch_size\": 0}}"),
        "max_batch_size is 0", "whole number from 1 to 4096");
    refused("batching", () -> parse("{" + MODEL + ", \"batching\": true}"), "batching must be an object");
  }

  @Test
  void descriptionAndTagsOfTheWrongTypeAreRefused() {
    refused("description", () -> parse("{" + MODEL + ", \"description\": [\"x\"]}"), "description must be a string");
    refused("tags", () -> parse("{" + MODEL + ", \"tags\": \"a=b\"}"), "tags must be an object of strings");
  }

  @Test
  void unknownFieldsAreListedSorted() {
    DeploymentSpec spec = parse("{\"$schema\": \"https://azuremlschemas.azureedge.net/latest/"
        + "managedOnlineDeployment.schema.json\", " + MODEL + ", \"instance_type\": \"Standard_DS3_v2\","
        + " \"environment\": \"azureml:onnx-env:1\", \"code_configuration\": {\"code\": \"./src\"},"
        + " \"instance_cont\": 3}");
    assertEquals(List.of("$schema", "code_configuration", "environment", "instance_cont", "instance_type"),
        spec.ignoredFields());
    assertEquals(1, spec.instanceCount(), "the typo is not read as instance_count");
  }

  @Test
  void knownFieldsAreNotListedAsIgnored() {
    DeploymentSpec spec = parse("{\"name\": \"blue\", \"endpoint_name\": \"credit\", " + MODEL
        + ", \"instance_count\": 1, \"request_settings\": {}, \"batching\": {}, \"description\": \"\", \"tags\": {}}");
    assertEquals(List.of(), spec.ignoredFields());
    assertEquals(new BatchingSettings(16, 0), spec.batching(), "an empty batching object turns batching on");
  }

  // ------------------------------------------------------------ PATCH

  private static JsonObject storedDoc() {
    return json("{\"name\": \"blue\", \"endpoint_name\": \"credit\", \"model\": {\"name\": \"credit-model\","
        + " \"version\": \"1\", \"sha256\": \"ab\"}, \"instance_count\": 2, \"request_settings\":"
        + " {\"request_timeout_ms\": 7000, \"max_concurrent_requests_per_instance\": 4, \"max_queue_wait_ms\": 100},"
        + " \"batching\": null, \"description\": \"v1\", \"tags\": {}, \"generation\": 3}");
  }

  @Test
  void patchWritesInstanceCountOnly() {
    JsonObject doc = storedDoc();
    DeploymentSpec.patch(doc, json("{\"instance_count\": 5}"));
    assertEquals(storedDoc().put("instance_count", 5), doc);
  }

  @Test
  void patchInstanceCountBoundsAreThoseOfPut() {
    JsonObject doc = storedDoc();
    DeploymentSpec.patch(doc, json("{\"instance_count\": 0}"));
    assertEquals(0, doc.getInteger("instance_count"));
    DeploymentSpec.patch(doc, json("{\"instance_count\": 64}"));
    assertEquals(64, doc.getInteger("instance_count"));
    refused("instance_count", () -> DeploymentSpec.patch(doc, json("{\"instance_count\": 65}")),
        "instance_count is 65", "whole number from 0 to 64");
    refused("instance_count", () -> DeploymentSpec.patch(doc, json("{\"instance_count\": -1}")),
        "instance_count is -1");
    assertEquals(64, doc.getInteger("instance_count"), "a refused patch leaves the count");
  }

  @Test
  void patchWithNullInstanceCountIsRefusedAndLeavesTheCount() {
    // a PATCH that says null must not quietly scale the deployment to the PUT default (1)
    JsonObject doc = storedDoc();
    int before = doc.getInteger("instance_count");
    refused("instance_count", () -> DeploymentSpec.patch(doc, json("{\"instance_count\": null}")),
        "instance_count is null", "whole number from 0 to 64");
    assertEquals(before, doc.getInteger("instance_count"));
  }

  @Test
  void patchMergesRequestSettingsOverTheCurrentOnes() {
    JsonObject doc = storedDoc();
    DeploymentSpec.patch(doc, json("{\"request_settings\": {\"max_queue_wait_ms\": 0}}"));
    assertEquals(json("{\"request_timeout_ms\": 7000, \"max_concurrent_requests_per_instance\": 4,"
        + " \"max_queue_wait_ms\": 0}"), doc.getJsonObject("request_settings"), "absent fields keep current values");
    assertEquals(storedDoc().put("request_settings", doc.getJsonObject("request_settings")), doc,
        "nothing else changes");
  }

  @Test
  void patchOfRequestSettingsOnADocumentWithoutThemMergesOverTheDefaults() {
    JsonObject doc = storedDoc();
    doc.remove("request_settings");
    DeploymentSpec.patch(doc, json("{\"request_settings\": {\"request_timeout_ms\": 100}}"));
    assertEquals(new RequestSettings(100, 1, 500), RequestSettings.fromJson(doc.getJsonObject("request_settings")));
  }

  @Test
  void patchOfBothFields() {
    JsonObject doc = storedDoc();
    DeploymentSpec.patch(doc, json("{\"instance_count\": 4, \"request_settings\":"
        + " {\"max_concurrent_requests_per_instance\": 8}}"));
    assertEquals(4, doc.getInteger("instance_count"));
    assertEquals(new RequestSettings(7000, 8, 100), RequestSettings.fromJson(doc.getJsonObject("request_settings")));
  }

  @Test
  void patchWithBadRequestSettingsIsRefusedNamingTheInnerField() {
    refused("max_concurrent_requests_per_instance", () -> DeploymentSpec.patch(storedDoc(),
        json("{\"request_settings\": {\"max_concurrent_requests_per_instance\": 1025}}")),
        "max_concurrent_requests_per_instance is 1025", "whole number from 1 to 1024");
    refused("timeout", () -> DeploymentSpec.patch(storedDoc(), json("{\"request_settings\": {\"timeout\": 5}}")),
        "request_settings has unknown field 'timeout'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"model", "batching", "name", "endpoint_name", "description", "tags", "instance_cont"})
  void nonPatchableFieldsAreRefusedNamingTheFieldAndWhatPatchTakes(String field) {
    JsonObject doc = storedDoc();
    refused(field, () -> DeploymentSpec.patch(doc, new JsonObject().put("instance_count", 3).put(field, "x")),
        "field '" + field + "' cannot be patched", "PATCH takes instance_count, request_settings and scale_settings");
    assertEquals(storedDoc(), doc, "checked before anything is written");
  }

  @Test
  void checkPatchAcceptsThePatchableFieldsAndAnEmptyBody() {
    DeploymentSpec.checkPatch(json("{\"instance_count\": 1, \"request_settings\": {}}"));
    DeploymentSpec.checkPatch(json("{}"));
    JsonObject doc = storedDoc();
    DeploymentSpec.patch(doc, json("{}"));
    assertEquals(storedDoc(), doc);
  }

  // ------------------------------------------------------------ writeTo

  @Test
  void writeToWritesTheSpecFieldsWithTheRegisteredModel() {
    DeploymentSpec spec = parse("{\"name\": \"blue\", " + MODEL + ", \"instance_count\": 2, \"batching\":"
        + " {\"max_batch_size\": 32, \"max_batch_delay_ms\": 2}, \"description\": \"d\", \"tags\": {\"k\": \"v\"},"
        + " \"environment\": \"env\"}");
    JsonObject written = spec.writeTo(new JsonObject(), new ModelRef("credit-model", "1", "cafe"));
    assertEquals(json("{\"model\": {\"name\": \"credit-model\", \"version\": \"1\", \"sha256\": \"cafe\"},"
        + " \"instance_count\": 2, \"request_settings\": {\"request_timeout_ms\": 5000,"
        + " \"max_concurrent_requests_per_instance\": 1, \"max_queue_wait_ms\": 500},"
        + " \"batching\": {\"max_batch_size\": 32, \"max_batch_delay_ms\": 2}, \"description\": \"d\","
        + " \"tags\": {\"k\": \"v\"}}"), written, "no name, endpoint_name or ignored fields");
  }

  @Test
  void writeToWritesBatchingOffAsNull() {
    JsonObject doc = new JsonObject().put("batching", new JsonObject().put("max_batch_size", 8)).put("generation", 2);
    parse("{" + MODEL + "}").writeTo(doc, new ModelRef("credit-model", "1", "cafe"));
    assertTrue(doc.containsKey("batching"));
    assertNull(doc.getValue("batching"), "batching turned off in the stored document");
    assertEquals(2, doc.getInteger("generation"), "other fields of the document are kept");
  }

  // ------------------------------------------------------------ scale_settings (autoscaling)

  private static final String AUTOSCALED = "\"scale_settings\": {\"type\": \"target_utilization\","
      + " \"min_instances\": 1, \"max_instances\": 4}";

  @Test
  void scaleSettingsAbsentOrDefaultIsAFixedCount() {
    assertNull(parse("{" + MODEL + "}").scaleSettings());
    assertNull(parse("{" + MODEL + ", \"scale_settings\": {\"type\": \"default\"}}").scaleSettings());
    assertEquals(List.of(), parse("{" + MODEL + ", \"scale_settings\": {\"type\": \"default\"}}").ignoredFields(),
        "scale_settings is served, not ignored");
  }

  @Test
  void scaleSettingsAreParsedAndBadOnesRefusedUnderTheirInnerFields() {
    assertEquals(new ScaleSettings(1, 4, 1, 70, 5, 60, 300), parse("{" + MODEL + ", " + AUTOSCALED + "}").scaleSettings());
    refused("scale_settings.max_instances", () -> parse("{" + MODEL + ", \"scale_settings\": {\"type\":"
        + " \"target_utilization\", \"max_instances\": 65}}"), "max_instances is 65");
    refused("scale_settings.min_instances", () -> parse("{" + MODEL + ", \"scale_settings\": {\"type\":"
        + " \"target_utilization\", \"min_instances\": 5, \"max_instances\": 4}}"), "is above max_instances");
  }

  @Test
  void writeToStartsAnAutoscaledDeploymentWithinItsBounds() {
    DeploymentSpec spec = parse("{" + MODEL + ", \"instance_count\": 9, " + AUTOSCALED + "}");
    JsonObject written = spec.writeTo(new JsonObject(), new ModelRef("credit-model", "1", "cafe"));
    assertEquals(4, written.getInteger("instance_count"), "brought down to max_instances");
    assertEquals("target_utilization", written.getJsonObject("scale_settings").getString("type"));
    assertEquals(1, parse("{" + MODEL + ", \"scale_settings\": {\"type\": \"target_utilization\", \"min_instances\": 0,"
        + " \"max_instances\": 2}}").writeTo(new JsonObject(), new ModelRef("credit-model", "1", "cafe"))
        .getInteger("instance_count"), "a new deployment that may scale to zero starts with one instance");
  }

  @Test
  void writeToKeepsTheCountTheAutoscalerReachedWhenTheSameYamlIsPutAgain() {
    JsonObject doc = storedDoc().put("instance_count", 3).put("scale_settings", ScaleSettings.defaults().toJson());
    parse("{" + MODEL + ", \"instance_count\": 1, " + AUTOSCALED + "}").writeTo(doc,
        new ModelRef("credit-model", "1", "cafe"));
    assertEquals(3, doc.getInteger("instance_count"));
    parse("{" + MODEL + ", \"instance_count\": 2}").writeTo(doc, new ModelRef("credit-model", "1", "cafe"));
    assertEquals(2, doc.getInteger("instance_count"), "type default again: the spec's count");
    assertTrue(!doc.containsKey("scale_settings"), "a fixed deployment's document has no scale_settings");
  }

  @Test
  void patchOfInstanceCountWhileAutoscaledIsAConflict() {
    JsonObject doc = storedDoc().put("scale_settings", new ScaleSettings(1, 4, 1, 70, 5, 60, 300).toJson());
    JsonObject before = doc.copy();
    InferbusException e = assertThrows(InferbusException.class,
        () -> DeploymentSpec.patch(doc, json("{\"instance_count\": 3}")));
    assertEquals(FailureKind.CONFLICT, e.kind());
    assertTrue(e.getMessage().contains("instance_count is set by the autoscaler"), e.getMessage());
    assertEquals(before, doc);
    DeploymentSpec.patch(doc, json("{\"instance_count\": 3, \"scale_settings\": {\"type\": \"default\"}}"));
    assertEquals(3, doc.getInteger("instance_count"), "turning autoscaling off in the same PATCH sets the count");
    assertTrue(!doc.containsKey("scale_settings"));
  }

  @Test
  void patchOfTheBoundsMergesAndBringsTheCountWithinThem() {
    JsonObject doc = storedDoc().put("instance_count", 4)
        .put("scale_settings", new ScaleSettings(1, 4, 1, 70, 5, 60, 300).toJson());
    DeploymentSpec.patch(doc, json("{\"scale_settings\": {\"max_instances\": 2}}"));
    assertEquals(new ScaleSettings(1, 2, 1, 70, 5, 60, 300), ScaleSettings.fromJson(doc.getJsonObject("scale_settings")));
    assertEquals(2, doc.getInteger("instance_count"));
    JsonObject fixed = storedDoc();
    DeploymentSpec.patch(fixed, json("{\"scale_settings\": {\"type\": \"target_utilization\", \"min_instances\": 3,"
        + " \"max_instances\": 6}}"));
    assertEquals(3, fixed.getInteger("instance_count"), "a fixed deployment turned autoscaled starts within the bounds");
    refused("scale_settings", () -> DeploymentSpec.patch(storedDoc(), json("{\"scale_settings\": null}")),
        "scale_settings is null");
  }
}
