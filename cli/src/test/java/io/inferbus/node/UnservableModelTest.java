package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Models that cannot be served, and a node that keeps serving the rest. Bad inputs tried: copies of
 * the example model truncated to 1 byte short, to half, and to its first 16 bytes; 4 KiB of random
 * bytes; a valid model ONNX Runtime loads whose input is a sequence of tensors (testdata's
 * sequence-input.onnx), which no scoring body can carry. The first kinds are refused when they are
 * registered (400 with ONNX Runtime's reason); the last is registered, and its deployment ends
 * {@code Failed} with the instance's reason, while the example endpoint on the same node scores.
 */
class UnservableModelTest extends EmbeddedNodeTest {
  static String token;
  static String creditKey;
  static byte[] example;
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    token = node.adminToken();
    creditKey = node.primaryKey("credit");
    node.awaitReady("credit", creditKey);
    example = Files.readAllBytes(TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx"));
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  /** Whatever was refused or failed, the example endpoint on the same node still scores. */
  @AfterEach
  void theExampleStillScores() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", creditKey,
        "application/json", sample);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(4, new JsonObject(r.body()).getJsonArray("label").size(), r.body());
  }

  @Test
  void aModelTruncatedByOneByteIsRefusedAtRegistration() throws Exception {
    assertRefusedAtRegistration("truncated-tail", Arrays.copyOf(example, example.length - 1));
  }

  @Test
  void aModelTruncatedToHalfIsRefusedAtRegistration() throws Exception {
    assertRefusedAtRegistration("truncated-half", Arrays.copyOf(example, example.length / 2));
  }

  @Test
  void theFirstBytesOfAModelAreRefusedAtRegistration() throws Exception {
    assertRefusedAtRegistration("truncated-head", Arrays.copyOf(example, 16));
  }

  @Test
  void randomBytesAreRefusedAtRegistration() throws Exception {
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    assertRefusedAtRegistration("noise", noise);
  }

  @Test
  void aModelNoInstanceCanServeEndsFailedWithTheReason() throws Exception {
    HttpResponse<String> put = node.https.send("PUT", node.control() + "/models/sequence-input/versions/1", token,
        "application/octet-stream", Files.readAllBytes(TestNode.TEST_MODELS.resolve("sequence-input.onnx")));
    assertEquals(201, put.statusCode(), "ONNX Runtime loads the model, so the registry takes it: " + put.body());
    JsonArray inputs = new JsonObject(put.body()).getJsonArray("inputs");
    assertEquals("xs", inputs.getJsonObject(0).getString("name"), put.body());

    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/seqs", token, new JsonObject()).statusCode());
    HttpResponse<String> deployment = node.https.json("PUT", node.control() + "/endpoints/seqs/deployments/main", token,
        new JsonObject().put("model", "sequence-input:1"));
    assertEquals(201, deployment.statusCode(), deployment.body());
    String url = node.control() + "/endpoints/seqs/deployments/main";
    Await.until("seqs/main Failed", Duration.ofSeconds(60), () -> "Failed".equals(show(url).getString("provisioning_state")));
    JsonObject shown = show(url);
    String reason = shown.getString("failure_reason", "");
    assertTrue(reason.contains("'xs'") && reason.contains("not a tensor"),
        "failure_reason says why the instance cannot serve the model: " + shown.encode());

    String key = node.primaryKey("seqs");
    HttpResponse<String> scored = node.https.send("POST", node.scoring() + "/endpoints/seqs/score", key,
        "application/json", "{\"input_data\": [[1]]}".getBytes(StandardCharsets.UTF_8),
        "azureml-model-deployment", "main");
    assertEquals(503, scored.statusCode(), scored.body());
    JsonObject error = new JsonObject(scored.body()).getJsonObject("error");
    assertEquals("ServiceUnavailable", error.getString("code"), scored.body());
    assertTrue(error.getString("message").contains("no ready instance"), scored.body());
    HttpResponse<String> ready = node.https.get(node.scoring() + "/v2/models/seqs/versions/main/ready", key);
    assertEquals(503, ready.statusCode(), ready.body());
    assertTrue(new JsonObject(ready.body()).getValue("error") instanceof String, ready.body());
  }

  private static void assertRefusedAtRegistration(String name, byte[] bytes) throws Exception {
    HttpResponse<String> r = node.https.send("PUT", node.control() + "/models/" + name + "/versions/1", token,
        "application/octet-stream", bytes);
    assertEquals(400, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("BadRequest", error.getString("code"), r.body());
    String prefix = "ONNX Runtime cannot load the model: ";
    assertTrue(error.getString("message").startsWith(prefix), r.body());
    assertTrue(error.getString("message").length() > prefix.length() + 10, "with ONNX Runtime's reason: " + r.body());
    assertEquals(404, node.https.get(node.control() + "/models/" + name + "/versions/1", token).statusCode(),
        "a refused model is not stored");
    HttpResponse<String> deployment = node.https.json("PUT", node.control() + "/endpoints/credit/deployments/broken",
        token, new JsonObject().put("model", name + ":1"));
    assertEquals(400, deployment.statusCode(), deployment.body());
    assertTrue(deployment.body().contains("not registered"), deployment.body());
  }

  private static JsonObject show(String url) {
    try {
      return new JsonObject(node.https.get(url, token).body());
    } catch (Exception e) {
      return new JsonObject();
    }
  }
}
