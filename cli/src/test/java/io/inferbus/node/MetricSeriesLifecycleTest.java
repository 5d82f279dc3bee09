package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A deployment's series as Prometheus sees them over its life: a traffic change and a scale change
 * keep every counter and histogram counting on (Prometheus would read a drop as a restart and
 * invent a rate), and deleting the deployment removes its series from the gateway and the instance
 * side, while its endpoint's other deployment keeps its own.
 */
class MetricSeriesLifecycleTest extends EmbeddedNodeTest {
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  private static final String LIFE = "endpoint=\"life\"";
  private static final String BLUE = "deployment=\"blue\"";

  private static void score(String key, String deployment, int n) throws Exception {
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/life/score", key,
          "application/json", sample, "azureml-model-deployment", deployment);
      assertEquals(200, r.statusCode(), r.body());
    }
  }

  private static void change(String method, String path, JsonObject body) throws Exception {
    HttpResponse<String> r = node.https.json(method, node.control() + path, node.adminToken(), body);
    assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
  }

  /** Waits (with a deadline) until the gateway has counted {@code n} answers of blue. */
  private static void awaitCounted(double n) {
    Await.until("blue's answers counted", Duration.ofSeconds(10), () -> node.metricQuietly(
        "inferbus_gateway_requests_total", LIFE, BLUE, "code=\"200\"") == n);
  }

  private static double blue(String name, String... labels) throws Exception {
    String[] all = Arrays.copyOf(labels, labels.length + 2);
    all[labels.length] = LIFE;
    all[labels.length + 1] = BLUE;
    return node.metric(name, all);
  }

  /** Whether any line of /metrics carries both labels. */
  private static boolean anySeries(String endpointLabel, String deploymentLabel) throws Exception {
    return node.metricsText().lines().anyMatch(l -> !l.startsWith("#") && l.contains(endpointLabel)
        && l.contains(deploymentLabel));
  }

  @Test
  void seriesSurviveTrafficAndScaleChangesAndGoWithTheDeployment() throws Exception {
    String key = node.deploy("life", "blue", MODEL, new JsonObject(), true);
    node.deploy("life", "green", MODEL, new JsonObject(), false);
    score(key, "blue", 3);
    awaitCounted(3);
    assertEquals(3, blue("inferbus_instance_requests_total", "outcome=\"ok\""));

    change("PATCH", "/endpoints/life", new JsonObject().put("traffic", new JsonObject().put("blue", 50).put("green", 50)));
    assertEquals(3, blue("inferbus_gateway_requests_total", "code=\"200\""), "kept through a traffic change");
    assertEquals(3, blue("inferbus_gateway_request_duration_seconds_count"));
    score(key, "blue", 2);
    awaitCounted(5);
    assertEquals(5, blue("inferbus_gateway_request_duration_seconds_bucket", "le=\"+Inf\""));

    change("PATCH", "/endpoints/life/deployments/blue", new JsonObject().put("instance_count", 2));
    Await.until("blue scaled to two ready instances", Duration.ofSeconds(60), () -> {
      try {
        JsonObject d = new JsonObject(node.https.get(node.control() + "/endpoints/life/deployments/blue",
            node.adminToken()).body());
        return "Succeeded".equals(d.getString("provisioning_state")) && d.getJsonArray("instances").stream()
            .filter(i -> "Ready".equals(((JsonObject) i).getString("state"))).count() == 2;
      } catch (Exception e) {
        return false;
      }
    });
    assertEquals(5, blue("inferbus_instance_requests_total", "outcome=\"ok\""), "kept through a scale change");
    assertEquals(5, blue("inferbus_instance_run_duration_seconds_count"));
    score(key, "blue", 4);
    awaitCounted(9);
    assertEquals(9, blue("inferbus_instance_requests_total", "outcome=\"ok\""),
        "both instances count into one series");

    score(key, "green", 1);
    change("PATCH", "/endpoints/life", new JsonObject().put("traffic", new JsonObject().put("blue", 0).put("green", 100)));
    change("DELETE", "/endpoints/life/deployments/blue", null);
    Await.until("blue's series gone from /metrics", Duration.ofSeconds(30), () -> {
      try {
        return !anySeries(LIFE, BLUE);
      } catch (Exception e) {
        return false;
      }
    });
    assertTrue(anySeries(LIFE, "deployment=\"green\""), "green's series stay");
    assertFalse(node.metricsText().contains("inferbus_instance_in_flight{deployment=\"blue\",endpoint=\"life\"}"));
  }
}
