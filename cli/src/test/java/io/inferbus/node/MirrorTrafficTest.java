package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mirror traffic as a caller and an operator see it: with blue live at 100 % and a shadow mirrored
 * at 50 %, every caller is answered by blue, the shadow's instances receive about half of the
 * unpinned requests (counted by the shadow itself), and pinned requests are never mirrored. A
 * shadow that fails every request (a model whose inputs do not match the callers') changes nothing
 * for the caller; the gateway counts the shadow's failures.
 */
class MirrorTrafficTest extends EmbeddedNodeTest {
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  private static final int REQUESTS = 200;
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  private static void mirror(String endpoint, String deployment, int percent) throws Exception {
    HttpResponse<String> r = node.https.json("PATCH", node.control() + "/endpoints/" + endpoint, node.adminToken(),
        new JsonObject().put("mirror_traffic", new JsonObject().put(deployment, percent)));
    assertEquals(200, r.statusCode(), r.body());
  }

  private static HttpResponse<String> score(String endpoint, String key, String... headers) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
        sample, headers);
  }

  private static double mirrored(String endpoint, String deployment) {
    try {
      return node.metric("inferbus_gateway_mirror_requests_total", "endpoint=\"" + endpoint + "\"",
          "deployment=\"" + deployment + "\"");
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void theShadowGetsItsShareAndTheCallerOnlyTheLiveAnswer() throws Exception {
    String key = node.deploy("mirrored", "blue", MODEL, new JsonObject(), true);
    node.deploy("mirrored", "shadow", MODEL, new JsonObject(), false);
    mirror("mirrored", "shadow", 50);
    for (int i = 0; i < REQUESTS; i++) {
      HttpResponse<String> r = score("mirrored", key);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("blue", r.headers().firstValue("azureml-model-deployment").orElse(null));
    }
    // every copy was sent before its live request; each is answered on its own: wait for all answers
    double copies = node.metric("inferbus_gateway_mirror_sent_total", "endpoint=\"mirrored\"");
    Await.until("every mirrored copy answered", Duration.ofSeconds(30), () -> mirrored("mirrored", "shadow") == copies);
    // binomial(200, 0.5): mean 100, sd ~7; these bounds are 6 sd away
    assertTrue(copies >= 58 && copies <= 142, "mirrored copies: " + copies);
    assertEquals(copies, node.metric("inferbus_instance_requests_total", "endpoint=\"mirrored\"",
        "deployment=\"shadow\"", "outcome=\"ok\""), "the shadow answered every copy it got");

    // pinned requests are not mirrored
    for (int i = 0; i < 40; i++) {
      assertEquals(200, score("mirrored", key, "azureml-model-deployment", "blue").statusCode());
    }
    assertEquals(copies, node.metric("inferbus_gateway_mirror_sent_total", "endpoint=\"mirrored\""),
        "pinned requests were mirrored");
  }

  @Test
  void aFailingShadowChangesNothingForTheCaller() throws Exception {
    String key = node.deploy("shadowed", "blue", MODEL, new JsonObject(), true);
    // the shadow's model takes inputs 'a' and 'b': every mirrored copy of a credit request is a 400 there
    node.deploy("shadowed", "broken", TestNode.TEST_MODELS.resolve("two-inputs.onnx"), new JsonObject(), false);
    mirror("shadowed", "broken", 50);
    for (int i = 0; i < 100; i++) {
      HttpResponse<String> r = score("shadowed", key);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("blue", r.headers().firstValue("azureml-model-deployment").orElse(null));
    }
    Await.until("the shadow's failures counted", Duration.ofSeconds(30), () -> node.metricQuietly(
        "inferbus_gateway_mirror_requests_total", "endpoint=\"shadowed\"", "outcome=\"bad_input\"") > 0);
    assertEquals(0, node.metricQuietly("inferbus_gateway_mirror_requests_total", "endpoint=\"shadowed\"",
        "outcome=\"ok\""), "no mirrored copy can succeed on the broken shadow");
  }
}
