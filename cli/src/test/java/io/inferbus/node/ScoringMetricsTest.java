package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metrics an operator reads on the management port after scoring, checked to the exact count:
 * the gateway's requests by endpoint, answering deployment and status code, its latency histogram
 * and body sizes, authentication refusals by reason; the instance's requests by outcome, model runs,
 * queue waits and rows per run. Refusals before a deployment is chosen count with an empty
 * deployment; made-up endpoint names create no series. Bad inputs tried: a wrong key, no
 * credentials, a body of the wrong width (refused by the instance), an unknown pinned deployment,
 * an endpoint that does not exist.
 */
class ScoringMetricsTest extends EmbeddedNodeTest {
  private static final String CREDIT = "endpoint=\"credit\"";
  private static final String BLUE = "deployment=\"blue\"";
  private static final String NONE = "deployment=\"\"";
  /** Each example request holds four rows of seven features. */
  private static final int ROWS_PER_SAMPLE = 4;
  private static final byte[] WRONG_WIDTH = "{\"input_data\": [[1, 2, 3]]}".getBytes(StandardCharsets.UTF_8);
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  private static int score(String path, String key, byte[] body, String... headers) throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + path, key, "application/json", body, headers);
    return r.statusCode();
  }

  /** The series this test reads, by name and labels, as they stand now. */
  private static Map<String, Double> snapshot() throws Exception {
    Map<String, Double> values = new LinkedHashMap<>();
    for (String[] s : SERIES) {
      String[] labels = java.util.Arrays.copyOfRange(s, 1, s.length);
      values.put(String.join(" ", s), node.metric(s[0], labels));
    }
    return values;
  }

  private static final String[][] SERIES = {
      {"inferbus_gateway_requests_total", CREDIT, BLUE, "code=\"200\""},
      {"inferbus_gateway_requests_total", CREDIT, BLUE, "code=\"400\""},
      {"inferbus_gateway_requests_total", CREDIT, NONE, "code=\"401\""},
      {"inferbus_gateway_requests_total", CREDIT, NONE, "code=\"404\""},
      {"inferbus_gateway_request_duration_seconds_count", CREDIT, BLUE},
      {"inferbus_gateway_request_duration_seconds_bucket", CREDIT, BLUE, "le=\"+Inf\""},
      {"inferbus_gateway_request_duration_seconds_bucket", CREDIT, BLUE, "le=\"60.0\""},
      {"inferbus_gateway_request_bytes_count", CREDIT, BLUE},
      {"inferbus_gateway_request_bytes_sum", CREDIT, BLUE},
      {"inferbus_gateway_response_bytes_count", CREDIT, BLUE},
      {"inferbus_gateway_auth_refusals_total", CREDIT, "reason=\"invalid_key\""},
      {"inferbus_gateway_auth_refusals_total", CREDIT, "reason=\"missing_credentials\""},
      {"inferbus_gateway_deliveries_total", "path=\"local\""},
      {"inferbus_gateway_deliveries_total", "path=\"event_bus\""},
      {"inferbus_instance_requests_total", CREDIT, BLUE, "outcome=\"ok\""},
      {"inferbus_instance_requests_total", CREDIT, BLUE, "outcome=\"bad_input\""},
      {"inferbus_instance_runs_total", CREDIT, BLUE},
      {"inferbus_instance_run_duration_seconds_count", CREDIT, BLUE},
      {"inferbus_instance_run_duration_seconds_bucket", CREDIT, BLUE, "le=\"+Inf\""},
      {"inferbus_instance_queue_wait_seconds_count", CREDIT, BLUE},
      {"inferbus_instance_queue_wait_seconds_bucket", CREDIT, BLUE, "le=\"+Inf\""},
      {"inferbus_instance_batch_rows_count", CREDIT, BLUE},
      {"inferbus_instance_batch_rows_sum", CREDIT, BLUE},
      {"inferbus_instance_batch_rows_bucket", CREDIT, BLUE, "le=\"4.0\""},
      {"inferbus_instance_batch_rows_bucket", CREDIT, BLUE, "le=\"2.0\""},
  };

  private static double delta(Map<String, Double> before, Map<String, Double> after, String... series) {
    String key = String.join(" ", series);
    return after.get(key) - before.get(key);
  }

  @Test
  void goodAndBadRequestsAreCountedExactlyAtTheGatewayAndTheInstance() throws Exception {
    String key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    Map<String, Double> before = snapshot();
    int good = 7;
    int wrongWidth = 3;
    for (int i = 0; i < good; i++) {
      assertEquals(200, score("/endpoints/credit/score", key, sample));
    }
    for (int i = 0; i < wrongWidth; i++) {
      assertEquals(400, score("/endpoints/credit/score", key, WRONG_WIDTH));
    }
    assertEquals(401, score("/endpoints/credit/score", "not-the-key", sample));
    assertEquals(401, score("/endpoints/credit/score", "another-wrong-key", sample));
    assertEquals(401, score("/endpoints/credit/score", null, sample));
    assertEquals(404, score("/endpoints/credit/score", key, sample, "azureml-model-deployment", "no-such-deployment"));
    assertEquals(404, score("/endpoints/made-up-" + System.nanoTime() + "/score", key, sample));

    // the end handlers run after the answer is written: wait for the last one, with a deadline
    Await.until("the last refusal counted", Duration.ofSeconds(10), () -> node.metricQuietly(
        "inferbus_gateway_requests_total", CREDIT, NONE, "code=\"404\"") == before.get(
        "inferbus_gateway_requests_total " + CREDIT + " " + NONE + " code=\"404\"") + 1);
    Map<String, Double> after = snapshot();
    int answered = good + wrongWidth;
    assertEquals(good, delta(before, after, "inferbus_gateway_requests_total", CREDIT, BLUE, "code=\"200\""));
    assertEquals(wrongWidth, delta(before, after, "inferbus_gateway_requests_total", CREDIT, BLUE, "code=\"400\""));
    assertEquals(3, delta(before, after, "inferbus_gateway_requests_total", CREDIT, NONE, "code=\"401\""));
    assertEquals(1, delta(before, after, "inferbus_gateway_requests_total", CREDIT, NONE, "code=\"404\""));
    assertEquals(answered, delta(before, after, "inferbus_gateway_request_duration_seconds_count", CREDIT, BLUE));
    assertEquals(answered, delta(before, after, "inferbus_gateway_request_duration_seconds_bucket", CREDIT, BLUE,
        "le=\"+Inf\""), "every request in the +Inf bucket");
    assertEquals(answered, delta(before, after, "inferbus_gateway_request_duration_seconds_bucket", CREDIT, BLUE,
        "le=\"60.0\""), "and under the 60 s bucket");
    assertCumulativeBuckets("inferbus_gateway_request_duration_seconds", 17);
    assertCumulativeBuckets("inferbus_instance_run_duration_seconds", 19);
    assertEquals(answered, delta(before, after, "inferbus_gateway_request_bytes_count", CREDIT, BLUE));
    assertEquals(good * sample.length + wrongWidth * WRONG_WIDTH.length,
        delta(before, after, "inferbus_gateway_request_bytes_sum", CREDIT, BLUE), "request body bytes");
    assertEquals(answered, delta(before, after, "inferbus_gateway_response_bytes_count", CREDIT, BLUE));
    assertEquals(2, delta(before, after, "inferbus_gateway_auth_refusals_total", CREDIT, "reason=\"invalid_key\""));
    assertEquals(1, delta(before, after, "inferbus_gateway_auth_refusals_total", CREDIT,
        "reason=\"missing_credentials\""));

    assertEquals(good + wrongWidth, delta(before, after, "inferbus_gateway_deliveries_total", "path=\"local\""),
        "the instance runs in the gateway's process: every request that reached it was handed over directly");
    assertEquals(0, delta(before, after, "inferbus_gateway_deliveries_total", "path=\"event_bus\""));
    assertEquals(good, delta(before, after, "inferbus_instance_requests_total", CREDIT, BLUE, "outcome=\"ok\""));
    assertEquals(wrongWidth, delta(before, after, "inferbus_instance_requests_total", CREDIT, BLUE,
        "outcome=\"bad_input\""), "the instance refused the wrong width without running it");
    assertEquals(good, delta(before, after, "inferbus_instance_runs_total", CREDIT, BLUE), "one run per request");
    assertEquals(good, delta(before, after, "inferbus_instance_run_duration_seconds_count", CREDIT, BLUE));
    assertEquals(good, delta(before, after, "inferbus_instance_run_duration_seconds_bucket", CREDIT, BLUE,
        "le=\"+Inf\""));
    assertEquals(good, delta(before, after, "inferbus_instance_queue_wait_seconds_count", CREDIT, BLUE));
    assertEquals(good, delta(before, after, "inferbus_instance_queue_wait_seconds_bucket", CREDIT, BLUE,
        "le=\"+Inf\""));
    assertEquals(good, delta(before, after, "inferbus_instance_batch_rows_count", CREDIT, BLUE));
    assertEquals(good * ROWS_PER_SAMPLE, delta(before, after, "inferbus_instance_batch_rows_sum", CREDIT, BLUE));
    assertEquals(good, delta(before, after, "inferbus_instance_batch_rows_bucket", CREDIT, BLUE, "le=\"4.0\""),
        "four rows per run");
    assertEquals(0, delta(before, after, "inferbus_instance_batch_rows_bucket", CREDIT, BLUE, "le=\"2.0\""));
    assertEquals(0, node.metric("inferbus_instance_in_flight", CREDIT, BLUE), "nothing running once answered");
    assertEquals(0, node.metric("inferbus_instance_queued", CREDIT, BLUE));
    assertEquals(0, node.metric("inferbus_gateway_requests_total", "endpoint=\"made-up"),
        "no series for endpoints that do not exist");
  }

  /**
   * A histogram as Prometheus reads it: {@code buckets} cumulative buckets of credit/blue (the
   * documented bounds and +Inf), never decreasing, the last holding every observation.
   */
  private static void assertCumulativeBuckets(String histogram, int buckets) throws Exception {
    List<Double> counts = new ArrayList<>();
    for (String line : node.metricsText().split("\n")) {
      if (line.startsWith(histogram + "_bucket{") && line.contains(CREDIT) && line.contains(BLUE)) {
        counts.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    assertEquals(buckets, counts.size(), histogram + " buckets: " + counts);
    for (int i = 1; i < counts.size(); i++) {
      assertTrue(counts.get(i) >= counts.get(i - 1), histogram + " buckets are cumulative: " + counts);
    }
    assertEquals(node.metric(histogram + "_count", CREDIT, BLUE), counts.get(counts.size() - 1), histogram);
  }

  @Test
  void theNodeExportsItsClusterJvmAndVertxPoolsButNoInstanceIds() throws Exception {
    assertEquals(1, node.metric("inferbus_cluster_members"));
    assertTrue(node.metric("jvm_memory_used_bytes", "area=\"heap\"") > 0);
    assertTrue(node.metric("vertx_pool_in_use", "pool_name=\"vert.x-worker-thread\"") >= 0);
    String text = node.metricsText();
    assertTrue(text.contains("vertx_pool_queue_pending{"), "Vert.x pool metrics exported");
    assertFalse(text.matches("(?s).*\"[a-z0-9-]+\\.[a-z0-9-]+\\.[0-9a-f]{8}\".*"),
        "no label value is an instance id (instance worker pools are not exported)");
  }
}
