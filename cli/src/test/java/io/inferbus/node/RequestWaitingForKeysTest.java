package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.gateway.auth.TrustedIssuerOptions;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scoring request whose token is signed by a key the node has not seen yet waits while the gateway
 * reads the trusted issuer's keys again ({@code --jwks-url}), its body held back unread, and then
 * goes on along its route: nothing of the route runs a second time. The issuer (a real HTTP server
 * here) holds its answer until the test has looked at the waiting request. Each request, a large one
 * (hundreds of KB) on each protocol, then: gets exactly one {@code x-request-id}, the one it sent or
 * else the one its traffic-log line has; is counted once in {@code inferbus_gateway_requests_total}
 * and once, with its whole body, in the request-size summary; writes one traffic-log line, whose time
 * is its head's (before the keys were read) and whose duration covers the wait; and its body arrives
 * whole: the model (flatten-rows, y = x flattened) answers every value it was sent, in order.
 */
class RequestWaitingForKeysTest {
  private static final String REQUESTS = "inferbus_gateway_requests_total";
  private static final String REQUEST_BYTES = "inferbus_gateway_request_bytes_sum";
  private static final String ECHO = "endpoint=\"echo\"";
  @TempDir
  static Path dataDir;
  static TestNode node;
  static IdentityProvider idp;
  static final ExecutorService callers = Executors.newSingleThreadExecutor();

  @BeforeAll
  static void start() throws Exception {
    idp = new IdentityProvider();
    String url = idp.serve();
    // every request here brings a new key: no minimum interval between reads of the keys
    node = TestNode.start(dataDir, new TrustedIssuerOptions(null, url, IdentityProvider.ISSUER,
        IdentityProvider.AUDIENCE, Duration.ZERO));
    node.deploy("echo", "rows", TestNode.TEST_MODELS.resolve("flatten-rows.onnx"), new JsonObject(), true);
    assertEquals(200, node.https.json("PUT", node.control() + "/endpoints/echo", node.adminToken(),
        new JsonObject().put("auth_mode", "aad_token")).statusCode());
    Await.until("echo takes tokens", Duration.ofSeconds(10), () -> Await.holds(() -> node.https.send("POST",
        node.scoring() + "/endpoints/echo/score", idp.token("carol", "score:echo"), "application/json",
        azureBody(rows(1))).statusCode() == 200));
  }

  @AfterAll
  static void stop() throws Exception {
    callers.shutdownNow();
    if (node != null) {
      node.close();
    }
    idp.close();
  }

