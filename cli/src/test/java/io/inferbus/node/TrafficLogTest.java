package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The traffic log and the access lines as an operator follows one request: the caller's
 * {@code x-request-id} and W3C {@code traceparent} are in the gateway's traffic log line (with its
 * status, deployment, sizes and model time) and in the instance's access line in the deployment
 * logs; a request without a traceparent gets a trace id of its own, the same on both sides; a
 * refused request is logged with its error code; a mirrored copy has a line of its own. Bad inputs
 * tried: a wrong key, a malformed traceparent.
 */
class TrafficLogTest extends EmbeddedNodeTest {
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static byte[] sample;
  static String key;

  @BeforeAll
  static void start() throws Exception {
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
  }

  private static HttpResponse<String> score(String endpoint, String bearer, String... headers) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", bearer, "application/json",
        sample, headers);
  }

  /** The traffic log's lines on disk, as a person would read {@code <data-dir>/logs/traffic.log}. */
  private static List<JsonObject> fileLines() {
    try {
      Path file = dataDir.resolve("logs").resolve("traffic.log");
      return Files.exists(file) ? Files.readAllLines(file).stream().map(JsonObject::new).toList() : List.of();
    } catch (Exception e) {
      return List.of();
    }
  }

  /** Waits (the appender writes asynchronously) for the line of {@code requestId} of that kind. */
  private static JsonObject awaitLine(String requestId, String kind) {
    JsonObject[] found = new JsonObject[1];
    Await.until("the traffic log line of " + requestId, Duration.ofSeconds(10), () -> {
      Optional<JsonObject> line = fileLines().stream()
          .filter(l -> requestId.equals(l.getString("request_id")) && kind.equals(l.getString("kind"))).findFirst();
      line.ifPresent(l -> found[0] = l);
      return line.isPresent();
    });
    return found[0];
  }

  /** The deployment's log lines from the management API. */
  private static List<String> deploymentLog(String endpoint, String deployment) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + "/endpoints/" + endpoint + "/deployments/" + deployment
        + "/logs?lines=10000", node.adminToken());
    assertEquals(200, r.statusCode(), r.body());
    JsonArray lines = new JsonObject(r.body()).getJsonArray("value");
    return lines.stream().map(l -> ((JsonObject) l).getString("message")).toList();
  }

  private static String awaitAccessLine(String endpoint, String deployment, String requestId) {
    String[] found = new String[1];
    Await.until("the access line of " + requestId, Duration.ofSeconds(10), () -> {
      try {
        Optional<String> line = deploymentLog(endpoint, deployment).stream()
            .filter(m -> m.startsWith("request " + requestId + " ")).findFirst();
        line.ifPresent(l -> found[0] = l);
        return line.isPresent();
      } catch (Exception e) {
        return false;
      }
    });
    return found[0];
  }

  @Test
  void aRequestIsFoundByItsIdAndTraceInTheTrafficLogAndTheAccessLine() throws Exception {
    HttpResponse<String> r = score("credit", key, "x-request-id", "find-me-1", "traceparent", TRACEPARENT,
        "user-agent", "audit-test/1.0");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject line = awaitLine("find-me-1", "live");
    assertEquals(TRACE_ID, line.getString("trace_id"), "the caller's trace continues");
    assertEquals("credit", line.getString("endpoint"));
    assertEquals("blue", line.getString("deployment"));
    assertEquals(200, line.getInteger("status"));
    assertNull(line.getString("error_code"));
    assertEquals("POST", line.getString("method"));
    assertEquals("/endpoints/credit/score", line.getString("path"));
    assertEquals("azureml", line.getString("protocol"));
    assertEquals(sample.length, line.getInteger("bytes_in"));
    assertEquals(r.body().length(), line.getInteger("bytes_out"));
    assertTrue(line.getDouble("model_ms") > 0, "the instance's model time: " + line);
    assertTrue(line.getDouble("duration_ms") >= line.getDouble("model_ms"), line.encode());
    assertEquals("key", line.getString("auth_mode"));
    assertEquals("127.0.0.1", line.getString("caller"));
    assertEquals("audit-test/1.0", line.getString("user_agent"));
    assertEquals(node.node().nodeId(), line.getString("node"));
    assertTrue(line.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line.encode());

    // an operator without shell access: the management API gathers it from the gateways
    HttpResponse<String> route = node.https.get(node.control() + "/endpoints/credit/traffic-log?request_id=find-me-1",
        node.adminToken());
    assertEquals(200, route.statusCode(), route.body());
    JsonArray found = new JsonObject(route.body()).getJsonArray("value");
    assertEquals(1, found.size(), route.body());
    assertEquals(line, found.getJsonObject(0), "the same line, from the management API");

    String access = awaitAccessLine("credit", "blue", "find-me-1");
    assertTrue(access.startsWith("request find-me-1 200 queued "), access);
    assertTrue(access.endsWith(" rows 4 trace " + TRACE_ID), access);
  }

  @Test
  void withoutATraceparentTheGatewayStartsATraceBothSidesShare() throws Exception {
    assertEquals(200, score("credit", key, "x-request-id", "untraced-1", "traceparent", "garbage").statusCode());
    String traceId = awaitLine("untraced-1", "live").getString("trace_id");
    assertTrue(traceId.matches("[0-9a-f]{32}") && !traceId.equals(TRACE_ID), traceId);
    assertTrue(awaitAccessLine("credit", "blue", "untraced-1").endsWith(" trace " + traceId));
  }

  @Test
  void aRefusedRequestIsLoggedWithItsErrorCode() throws Exception {
    assertEquals(401, score("credit", "wrong-key", "x-request-id", "refused-1").statusCode());
    JsonObject line = awaitLine("refused-1", "live");
    assertEquals(401, line.getInteger("status"));
    assertEquals("Unauthorized", line.getString("error_code"));
    assertNull(line.getString("deployment"), "refused before a deployment was chosen");
    assertNull(line.getValue("model_ms"));
  }

  @Test
  void aMirroredCopyHasALineOfItsOwn() throws Exception {
    Path model = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
    String mirroredKey = node.deploy("shadowed", "blue", model, new JsonObject(), true);
    node.deploy("shadowed", "shadow", model, new JsonObject(), false);
    HttpResponse<String> m = node.https.json("PATCH", node.control() + "/endpoints/shadowed", node.adminToken(),
        new JsonObject().put("mirror_traffic", new JsonObject().put("shadow", 50)));
    assertEquals(200, m.statusCode(), m.body());
    // at 50 %, 40 requests all go unmirrored once in 2^40 runs
    for (int i = 0; i < 40; i++) {
      assertEquals(200, score("shadowed", mirroredKey, "x-request-id", "mirror-" + i).statusCode());
    }
    Await.until("a mirror line", Duration.ofSeconds(10), () -> fileLines().stream()
        .anyMatch(l -> "mirror".equals(l.getString("kind")) && l.getString("request_id").startsWith("mirror-")));
    JsonObject copy = fileLines().stream().filter(l -> "mirror".equals(l.getString("kind"))
        && l.getString("request_id").startsWith("mirror-")).findFirst().orElseThrow();
    assertEquals("shadow", copy.getString("deployment"));
    assertEquals(200, copy.getInteger("status"));
    JsonObject live = awaitLine(copy.getString("request_id"), "live");
    assertEquals("blue", live.getString("deployment"));
    assertEquals(live.getString("trace_id"), copy.getString("trace_id"), "one trace for the request and its copy");
    String access = awaitAccessLine("shadowed", "shadow", copy.getString("request_id"));
    assertTrue(access.startsWith("request " + copy.getString("request_id") + " mirror 200 "), access);
  }
}
