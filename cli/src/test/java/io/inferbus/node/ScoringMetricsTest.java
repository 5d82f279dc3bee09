package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's per-endpoint metrics, as an operator reads them on the management port: scoring
 * requests by endpoint, answering deployment and status code, and their latency. Refusals before a
 * deployment is chosen count with an empty deployment; made-up endpoint names create no series.
 */
class ScoringMetricsTest extends EmbeddedNodeTest {
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  private static int score(String path, String key, String... headers) throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + path, key, "application/json", sample, headers);
    return r.statusCode();
  }

  @Test
  void requestsAreCountedByEndpointDeploymentAndCode() throws Exception {
    String key = node.primaryKey("credit");
    for (int i = 0; i < 5; i++) {
      assertEquals(200, score("/endpoints/credit/score", key));
    }
    assertEquals(401, score("/endpoints/credit/score", "not-the-key"));
    assertEquals(404, score("/endpoints/credit/score", key, "azureml-model-deployment", "no-such-deployment"));
    assertEquals(404, score("/endpoints/made-up-" + System.nanoTime() + "/score", key));

    // the end handlers run after the answer is written: wait for the last one, with a deadline
    Await.until("the refusals counted", Duration.ofSeconds(10), () -> node.metricQuietly(
        "inferbus_gateway_requests_total", "endpoint=\"credit\"", "deployment=\"\"", "code=\"404\"") == 1);
    assertEquals(5, node.metric("inferbus_gateway_requests_total", "endpoint=\"credit\"", "deployment=\"blue\"",
        "code=\"200\""));
    assertEquals(1, node.metric("inferbus_gateway_requests_total", "endpoint=\"credit\"", "deployment=\"\"",
        "code=\"401\""));
    assertEquals(5, node.metric("inferbus_gateway_request_duration_seconds_count", "endpoint=\"credit\"",
        "deployment=\"blue\""));
    assertFalse(node.metric("inferbus_gateway_request_duration_seconds_sum", "endpoint=\"credit\"",
        "deployment=\"blue\"") <= 0, "latency recorded");
    assertEquals(0, node.metric("inferbus_gateway_requests_total", "endpoint=\"made-up"),
        "no series for endpoints that do not exist");
  }
}
