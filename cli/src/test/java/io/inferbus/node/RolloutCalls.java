package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.testing.Await;
import io.inferbus.testing.ScoringLoad;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** The rollout routes and what they leave behind (history, audit), as the rollout tests call them on a node. */
final class RolloutCalls {
  /** chain-fast and chain-slow take one row of four numbers. */
  static final byte[] BODY = "{\"input_data\": [[1, 2, 3, 4]]}".getBytes(StandardCharsets.UTF_8);
  static final Path FAST = TestNode.TEST_MODELS.resolve("chain-fast.onnx");
  static final Path SLOW = TestNode.TEST_MODELS.resolve("chain-slow.onnx");
  /** Room for the test's callers on one instance: these tests are about traffic, not admission. */
  static final JsonObject ROOMY = new JsonObject().put("instance_count", 1).put("request_settings", new JsonObject()
      .put("max_concurrent_requests_per_instance", 8).put("max_queue_wait_ms", 5000).put("request_timeout_ms", 10000));

  private final TestNode node;
  private final String admin;

  RolloutCalls(TestNode node) throws Exception {
    this.node = node;
    this.admin = node.adminToken();
  }

  String scoringUrl(String endpoint) {
    return node.scoring() + "/endpoints/" + endpoint + "/score";
  }

  JsonObject start(String endpoint, JsonObject body) throws Exception {
    HttpResponse<String> r = node.https.json("POST", node.control() + "/endpoints/" + endpoint + "/rollout", admin, body);
    assertEquals(201, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  JsonObject status(String endpoint) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + "/endpoints/" + endpoint + "/rollout", admin);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  /** Waits until the rollout is in {@code state}; fails at once if it ends in another. */
  JsonObject awaitState(String endpoint, String state, Duration timeout) {
    JsonObject[] last = new JsonObject[1];
    Await.until(endpoint + "'s rollout " + state, timeout, () -> {
      try {
        last[0] = status(endpoint);
      } catch (Exception | AssertionError notYet) {
        return false;
      }
      String now = last[0].getString("state");
      if (!now.equals(state) && !now.equals("Running") && !now.equals("Paused")) {
        throw new AssertionError("the rollout ended " + now + " instead of " + state + ": " + last[0].encodePrettily());
      }
      return now.equals(state);
    });
    return last[0];
  }

  JsonObject post(String path, JsonObject body, String token) throws Exception {
    HttpResponse<String> r = node.https.json("POST", node.control() + path, token, body);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  List<JsonObject> history(String endpoint) throws Exception {
    return list("/endpoints/" + endpoint + "/traffic/history");
  }

  /** The audit records of {@code action} on the endpoint's rollout, oldest first. */
  List<JsonObject> audit(String endpoint, String action) throws Exception {
    return list("/audit").stream().filter(a -> action.equals(a.getString("action"))
        && ("endpoints/" + endpoint + "/rollout").equals(a.getString("target"))).toList();
  }

  JsonObject endpoint(String endpoint) throws Exception {
    return new JsonObject(node.https.get(node.control() + "/endpoints/" + endpoint, admin).body());
  }

  private List<JsonObject> list(String path) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + path, admin);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("value").stream().map(JsonObject.class::cast).toList();
  }

  /** Waits until the load has {@code more} answers beyond what it has now. */
  static void awaitAnswers(ScoringLoad load, int more, Duration timeout) {
    int target = load.count() + more;
    Await.until(more + " more answers", timeout, () -> load.count() >= target);
  }

  /** {@link System#nanoTime()} of a wall-clock instant the node reported (one JVM, one clock). */
  static long nanosOf(String isoInstant) {
    long ageNanos = (System.currentTimeMillis() - Instant.parse(isoInstant).toEpochMilli()) * 1_000_000L;
    return System.nanoTime() - ageNanos;
  }
}