  @Test
  void anAzureRequestThatWaitedIsServedOnceWithTheIdItSent() throws Exception {
    float[][] rows = rows(20_000);
    byte[] body = azureBody(rows);
    assertTrue(body.length > 400_000, "a large body: " + body.length);

    Waited waited = sendWhileTheKeysAreRead(token -> node.https.send("POST", node.scoring() + "/endpoints/echo/score",
        token, "application/json", body, "x-request-id", "waited-azure", "x-ms-client-request-id", "client-7"));

    HttpResponse<String> r = waited.answer;
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of("waited-azure"), r.headers().allValues("x-request-id"));
    assertEquals(List.of("client-7"), r.headers().allValues("x-ms-client-request-id"));
    assertEquals(flat(rows), numbers(new JsonObject(r.body()).getJsonArray("y")), "every value sent, in order");
    assertServedOnce(waited, "waited-azure", body.length, "azureml");
  }

  @Test
  void anOpenInferenceRequestThatWaitedKeepsTheIdTheGatewayGaveIt() throws Exception {
    float[][] rows = rows(15_000);
    byte[] body = openInferenceBody(rows);
    assertTrue(body.length > 300_000, "a large body: " + body.length);

    Waited waited = sendWhileTheKeysAreRead(token -> node.https.send("POST",
        node.scoring() + "/v2/models/echo/infer", token, "application/json", body));

    HttpResponse<String> r = waited.answer;
    assertEquals(200, r.statusCode(), r.body());
    // the gateway made the id up: a second pass through the route would have made up another
    List<String> ids = r.headers().allValues("x-request-id");
    assertEquals(1, ids.size(), "one request id: " + ids);
    JsonObject y = new JsonObject(r.body()).getJsonArray("outputs").getJsonObject(0);
    assertEquals(flat(rows), numbers(y.getJsonArray("data")), "every value sent, in order");
    assertServedOnce(waited, ids.get(0), body.length, "v2");
  }

  @FunctionalInterface
  private interface Request {
    HttpResponse<String> send(String bearer) throws Exception;
  }

  /**
   * A request's answer, with what the test saw around it: the metrics before it, when the node's read
   * of the keys reached the issuer and when the issuer answered it.
   */
  private record Waited(HttpResponse<String> answer, double countedBefore, double bytesBefore, long keysReadMillis,
      long keysAnsweredMillis) {}

  /**
   * The issuer publishes a new key and holds its answers; the request, with a token signed by that
   * key, makes the node read the keys; while the read waits, the request is not answered, counted or
   * logged; then the issuer answers.
   */
  private static Waited sendWhileTheKeysAreRead(Request request) throws Exception {
    double counted = node.metric(REQUESTS, ECHO, "code=\"200\"");
    double bytes = node.metric(REQUEST_BYTES, ECHO);
    idp.rotate();
    String token = idp.token("carol", "score:echo");
    int fetches = idp.fetches.get();
    idp.holdKeys();
    Future<HttpResponse<String>> answer;
    long released;
    try {
      answer = callers.submit(() -> request.send(token));
      Await.until("the node reads the keys for the new key", Duration.ofSeconds(30),
          () -> idp.fetches.get() == fetches + 1);
      assertFalse(answer.isDone(), "the request waits for the keys");
      assertEquals(counted, node.metric(REQUESTS, ECHO, "code=\"200\""), "not counted while it waits");
    } finally {
      released = System.currentTimeMillis();
      idp.releaseKeys();
    }
    HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
    assertEquals(fetches + 1, idp.fetches.get(), "the keys read once for the request");
    return new Waited(r, counted, bytes, idp.lastFetchMillis.get(), released);
  }

  /** One count, its whole body measured, and one traffic-log line that spans the wait. */
  private static void assertServedOnce(Waited waited, String requestId, int bodyBytes, String protocol)
      throws Exception {
    Await.until("the traffic-log line of " + requestId, Duration.ofSeconds(10),
        () -> !trafficLogLines(requestId).isEmpty());
    List<JsonObject> lines = trafficLogLines(requestId);
    assertEquals(1, lines.size(), "one traffic-log line: " + lines);
    JsonObject line = lines.get(0);
    assertEquals(200, line.getInteger("status"), line.encode());
    assertEquals(protocol, line.getString("protocol"), line.encode());
    assertEquals(bodyBytes, line.getLong("bytes_in"), "the whole body read: " + line.encode());
    long headMillis = Instant.parse(line.getString("time")).toEpochMilli();
    assertTrue(headMillis <= waited.keysReadMillis(), "measured from its head, before the keys were read ("
        + waited.keysReadMillis() + "): " + line.encode());
    assertTrue(headMillis + line.getDouble("duration_ms") >= waited.keysAnsweredMillis() - 1,
        "its duration covers the wait for the keys (answered at " + waited.keysAnsweredMillis() + "): "
            + line.encode());

    assertEquals(waited.countedBefore() + 1, node.metric(REQUESTS, ECHO, "code=\"200\""), "counted once");
    assertEquals(waited.bytesBefore() + bodyBytes, node.metric(REQUEST_BYTES, ECHO), "its body measured once");
  }

  /** The node's traffic-log lines (live requests) with this request id. */
  private static List<JsonObject> trafficLogLines(String requestId) {
    Path log = dataDir.resolve("logs").resolve("traffic.log");
    try {
      return !Files.exists(log) ? List.of() : Files.readAllLines(log).stream()
          .filter(l -> l.contains("\"request_id\":\"" + requestId + "\"")).map(JsonObject::new)
          .filter(l -> "live".equals(l.getString("kind"))).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** {@code n} rows of three values, each different and exact in FP32. */
  private static float[][] rows(int n) {
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = new float[] {i, i + 0.5f, i + 0.25f};
    }
    return rows;
  }

  private static byte[] azureBody(float[][] rows) {
    JsonArray data = new JsonArray();
    for (float[] row : rows) {
      data.add(new JsonArray().add(row[0]).add(row[1]).add(row[2]));
    }
    return new JsonObject().put("input_data", data).encode().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] openInferenceBody(float[][] rows) {
    JsonObject x = new JsonObject().put("name", "x").put("datatype", "FP32")
        .put("shape", new JsonArray().add(rows.length).add(3)).put("data", new JsonArray(flat(rows)));
    return new JsonObject().put("inputs", new JsonArray().add(x)).encode().getBytes(StandardCharsets.UTF_8);
  }

  /** The rows' values in order, as the model answers them. */
  private static List<Double> flat(float[][] rows) {
    List<Double> values = new ArrayList<>();
    for (float[] row : rows) {
      for (float v : row) {
        values.add((double) v);
      }
    }
    return values;
  }

  private static List<Double> numbers(JsonArray array) {
    return array.stream().map(v -> ((Number) v).doubleValue()).toList();
  }
}
