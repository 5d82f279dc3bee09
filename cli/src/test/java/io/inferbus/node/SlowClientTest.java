package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.RawHttp;
import io.inferbus.testing.TestNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow or stalled clients cannot hold the connections of the gateway or the control plane: a
 * connection that sends only part of a request head, or nothing at all after TLS, is closed once the
 * node's request read deadline (here 1 s) passes; a request whose body is trickled in (a byte now
 * and then, so the idle timeout never fires) or stalls is answered 408 once the deadline passes after
 * its head, and cut off; a kept-alive connection that sends whole requests is served across them; a
 * large declared upload that arrives steadily (above 1 MiB/s) is read past the deadline. Bad inputs
 * tried, on both ports: half a request head, nothing at all, a body trickled a byte every 100 ms.
 */
class SlowClientTest {
  @TempDir
  static Path dataDir;
  static TestNode node;
  static SSLContext tls;
  static URI scoring;
  static URI control;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withRequestReadTimeoutMs(1000));
    tls = node.https.sslContext();
    scoring = URI.create(node.scoring());
    control = URI.create(node.control());
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** Sends {@code partial} to {@code port}, then blocks reading until the server closes; returns what it answered. */
  private static String untilClosed(URI port, String partial) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(port.getHost(), port.getPort())) {
      s.setSoTimeout(20_000); // far past the 1 s deadline: a read that times out means the server kept it open
      s.startHandshake();
      s.getOutputStream().write(partial.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      try {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (java.net.SocketException reset) {
        return "";
      }
    }
  }

  @Test
  void aPartialRequestHeadIsCutOff() throws Exception {
    String answer = untilClosed(scoring, "POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: app");
    assertEquals("", answer, "nothing is answered to half a request");
  }

  @Test
  void aSilentConnectionIsCutOff() throws Exception {
    assertEquals("", untilClosed(scoring, ""));
  }

  @Test
  void aPartialRequestHeadIsCutOffOnTheControlPlane() throws Exception {
    String answer = untilClosed(control, "PUT /endpoints/half HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea");
    assertEquals("", answer, "nothing is answered to half a request");
  }

  @Test
  void aSilentConnectionIsCutOffOnTheControlPlane() throws Exception {
    assertEquals("", untilClosed(control, ""));
  }

  @Test
  void aTrickledBodyIsAnswered408AndCutOff() throws Exception {
    String answer = trickleBody(scoring, "POST /endpoints/credit/score", node.primaryKey("credit"), "{\"data\": [");
    assertTrue(answer.contains("\"code\":\"RequestTimeout\"") && answer.contains("did not arrive within 1000 ms"),
        answer);
  }

  @Test
  void aTrickledBodyIsAnswered408AndCutOffOnTheControlPlane() throws Exception {
    String answer = trickleBody(control, "PUT /endpoints/trickled", node.adminToken(), "{\"description\": \"");
    assertTrue(answer.contains("{\"error\":{\"code\":\"RequestTimeout\",\"message\":\"the request body did not"
        + " arrive within 1000 ms of its head\"}}"), answer);
  }

  /**
   * Sends {@code request}'s head (declaring a 100,000-byte body) and {@code start}, then one byte every
   * 100 ms: the connection is never idle, the body never complete. Returns the answer, a 408 given
   * within the deadline's reach, after which the connection closed.
   */
  private static String trickleBody(URI port, String request, String bearer, String start) throws Exception {
    java.util.concurrent.ScheduledExecutorService trickler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(port.getHost(), port.getPort())) {
      s.setSoTimeout(20_000);
      s.startHandshake();
      java.io.OutputStream out = s.getOutputStream();
      out.write((request + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + bearer
          + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + start)
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      long started = System.nanoTime();
      // one byte every 100 ms: the connection is never idle, the body never complete
      trickler.scheduleAtFixedRate(() -> {
        try {
          out.write('1');
          out.flush();
        } catch (java.io.IOException closed) {
          throw new java.io.UncheckedIOException(closed); // stops the trickle
        }
      }, 100, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
      String answer;
      try {
        answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (java.net.SocketException reset) {
        throw new AssertionError("the connection was reset without a 408", reset);
      }
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
      assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("x-request-id: "), answer);
      // cut off at the deadline, not by the 20 s read timeout above or the 120 s idle timeout
      assertTrue(elapsedMs < 10_000, "answered after " + elapsedMs + " ms");
      return answer;
    } finally {
      trickler.shutdownNow();
    }
  }

  /**
   * A model upload declaring 3 MiB and sent steadily over about 1.5 s outlives the 1 s deadline: a
   * declared body gets as long as it needs at 1 MiB/s (3 s here), so it is read and judged (400: not
   * an ONNX model) rather than cut off with a 408.
   */
  @Test
  void aLargeDeclaredUploadArrivingSteadilyIsReadPastTheDeadline() throws Exception {
    int chunk = 64 * 1024;
    int chunks = 48; // 3 MiB
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(control.getHost(), control.getPort())) {
      s.setSoTimeout(20_000);
      s.startHandshake();
      java.io.OutputStream out = s.getOutputStream();
      out.write(("PUT /models/not-onnx/versions/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + node.adminToken() + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + chunk * chunks
          + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      long started = System.nanoTime();
      byte[] bytes = new byte[chunk];
      for (int i = 0; i < chunks; i++) {
        out.write(bytes);
        out.flush();
        // the client's pace (about 2 MiB/s), not a wait for the server's state
        java.util.concurrent.locks.LockSupport.parkNanos(31_000_000L);
      }
      long sentMs = (System.nanoTime() - started) / 1_000_000;
      String head = RawHttp.readAnswer(s.getInputStream());
      assertTrue(sentMs > 1000, "the upload took longer than the 1 s deadline (" + sentMs + " ms), so the test means"
          + " something");
      assertTrue(head.startsWith("HTTP/1.1 400"), "read whole and refused as not a model after " + sentMs + " ms: "
          + head);
    }
  }

  /**
   * Pipelined requests: Vert.x starts the second inside the first's answer, so the first's end must
   * not put the connection back on a head deadline while the second (here slower than the 1 s
   * deadline: a 5,000 x 5,000 matrix product, 2-5 s here) is being served.
   */
  @Test
  void aPipelinedRequestSlowerThanTheDeadlineIsAnswered() throws Exception {
    String key = node.deploy("slow", "main", TestNode.TEST_MODELS.resolve("slow-matmul.onnx"),
        new io.vertx.core.json.JsonObject().put("request_settings", new io.vertx.core.json.JsonObject()
            .put("request_timeout_ms", 60_000).put("max_queue_wait_ms", 60_000)), true);
    String body = "{\"input_data\": {\"x\": [[1.5]], \"size\": [5000, 5000]}}";
    String creditKey = node.primaryKey("credit");
    String sample = java.nio.file.Files.readString(TestNode.EXAMPLE.resolve("sample-request.json"));
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(scoring.getHost(), scoring.getPort())) {
      s.setSoTimeout(30_000);
      // the first is answered asynchronously (event bus), after the second's head has been read
      s.getOutputStream().write(("POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + creditKey + "\r\nContent-Type: application/json\r\nContent-Length: " + sample.length() + "\r\n\r\n"
          + sample
          + "POST /endpoints/slow/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      long start = System.nanoTime();
      String first = RawHttp.readAnswer(s.getInputStream());
      assertTrue(first.startsWith("HTTP/1.1 200"), "the first pipelined request: " + first);
      String second = RawHttp.readAnswer(s.getInputStream());
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(second.startsWith("HTTP/1.1 200"), "the slow pipelined POST, after " + tookMs + " ms: " + second);
      assertTrue(tookMs > 1000, "the request outlived the 1 s read deadline (" + tookMs + " ms), so the test means"
          + " something");
    }
  }

  @Test
  void aKeptAliveConnectionIsServedRequestAfterRequest() throws Exception {
    servedRequestAfterRequest(scoring, "GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    servedRequestAfterRequest(control, "GET /endpoints HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
        + node.adminToken() + "\r\n\r\n");
  }

  private static void servedRequestAfterRequest(URI port, String request) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(port.getHost(), port.getPort())) {
      s.setSoTimeout(20_000);
      for (int i = 0; i < 3; i++) {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        String head = RawHttp.readAnswer(s.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 200"), port + " request " + i + ": " + head);
      }
    }
  }
}
