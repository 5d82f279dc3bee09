package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Models other than the example, served through the gateway on both protocols: a scikit-learn style
 * classifier whose probabilities are a sequence of maps, a model with two inputs and three outputs of
 * different types, a model with a fixed shape, and one with an INT64 input; their V2 metadata and
 * readiness, and the server's. Bad inputs tried (on /score and /v2, beside those of
 * {@link ScoringRefusalsTest}): a missing input, an input given twice, one input sent to a
 * two-input model, a wrong datatype for the second input, a wrong rank, a wrong fixed dimension,
 * strings, booleans and nulls for numbers, {@code Infinity}, {@code -Infinity} and {@code NaN}
 * tokens, a number beyond FP64, an integer beyond INT64 and a fraction for INT64, an unknown
 * requested output, an unknown endpoint and deployment in metadata calls.
 */
class ModelServingTest extends EmbeddedNodeTest {
  private static final double TOLERANCE = 1e-6;
  private static final String PAIR_SIGNATURE = "a: FP64 [-1, 3]; b: FP64 [-1, 3]";
  static String zipmapKey;
  static String pairKey;
  static String fixedKey;
  static String slowKey;
  static String creditKey;

  @BeforeAll
  static void start() throws Exception {
    creditKey = node.primaryKey("credit");
    node.awaitReady("credit", creditKey);
    zipmapKey = node.deploy("zipmap", "skl", TestNode.TEST_MODELS.resolve("zipmap-classifier.onnx"), new JsonObject(),
        true);
    pairKey = node.deploy("pair", "main", TestNode.TEST_MODELS.resolve("two-inputs.onnx"), new JsonObject(), true);
    fixedKey = node.deploy("fixed", "main", TestNode.TEST_MODELS.resolve("fixed-shape.onnx"), new JsonObject(), true);
    slowKey = node.deploy("sizes", "main", TestNode.TEST_MODELS.resolve("slow-matmul.onnx"), new JsonObject(), true);
  }

  // ---------------------------------------------------------------- sequence-of-maps output

  @Test
  void zipmapProbabilitiesAreAListOfObjectsOnScore() throws Exception {
    HttpResponse<String> r = score("zipmap", zipmapKey, "{\"input_data\": [[0.9, 0.1], [0.25, 0.75]]}");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    JsonArray probabilities = answer.getJsonArray("probabilities");
    assertEquals(2, probabilities.size(), r.body());
    assertMap(probabilities.getJsonObject(0), 0.9, 0.1);
    assertMap(probabilities.getJsonObject(1), 0.25, 0.75);
    assertEquals(new JsonArray().add(0).add(1), answer.getJsonArray("label"));
  }

  @Test
  void zipmapProbabilitiesAreABytesTensorOfJsonTextsOnV2() throws Exception {
    HttpResponse<String> r = infer("zipmap", zipmapKey, new JsonObject().put("inputs", new JsonArray()
        .add(tensor("p", "FP32", new JsonArray().add(2).add(2), new JsonArray().add(0.9).add(0.1).add(0.25).add(0.75)))));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    JsonObject probabilities = output(answer, "probabilities");
    assertEquals("BYTES", probabilities.getString("datatype"), r.body());
    assertEquals(new JsonArray().add(2), probabilities.getJsonArray("shape"), r.body());
    JsonArray texts = probabilities.getJsonArray("data");
    assertTrue(texts.getValue(0) instanceof String, "each map is a JSON text: " + r.body());
    assertMap(new JsonObject(texts.getString(0)), 0.9, 0.1);
    assertMap(new JsonObject(texts.getString(1)), 0.25, 0.75);
    JsonObject label = output(answer, "label");
    assertEquals("INT64", label.getString("datatype"));
    assertEquals(new JsonArray().add(0).add(1), label.getJsonArray("data"));
  }

  // ---------------------------------------------------------------- several inputs and outputs

  @Test
  void twoInputsByNameOnScore() throws Exception {
    HttpResponse<String> r = score("pair", pairKey,
        "{\"input_data\": {\"b\": [[3, 2, 1], [0, 0, 0]], \"a\": [[1, 2, 3], [-1.5, 0, 2.5]]}}");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals(new JsonArray("[[4.0, 4.0, 4.0], [-1.5, 0.0, 2.5]]"), answer.getJsonArray("sum"));
    assertEquals(new JsonArray("[[false, false, true], [false, false, true]]"), answer.getJsonArray("flag"));
    assertEquals(new JsonArray("[[1, 2, 3], [-1, 0, 2]]"), answer.getJsonArray("count"), "Cast to INT32 truncates");
  }

