package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad requests get a clear status and a JSON error body, and the node keeps serving. Tried here:
 * missing, malformed and wrong keys; an unknown endpoint and deployment; malformed, empty, non-object
 * and mis-shaped bodies, an unknown input name, NaN, a 17 MiB body; on both scoring protocols.
 */
class ScoringRefusalsTest extends EmbeddedNodeTest {
  static String key;
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  /** After every refusal, the same node still scores correctly. */
  @AfterEach
  void nodeStillServes() throws Exception {
    assertEquals(200, score(key, sample).statusCode());
  }

  @Test
  void missingKeyIs401() throws Exception {
    assertAzureError(score(null, sample), 401, "Unauthorized", "missing credentials");
  }

  @Test
  void wrongKeyIs401() throws Exception {
    assertAzureError(score("not-the-key", sample), 401, "Unauthorized", "not valid for endpoint 'credit'");
  }

  @Test
  void keyWithoutBearerSchemeIs401() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", null,
        "application/json", sample, "Authorization", key);
    assertAzureError(r, 401, "Unauthorized", "Bearer");
  }

  @Test
  void unknownEndpointIs404() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/nosuch/score", key,
        "application/json", sample);
    assertAzureError(r, 404, "NotFound", "no endpoint named 'nosuch'");
  }

  @Test
  void unknownPinnedDeploymentIs404() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", sample, "azureml-model-deployment", "green");
    assertAzureError(r, 404, "NotFound", "no deployment 'green'");
  }

  @Test
  void malformedJsonIs400WithAJsonErrorBody() throws Exception {
    assertAzureError(score(key, "{\"input_data\": [[1, 2,".getBytes(StandardCharsets.UTF_8)), 400, "BadRequest",
        "malformed JSON");
  }

  @Test
  void emptyBodyIs400() throws Exception {
    assertAzureError(score(key, new byte[0]), 400, "BadRequest", "empty");
  }

  @Test
  void bodyThatIsNotAnObjectIs400() throws Exception {
    assertAzureError(score(key, "[1, 2, 3]".getBytes(StandardCharsets.UTF_8)), 400, "BadRequest", "JSON object");
  }

  @Test
  void wrongShapeIs400NamingTheInputAndTheSignature() throws Exception {
    HttpResponse<String> r = score(key, "{\"input_data\": [[1, 2, 3]]}".getBytes(StandardCharsets.UTF_8));
    assertAzureError(r, 400, "BadRequest", "features: FP32 [-1, 7]");
  }

  @Test
  void unknownInputNameIs400() throws Exception {
    HttpResponse<String> r = score(key, "{\"input_data\": {\"age\": [[1]]}}".getBytes(StandardCharsets.UTF_8));
    assertAzureError(r, 400, "BadRequest", "unknown input 'age'");
  }

  @Test
  void nanIsRefusedNotCrashedOn() throws Exception {
    HttpResponse<String> r = score(key,
        "{\"input_data\": [[NaN, 1, 1, 1, 1, 1, 1]]}".getBytes(StandardCharsets.UTF_8));
    assertAzureError(r, 400, "BadRequest", "malformed JSON");
  }

  @Test
  void bodyOver16MiBIs413() throws Exception {
    byte[] big = new byte[17 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    assertAzureError(score(key, big), 413, "PayloadTooLarge", "larger than");
  }

  @Test
  void openInferenceErrorsUseTheProtocolsOwnShape() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/v2/models/credit/infer", key,
        "application/json", "{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP64\", \"shape\": [1, 7],"
            .concat(" \"data\": [1, 2, 3, 4, 5, 6, 7]}]}").getBytes(StandardCharsets.UTF_8));
    assertEquals(400, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertTrue(body.getValue("error") instanceof String, r.body());
    assertTrue(body.getString("error").contains("features: FP32 [-1, 7]"), r.body());
    HttpResponse<String> unauthorized = node.https.send("POST", node.scoring() + "/v2/models/credit/infer", "bad",
        "application/json", "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals(401, unauthorized.statusCode());
    assertTrue(new JsonObject(unauthorized.body()).getValue("error") instanceof String, unauthorized.body());
  }

  @Test
  void v2ShapeAndDataLengthMismatchIs400() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/v2/models/credit/infer", key,
        "application/json", ("{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP32\", \"shape\": [2, 7],"
            + " \"data\": [1, 2, 3, 4, 5, 6, 7]}]}").getBytes(StandardCharsets.UTF_8));
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(new JsonObject(r.body()).getString("error").contains("14 elements"), r.body());
  }

  private static HttpResponse<String> score(String bearer, byte[] body) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/credit/score", bearer, "application/json", body);
  }

  private static void assertAzureError(HttpResponse<String> r, int status, String code, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer carries a request id");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals(code, error.getString("code"), r.body());
    assertTrue(error.getString("message").contains(messagePart), "message '" + error.getString("message")
        + "' should contain '" + messagePart + "'");
  }
}
