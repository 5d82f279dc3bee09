package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.RawHttp;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node started with {@code --max-connections 4} keeps at most four connections open on its
 * gateway port. Bad input tried: a fifth connection while four are open, whose request (a scoring
 * request with the right key, then one on the Open Inference route) is answered 503
 * {@code TooManyConnections} naming the cap and the flag, and closed; each counted in
 * {@code inferbus_gateway_connections_refused_total}. {@code inferbus_gateway_connections_open}
 * shows the four, and once one closes a new connection is served. The node has four event loops, so
 * the four connections are served on different loops: the cap is the node's, not a loop's.
 */
class ConnectionLimitTest {
  private static final int CAP = 4;
  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static URI scoring;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withMaxConnections(CAP).withEventLoops(4));
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    scoring = URI.create(node.scoring());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static SSLSocket connect() throws IOException {
    SSLSocket s = (SSLSocket) node.https.sslContext().getSocketFactory().createSocket(scoring.getHost(),
        scoring.getPort());
    s.setSoTimeout(20_000);
    return s;
  }

  private static double open() {
    return node.metricQuietly("inferbus_gateway_connections_open");
  }

  /** Asks for the gateway's liveness on a kept-alive connection; returns the answer's status line. */
  private static String live(SSLSocket s) throws IOException {
    s.getOutputStream().write("GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        .getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    String answer = RawHttp.readAnswer(s.getInputStream());
    return answer.substring(0, answer.indexOf("\r\n"));
  }

  /** Sends {@code request} on a new connection and reads until the server closes it. */
  private static String refused(String request) throws IOException {
    try (SSLSocket s = connect()) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return RawHttp.readUntilClosed(s.getInputStream());
    }
  }

  @Test
  void aConnectionOverTheCapIsAnswered503AndClosed() throws Exception {
    List<SSLSocket> held = new ArrayList<>();
    try {
      // the harness's own client may hold a kept-alive connection: fill up to the cap from there
      for (int i = (int) open(); i < CAP; i++) {
        SSLSocket s = connect();
        held.add(s);
        assertEquals("HTTP/1.1 200 OK", live(s), "connection " + (i + 1) + " of " + CAP);
      }
      Await.until("all " + CAP + " connections counted", Duration.ofSeconds(10), () -> open() == CAP);
      double refusedBefore = node.metric("inferbus_gateway_connections_refused_total");

      byte[] sample = java.nio.file.Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
      String azure = refused("POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + sample.length + "\r\n\r\n"
          + new String(sample, StandardCharsets.UTF_8));
      assertTrue(azure.startsWith("HTTP/1.1 503 "), azure);
      assertTrue(azure.toLowerCase(java.util.Locale.ROOT).contains("\r\nconnection: close\r\n"), azure);
      assertTrue(azure.toLowerCase(java.util.Locale.ROOT).contains("\r\nx-request-id: "), azure);
      JsonObject error = new JsonObject(azure.substring(azure.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
      assertEquals("TooManyConnections", error.getString("code"));
      assertTrue(error.getString("message").contains(CAP + " connections open")
          && error.getString("message").contains("--max-connections " + CAP), error.getString("message"));

      String v2 = refused("GET /v2/models/credit/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\n\r\n");
      assertTrue(v2.startsWith("HTTP/1.1 503 "), v2);
      assertTrue(new JsonObject(v2.substring(v2.indexOf("\r\n\r\n") + 4)).getString("error")
          .contains("--max-connections " + CAP), v2);

      assertEquals(refusedBefore + 2, node.metric("inferbus_gateway_connections_refused_total"));
      assertEquals(CAP, open(), "refused connections are not counted against the cap");

      held.remove(0).close();
      Await.until("the closed connection released", Duration.ofSeconds(10), () -> open() == CAP - 1);
      SSLSocket again = connect();
      held.add(again);
      assertEquals("HTTP/1.1 200 OK", live(again), "a connection under the cap again is served");
      for (SSLSocket s : held) {
        assertEquals("HTTP/1.1 200 OK", live(s), "the connections within the cap are still served");
      }
    } finally {
      for (SSLSocket s : held) {
        s.close();
      }
    }
  }
}
