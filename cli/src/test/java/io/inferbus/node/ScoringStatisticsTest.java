package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The recent statistics a console reads, end to end on an embedded node: scored requests counted by
 * the gateway, gathered by the control plane over the event bus and shown by
 * {@code GET /endpoints/credit/metrics} and {@code GET /metrics/endpoints} with exactly the counts
 * and error statuses callers saw, and quantiles. Blue takes all live traffic; green runs no instance
 * and is the endpoint's mirror, so its pinned requests are 503s and the copies sent to it count as its
 * mirrored answers, never as live ones.
 *
 * <p>Bad requests tried: a body of the wrong width (400, counted under blue), a pinned deployment
 * without a ready instance (503, counted under green), an unknown pinned deployment (404) and a wrong
 * key (401): both refused before a deployment was chosen, so counted under none.
 */
class ScoringStatisticsTest extends EmbeddedNodeTest {
  private static final byte[] WRONG_WIDTH = "{\"input_data\": [[1, 2, 3]]}".getBytes(StandardCharsets.UTF_8);

  @Test
  void scoredAnswersShowWithTheirCountsErrorsAndQuantiles() throws Exception {
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    String key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    String admin = node.adminToken();
    String reader = node.token("console", OperatorRole.READER);
    String model = new JsonObject(node.https.get(node.control() + "/models", admin).body()).getJsonArray("value")
        .getJsonObject(0).getString("name");
    HttpResponse<String> green = node.https.json("PUT", node.control() + "/endpoints/credit/deployments/green", admin,
        new JsonObject().put("model", model + ":1").put("instance_count", 0));
    assertEquals(201, green.statusCode(), green.body());
    HttpResponse<String> mirror = node.https.json("PATCH", node.control() + "/endpoints/credit", admin,
        new JsonObject().put("mirror_traffic", new JsonObject().put("green", 50)));
    assertEquals(200, mirror.statusCode(), mirror.body());
    Await.until("the gateway routes to green", Duration.ofSeconds(30), () -> {
      try { // readiness is not scoring: it is not counted
        return node.https.get(node.scoring() + "/v2/models/credit/versions/green/ready", key).statusCode() == 503;
      } catch (Exception e) {
        return false;
      }
    });
    double mirroredBefore = mirrorsSent();

    int good = 7;
    int wrongWidth = 3;
    int unavailable = 2;
    for (int i = 0; i < good; i++) {
      assertEquals(200, score(key, sample));
    }
    for (int i = 0; i < wrongWidth; i++) {
      assertEquals(400, score(key, WRONG_WIDTH));
    }
    for (int i = 0; i < unavailable; i++) {
      assertEquals(503, score(key, sample, "azureml-model-deployment", "green"));
    }
    assertEquals(404, score(key, sample, "azureml-model-deployment", "no-such-deployment"));
    assertEquals(401, score("not-the-key", sample));

    // each answer is counted once written: wait for the last of them, with a deadline
    Await.until("the 12 answers counted", Duration.ofSeconds(20), () -> {
      JsonObject m = metricsQuietly(reader);
      return m != null && m.getJsonObject("total").getLong("requests") == good + wrongWidth + unavailable;
    });
    JsonObject m = metrics(reader, "/endpoints/credit/metrics");
    assertEquals(List.of(node.node().nodeId()), m.getJsonArray("gateways").getList());
    assertEquals(List.of(), m.getJsonArray("missing_gateways").getList());
    assertEquals(10, m.getInteger("step_seconds"));

    JsonObject blue = m.getJsonObject("deployments").getJsonObject("blue");
    assertEquals(good + wrongWidth, blue.getLong("requests"));
    assertEquals(new JsonObject().put("400", wrongWidth), blue.getJsonObject("errors"));
    assertEquals(0.0, blue.getDouble("error_rate"), "a 400 is the caller's mistake");
    assertEquals(0, blue.getLong("mirrored_requests"));
    double p50 = blue.getDouble("p50_ms");
    double p95 = blue.getDouble("p95_ms");
    double p99 = blue.getDouble("p99_ms");
    assertTrue(p50 > 0 && p50 <= p95 && p95 <= p99, p50 + " " + p95 + " " + p99);
    assertEquals(90, blue.getJsonArray("series").size());
    assertEquals(good + wrongWidth, blue.getJsonArray("series").stream()
        .mapToLong(p -> ((JsonObject) p).getLong("requests")).sum());

    JsonObject greenShown = m.getJsonObject("deployments").getJsonObject("green");
    assertEquals(unavailable, greenShown.getLong("requests"), "its pinned requests only");
    assertEquals(new JsonObject().put("503", unavailable), greenShown.getJsonObject("errors"));
    assertEquals(1.0, greenShown.getDouble("error_rate"));
    assertNotNull(greenShown.getValue("p99_ms"));
    assertEquals((long) (mirrorsSent() - mirroredBefore), greenShown.getLong("mirrored_requests"),
        "every copy the gateway sent green, as its own metric counts them");

    JsonObject total = m.getJsonObject("total");
    assertEquals(good + wrongWidth + unavailable, total.getLong("requests"),
        "the 404 and the 401 were refused before a deployment was chosen; the mirrored copies are not live");
    assertEquals(new JsonObject().put("400", wrongWidth).put("503", unavailable), total.getJsonObject("errors"));
    assertEquals(Math.round(2 / 12.0 * 1e6) / 1e6, total.getDouble("error_rate"));
    assertNotNull(total.getValue("p95_ms"));

    JsonObject summary = metrics(reader, "/metrics/endpoints");
    assertEquals(5, summary.getInteger("minutes"));
    assertEquals(List.of(), summary.getJsonArray("missing_gateways").getList());
    JsonObject credit = summary.getJsonArray("value").getJsonObject(0);
    assertEquals("credit", credit.getString("endpoint"));
    assertEquals(good + wrongWidth + unavailable, credit.getLong("requests"));
    assertTrue(credit.getDouble("requests_per_second") > 0);
    assertEquals(total.getDouble("error_rate"), credit.getDouble("error_rate"));
    assertEquals(total.getDouble("p95_ms"), credit.getDouble("p95_ms"));
  }

  private static int score(String key, byte[] body, String... headers) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/credit/score", key, "application/json", body, headers)
        .statusCode();
  }

  private static double mirrorsSent() throws Exception {
    return node.metric("inferbus_gateway_mirror_sent_total", "endpoint=\"credit\"", "deployment=\"green\"");
  }

  private static JsonObject metrics(String token, String path) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + path, token);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static JsonObject metricsQuietly(String token) {
    try {
      return metrics(token, "/endpoints/credit/metrics");
    } catch (Exception | AssertionError e) {
      return null;
    }
  }
}
