package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.RawHttp;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with four event loops serves its gateway port on all of them: connections opened one after
 * the other go to the loops in turn ({@code inferbus_gateway_connections_accepted_total{event_loop}}
 * has a series per loop that serves, and each counts some), while what the loops share stays one
 * per node: requests answered on every loop are each counted once in the same series and logged
 * once in the traffic log.
 */
class GatewayEventLoopsTest {
  private static final int LOOPS = 4;
  private static final int CONNECTIONS = 2 * LOOPS;
  private static final Pattern ACCEPTED =
      Pattern.compile("(?m)^inferbus_gateway_connections_accepted_total\\{event_loop=\"([^\"]+)\"[^}]*} (\\S+)$");
  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withEventLoops(LOOPS));
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** Connections accepted so far, by the event loop that serves them (a series per server's loop). */
  private static Map<String, Double> acceptedByLoop() throws Exception {
    Map<String, Double> byLoop = new TreeMap<>();
    Matcher m = ACCEPTED.matcher(node.metricsText());
    while (m.find()) {
      byLoop.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
    }
    return byLoop;
  }

  @Test
  void connectionsAreServedOnSeveralLoopsAndCountedOnce() throws Exception {
    Map<String, Double> before = acceptedByLoop();
    assertTrue(before.size() >= 2 && before.size() <= LOOPS,
        "a server on each of the " + LOOPS + " event loops (Vert.x places them in turn): " + before);
    double answeredBefore = node.metric("inferbus_gateway_requests_total", "endpoint=\"credit\"", "code=\"200\"");
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    URI scoring = URI.create(node.scoring());

    List<SSLSocket> sockets = new ArrayList<>();
    try {
      // every request is sent before any answer is read: the loops serve them at the same time
      for (int i = 0; i < CONNECTIONS; i++) {
        SSLSocket s = (SSLSocket) node.https.sslContext().getSocketFactory().createSocket(scoring.getHost(),
            scoring.getPort());
        s.setSoTimeout(20_000);
        sockets.add(s);
        s.getOutputStream().write(("POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + key + "\r\nx-request-id: loops-" + i + "\r\nContent-Type: application/json\r\nContent-Length: "
            + sample.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().write(sample);
        s.getOutputStream().flush();
      }
      for (int i = 0; i < CONNECTIONS; i++) {
        String answer = RawHttp.readAnswer(sockets.get(i).getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 200 "), "connection " + i + ": " + answer);
      }
    } finally {
      for (SSLSocket s : sockets) {
        s.close();
      }
    }

    Map<String, Double> after = acceptedByLoop();
    Map<String, Double> served = new TreeMap<>();
    after.forEach((loop, n) -> served.put(loop, n - before.getOrDefault(loop, 0.0)));
    assertEquals(before.keySet(), after.keySet(), "the same servers' loops");
    assertEquals(CONNECTIONS, served.values().stream().mapToDouble(Double::doubleValue).sum(), 0.0,
        "each connection accepted once: " + served);
    // Vert.x hands accepted connections to the servers' loops in turn: with nothing else connecting,
    // every loop gets its share
    for (var e : served.entrySet()) {
      assertTrue(e.getValue() >= CONNECTIONS / served.size(), "connections by loop: " + served);
    }

    assertEquals(answeredBefore + CONNECTIONS,
        node.metric("inferbus_gateway_requests_total", "endpoint=\"credit\"", "code=\"200\""),
        "answers on every loop count into the node's one series");
    for (int i = 0; i < CONNECTIONS; i++) {
      String id = "loops-" + i;
      Await.until("the traffic-log line of " + id, Duration.ofSeconds(10), () -> linesOf(id) == 1);
    }
  }

  /** The traffic-log lines with this request id, as the management API gathers them. */
  private static int linesOf(String requestId) {
    try {
      var r = node.https.get(node.control() + "/endpoints/credit/traffic-log?request_id=" + requestId,
          node.adminToken());
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("value").size() : -1;
    } catch (Exception e) {
      return -1;
    }
  }
}