  @Test
  void twoInputsOnV2WithIdAndTypedOutputs() throws Exception {
    JsonObject request = new JsonObject().put("id", "pair-7").put("inputs", new JsonArray()
        .add(tensor("a", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3)))
        .add(tensor("b", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(0.5).add(2).add(4))));
    HttpResponse<String> r = infer("pair", pairKey, request);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals("pair-7", answer.getString("id"));
    assertEquals("pair", answer.getString("model_name"));
    assertEquals("main", answer.getString("model_version"));
    JsonObject sum = output(answer, "sum");
    assertEquals("FP64", sum.getString("datatype"));
    assertEquals(new JsonArray().add(1).add(3), sum.getJsonArray("shape"));
    assertEquals(new JsonArray().add(1.5).add(4.0).add(7.0), sum.getJsonArray("data"));
    JsonObject flag = output(answer, "flag");
    assertEquals("BOOL", flag.getString("datatype"));
    assertEquals(new JsonArray().add(true).add(false).add(false), flag.getJsonArray("data"));
    JsonObject count = output(answer, "count");
    assertEquals("INT32", count.getString("datatype"));
    assertEquals(new JsonArray().add(1).add(2).add(3), count.getJsonArray("data"));
  }

  @Test
  void requestedOutputsAreTheOnlyOnesReturned() throws Exception {
    JsonObject request = pairRequest().put("outputs", new JsonArray()
        .add(new JsonObject().put("name", "count")).add(new JsonObject().put("name", "sum")));
    HttpResponse<String> r = infer("pair", pairKey, request);
    assertEquals(200, r.statusCode(), r.body());
    Set<String> names = new JsonObject(r.body()).getJsonArray("outputs").stream()
        .map(o -> ((JsonObject) o).getString("name")).collect(Collectors.toSet());
    assertEquals(Set.of("count", "sum"), names, r.body());
  }

  @Test
  void anUnknownRequestedOutputIs400() throws Exception {
    JsonObject request = pairRequest().put("outputs", new JsonArray().add(new JsonObject().put("name", "total")));
    assertV2Error(infer("pair", pairKey, request), 400, "unknown output 'total'", "sum", "flag", "count");
  }

  // ---------------------------------------------------------------- input refusals

  @Test
  void aMissingInputIs400NamingItAndTheSignature() throws Exception {
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [[1, 2, 3]]}}"), 400, "BadRequest",
        "missing input 'b'", PAIR_SIGNATURE);
    JsonObject onlyA = new JsonObject().put("inputs", new JsonArray()
        .add(tensor("a", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3))));
    assertV2Error(infer("pair", pairKey, onlyA), 400, "missing input 'b'", PAIR_SIGNATURE);
  }

  @Test
  void anInputGivenTwiceIs400() throws Exception {
    assertAzureError(score("pair", pairKey,
            "{\"input_data\": {\"a\": [[1, 2, 3]], \"b\": [[1, 2, 3]], \"a\": [[4, 5, 6]]}}"), 400, "BadRequest",
        "'a'", PAIR_SIGNATURE);
    JsonObject twice = pairRequest();
    twice.getJsonArray("inputs")
        .add(tensor("a", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(4).add(5).add(6)));
    assertV2Error(infer("pair", pairKey, twice), 400, "input 'a' is given twice", PAIR_SIGNATURE);
  }

  @Test
  void aBareArrayForATwoInputModelIs400AskingForNamedInputs() throws Exception {
    assertAzureError(score("pair", pairKey, "{\"input_data\": [[1, 2, 3]]}"), 400, "BadRequest",
        "2 inputs", "object keyed by input name", PAIR_SIGNATURE);
  }

  @Test
  void aWrongDatatypeForTheSecondInputIs400OnV2() throws Exception {
    JsonObject request = new JsonObject().put("inputs", new JsonArray()
        .add(tensor("a", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3)))
        .add(tensor("b", "INT32", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3))));
    assertV2Error(infer("pair", pairKey, request), 400, "input 'b' is INT32", "b: FP64 [-1, 3]");
  }

  @Test
  void aWrongRankIs400ShowingTheExpectedShape() throws Exception {
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [1, 2, 3], \"b\": [[1, 2, 3]]}}"), 400,
        "BadRequest", "input 'a' has shape [3]", "a: FP64 [-1, 3]");
    JsonObject request = new JsonObject().put("inputs", new JsonArray()
        .add(tensor("a", "FP64", new JsonArray().add(1).add(1).add(3), new JsonArray().add(1).add(2).add(3)))
        .add(tensor("b", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3))));
    assertV2Error(infer("pair", pairKey, request), 400, "input 'a' has shape [1, 1, 3]", "a: FP64 [-1, 3]");
  }

  @Test
  void aWrongFixedDimensionIs400ShowingTheExpectedShape() throws Exception {
    HttpResponse<String> ok = score("fixed", fixedKey, "{\"input_data\": [[1, 2, 3], [4, 5, 6]]}");
    assertEquals(200, ok.statusCode(), ok.body());
    assertEquals(new JsonArray("[[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]]"),
        new JsonObject(ok.body()).getJsonArray("y"));
    assertAzureError(score("fixed", fixedKey, "{\"input_data\": [[1, 2, 3]]}"), 400, "BadRequest",
        "input 'x' has shape [1, 3]", "x: FP32 [2, 3]");
    JsonObject request = new JsonObject().put("inputs", new JsonArray()
        .add(tensor("x", "FP32", new JsonArray().add(3).add(2), new JsonArray().add(1).add(2).add(3).add(4).add(5).add(6))));
    assertV2Error(infer("fixed", fixedKey, request), 400, "input 'x' has shape [3, 2]", "x: FP32 [2, 3]");
  }

  @Test
  void nonNumericValuesAreRefusedNamingTheInputAndTheElement() throws Exception {
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [[1, \"two\", 3]], \"b\": [[1, 2, 3]]}}"), 400,
        "BadRequest", "input 'a' is FP64 but element 1 is \"two\"");
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [[1, 2, 3]], \"b\": [[true, 2, 3]]}}"), 400,
        "BadRequest", "input 'b' is FP64 but element 0 is true");
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [[1, 2, null]], \"b\": [[1, 2, 3]]}}"), 400,
        "BadRequest", "input 'a' is FP64 but element 2 is null");
    JsonObject request = new JsonObject().put("inputs", new JsonArray()
        .add(tensor("a", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add("2").add(3)))
        .add(tensor("b", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3))));
    assertV2Error(infer("pair", pairKey, request), 400, "input 'a' is FP64 but element 1 is \"2\"");
  }

  @Test
  void aStringForANumericTensorIs400() throws Exception {
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": \"1, 2, 3\", \"b\": [[1, 2, 3]]}}"), 400,
        "BadRequest", "input 'a' is FP64", "\"1, 2, 3\"");
    assertAzureError(score("credit", creditKey, "{\"input_data\": \"6, 1169, 4, 4, 67, 2, 1\"}"), 400,
        "BadRequest", "input 'features' is FP32", "features: FP32 [-1, 7]");
  }

  @Test
  void infinityAndNanTokensAreRefusedOnBothProtocols() throws Exception {
    assertAzureError(score("credit", creditKey, "{\"input_data\": [[Infinity, 1, 1, 1, 1, 1, 1]]}"), 400,
        "BadRequest", "malformed JSON", "Infinity");
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [[-Infinity, 1, 1]], \"b\": [[1, 1, 1]]}}"),
        400, "BadRequest", "malformed JSON", "Infinity");
    String nan = "{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP32\", \"shape\": [1, 7],"
        + " \"data\": [NaN, 1, 1, 1, 1, 1, 1]}]}";
    assertV2Error(infer("credit", creditKey, nan), 400, "malformed JSON", "NaN");
    String inf = "{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP32\", \"shape\": [1, 7],"
        + " \"data\": [1, 1, 1, 1, 1, 1, Infinity]}]}";
    assertV2Error(infer("credit", creditKey, inf), 400, "malformed JSON", "Infinity");
  }

  @Test
  void numbersBeyondTheirDatatypeAreRefused() throws Exception {
    assertAzureError(score("pair", pairKey, "{\"input_data\": {\"a\": [[1e400, 1, 1]], \"b\": [[1, 1, 1]]}}"), 400,
        "BadRequest", "input 'a' is FP64 but element 0 is 1e400");
    assertAzureError(score("credit", creditKey, "{\"input_data\": [[1, 1e39, 1, 1, 1, 1, 1]]}"), 400,
        "BadRequest", "input 'features' is FP32 but element 1 is 1e39");
    assertAzureError(score("sizes", slowKey, "{\"input_data\": {\"x\": [[1.5]], \"size\": [9223372036854775808, 2]}}"),
        400, "BadRequest", "input 'size' is INT64 but element 0 is 9223372036854775808");
    assertAzureError(score("sizes", slowKey, "{\"input_data\": {\"x\": [[1.5]], \"size\": [2, 2.5]}}"),
        400, "BadRequest", "input 'size' is INT64 but element 1 is 2.5");
    String tooBig = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 1], \"data\": [1.5]},"
        + " {\"name\": \"size\", \"datatype\": \"INT64\", \"shape\": [2], \"data\": [2, -9223372036854775809]}]}";
    assertV2Error(infer("sizes", slowKey, tooBig), 400, "input 'size' is INT64 but element 1 is -9223372036854775809");
    HttpResponse<String> ok = score("sizes", slowKey, "{\"input_data\": {\"x\": [[1.5]], \"size\": [2, 2]}}");
    assertEquals(200, ok.statusCode(), "the same model serves in-range values: " + ok.body());
    assertEquals(1.5, new JsonObject(ok.body()).getJsonArray("y").getJsonArray(0).getDouble(0), TOLERANCE);
  }

  // ---------------------------------------------------------------- metadata and readiness

  @Test
  void modelMetadataNamesThePlatformAndEveryInputAndOutputWithDynamicDimensionsAsMinusOne() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2/models/pair", pairKey);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject meta = new JsonObject(r.body());
    assertEquals("pair", meta.getString("name"));
    assertEquals(new JsonArray().add("main"), meta.getJsonArray("versions"));
    assertEquals("onnxruntime_onnx", meta.getString("platform"));
    assertEquals(Set.of("a FP64 [-1,3]", "b FP64 [-1,3]"), specs(meta.getJsonArray("inputs")));
    assertEquals(Set.of("sum FP64 [-1,3]", "flag BOOL [-1,3]", "count INT32 [-1,3]"),
        specs(meta.getJsonArray("outputs")));
  }

  @Test
  void metadataOfAPinnedDeploymentAndOfAFixedShapeModel() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2/models/fixed/versions/main", fixedKey);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject meta = new JsonObject(r.body());
    assertEquals("fixed", meta.getString("name"));
    assertEquals(Set.of("x FP32 [2,3]"), specs(meta.getJsonArray("inputs")), "no dynamic dimension, no -1");
    assertEquals(Set.of("y FP32 [2,3]"), specs(meta.getJsonArray("outputs")));
    HttpResponse<String> credit = node.https.get(node.scoring() + "/v2/models/credit/versions/blue", creditKey);
    assertEquals(200, credit.statusCode(), credit.body());
    JsonObject creditMeta = new JsonObject(credit.body());
    assertEquals(Set.of("features FP32 [-1,7]"), specs(creditMeta.getJsonArray("inputs")));
    assertEquals(Set.of("probabilities FP32 [-1,2]", "label INT64 [-1]"), specs(creditMeta.getJsonArray("outputs")));
  }

  @Test
  void metadataOfTheZipmapClassifierListsItsSequenceOutputAsBytes() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2/models/zipmap", zipmapKey);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject meta = new JsonObject(r.body());
    assertEquals(Set.of("p FP32 [-1,2]"), specs(meta.getJsonArray("inputs")));
    assertEquals(Set.of("probabilities BYTES [-1]", "label INT64 [-1]"), specs(meta.getJsonArray("outputs")),
        "V2 has no map type: the sequence of maps is announced as the BYTES tensor /infer returns");
  }

  @Test
  void readinessOfAnEndpointAndOfAPinnedDeployment() throws Exception {
    HttpResponse<String> ready = node.https.get(node.scoring() + "/v2/models/pair/ready", pairKey);
    assertEquals(200, ready.statusCode(), ready.body());
    assertTrue(new JsonObject(ready.body()).getBoolean("ready"), ready.body());
    HttpResponse<String> pinned = node.https.get(node.scoring() + "/v2/models/pair/versions/main/ready", pairKey);
    assertEquals(200, pinned.statusCode(), pinned.body());
    assertEquals("main", pinned.headers().firstValue("azureml-model-deployment").orElse(null));
  }

  @Test
  void metadataOfUnknownEndpointsAndDeploymentsIs404InTheProtocolsShape() throws Exception {
    assertV2Error(node.https.get(node.scoring() + "/v2/models/nosuch", pairKey), 404, "no endpoint named 'nosuch'");
    assertV2Error(node.https.get(node.scoring() + "/v2/models/pair/versions/green", pairKey), 404,
        "no deployment 'green'");
    assertV2Error(node.https.get(node.scoring() + "/v2/models/pair/versions/green/ready", pairKey), 404,
        "no deployment 'green'");
    assertV2Error(node.https.get(node.scoring() + "/v2/models/pair", zipmapKey), 401, "not valid for endpoint 'pair'");
  }

  @Test
  void serverMetadataAndHealth() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2", null);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject server = new JsonObject(r.body());
    assertEquals("inferbus", server.getString("name"));
    assertFalse(server.getString("version", "").isBlank(), r.body());
    assertTrue(server.getValue("extensions") instanceof JsonArray, "extensions is a list: " + r.body());
    assertEquals(200, node.https.get(node.scoring() + "/v2/health/live", null).statusCode());
    assertEquals(200, node.https.get(node.scoring() + "/v2/health/ready", null).statusCode());
  }

  // ---------------------------------------------------------------- helpers

  private static JsonObject pairRequest() {
    return new JsonObject().put("inputs", new JsonArray()
        .add(tensor("a", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(1).add(2).add(3)))
        .add(tensor("b", "FP64", new JsonArray().add(1).add(3), new JsonArray().add(3).add(2).add(1))));
  }

  private static JsonObject tensor(String name, String datatype, JsonArray shape, JsonArray data) {
    return new JsonObject().put("name", name).put("datatype", datatype).put("shape", shape).put("data", data);
  }

  private static HttpResponse<String> score(String endpoint, String key, String body) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> infer(String endpoint, String key, JsonObject body) throws Exception {
    return infer(endpoint, key, body.encode());
  }

  private static HttpResponse<String> infer(String endpoint, String key, String body) throws Exception {
    return node.https.send("POST", node.scoring() + "/v2/models/" + endpoint + "/infer", key, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonObject output(JsonObject answer, String name) {
    return answer.getJsonArray("outputs").stream().map(JsonObject.class::cast)
        .filter(o -> name.equals(o.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no output '" + name + "' in " + answer));
  }

  /** {@code name DATATYPE [d0,d1]} of each spec in a metadata list. */
  private static Set<String> specs(JsonArray list) {
    return list.stream().map(JsonObject.class::cast)
        .map(s -> s.getString("name") + " " + s.getString("datatype") + " " + s.getJsonArray("shape").encode())
        .collect(Collectors.toSet());
  }

  private static void assertMap(JsonObject map, double p0, double p1) {
    assertEquals(Set.of("0", "1"), map.fieldNames(), "one key per class label: " + map);
    assertEquals(p0, map.getDouble("0"), TOLERANCE, map.encode());
    assertEquals(p1, map.getDouble("1"), TOLERANCE, map.encode());
  }

  private static void assertAzureError(HttpResponse<String> r, int status, String code, String... messageParts) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer carries a request id");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals(code, error.getString("code"), r.body());
    for (String part : messageParts) {
      assertTrue(error.getString("message").contains(part),
          "message '" + error.getString("message") + "' should contain '" + part + "'");
    }
  }

  /** The Open Inference Protocol's own error shape: {@code {"error": "<message>"}} and nothing else. */
  private static void assertV2Error(HttpResponse<String> r, int status, String... messageParts) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer carries a request id");
    JsonObject body = new JsonObject(r.body());
    assertEquals(Set.of("error"), body.fieldNames(), r.body());
    assertTrue(body.getValue("error") instanceof String, "the error is a string on /v2: " + r.body());
    for (String part : messageParts) {
      assertTrue(body.getString("error").contains(part),
          "message '" + body.getString("error") + "' should contain '" + part + "'");
    }
  }
}
