package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.RawHttp;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway decides from a scoring request's head whether its caller may use the endpoint, before
 * it reads any of the body: a caller without valid credentials, or asking for an endpoint that does
 * not exist, cannot make the node read (or buffer) a body of up to 16 MiB. Bad inputs tried, each
 * declaring a 16 MiB body and sending only 1 KiB of it: no credentials (Content-Length), a wrong
 * key (chunked, Open Inference route), an unknown endpoint (pinned-deployment route). Each is
 * answered at once (the node's read deadline is 60 s) with its JSON error and {@code Connection:
 * close}, then the connection is closed rather than drained, and each refusal of the existing
 * endpoint is counted once. A caller with the key is served as before, its body arriving in pieces.
 */
class AuthenticateBeforeBodyTest extends EmbeddedNodeTest {
  private static final int SIXTEEN_MIB = 16 * 1024 * 1024;
  private static final String CREDIT_REFUSED = "inferbus_gateway_requests_total";
  static String key;
  static byte[] sample;
  static URI scoring;

  @BeforeAll
  static void start() throws Exception {
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    scoring = URI.create(node.scoring());
  }

  /** What a raw client saw: the answer's bytes, how long until the server closed, and whether it did. */
  private record Answer(String text, long closedAfterMs) {
    String head() {
      return text.substring(0, text.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
    }

    JsonObject body() {
      return new JsonObject(text.substring(text.indexOf("\r\n\r\n") + 4));
    }
  }

  /**
   * Sends {@code head} and 1 KiB of the body it declares, never the rest, then reads until the server
   * closes the connection (the end of the stream, or a reset once the answer arrived). Head and part
   * go in one write: the server answers and closes as soon as it has the head, and a later write
   * would fail on the closed connection, as it does for a real client still sending.
   */
  private static Answer sendPartOfTheBody(String head) throws Exception {
    try (SSLSocket s = (SSLSocket) node.https.sslContext().getSocketFactory()
        .createSocket(scoring.getHost(), scoring.getPort())) {
      s.setSoTimeout(30_000); // half the node's 60 s read deadline: a timeout means the server kept it open
      s.startHandshake();
      long started = System.nanoTime();
      OutputStream out = s.getOutputStream();
      byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
      byte[] request = Arrays.copyOf(headBytes, headBytes.length + 1024);
      Arrays.fill(request, headBytes.length, request.length, (byte) '1');
      out.write(request);
      out.flush();
      String text = RawHttp.readUntilClosed(s.getInputStream());
      long ms = (System.nanoTime() - started) / 1_000_000;
      assertTrue(text.contains("\r\n\r\n"), "a whole answer before the close: " + text);
      return new Answer(text, ms);
    }
  }

  private static void assertRefusedAtOnceAndClosed(Answer a, int status) {
    assertTrue(a.text().startsWith("HTTP/1.1 " + status + " "), a.text());
    assertTrue(a.head().contains("\r\nconnection: close"), a.text());
    assertTrue(a.head().contains("\r\nx-request-id: "), a.text());
    assertTrue(a.closedAfterMs() < 10_000, "answered and closed after " + a.closedAfterMs() + " ms, not at once");
  }

  @Test
  void callersWithoutAccessAreRefusedFromTheHeadAndTheirBodyIsNotRead() throws Exception {
    double before401 = node.metric(CREDIT_REFUSED, "endpoint=\"credit\"", "deployment=\"\"", "code=\"401\"");
    double beforeMissing = node.metric("inferbus_gateway_auth_refusals_total", "endpoint=\"credit\"",
        "reason=\"missing_credentials\"");
    double beforeInvalid = node.metric("inferbus_gateway_auth_refusals_total", "endpoint=\"credit\"",
        "reason=\"invalid_key\"");

    Answer noCredentials = sendPartOfTheBody("POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + SIXTEEN_MIB + "\r\n\r\n");
    assertRefusedAtOnceAndClosed(noCredentials, 401);
    assertEquals("Unauthorized", noCredentials.body().getJsonObject("error").getString("code"));
    assertTrue(noCredentials.body().getJsonObject("error").getString("message").startsWith("missing credentials"),
        noCredentials.text());

    Answer wrongKey = sendPartOfTheBody("POST /v2/models/credit/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer not-the-key\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "1000000\r\n"); // one chunk of 16 MiB, of which 1 KiB is sent
    assertRefusedAtOnceAndClosed(wrongKey, 401);
    assertEquals("the key is not valid for endpoint 'credit'", wrongKey.body().getString("error"), wrongKey.text());

    Answer unknown = sendPartOfTheBody("POST /v2/models/nosuch/versions/blue/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\nContent-Length: " + SIXTEEN_MIB
        + "\r\n\r\n");
    assertRefusedAtOnceAndClosed(unknown, 404);
    assertEquals("no endpoint named 'nosuch'", unknown.body().getString("error"), unknown.text());

    // recorded as they are answered, once each (the unknown endpoint is not measured)
    Await.until("both refusals counted", Duration.ofSeconds(10), () -> node.metricQuietly(CREDIT_REFUSED,
        "endpoint=\"credit\"", "deployment=\"\"", "code=\"401\"") >= before401 + 2);
    assertEquals(before401 + 2, node.metric(CREDIT_REFUSED, "endpoint=\"credit\"", "deployment=\"\"",
        "code=\"401\""));
    assertEquals(beforeMissing + 1, node.metric("inferbus_gateway_auth_refusals_total", "endpoint=\"credit\"",
        "reason=\"missing_credentials\""));
    assertEquals(beforeInvalid + 1, node.metric("inferbus_gateway_auth_refusals_total", "endpoint=\"credit\"",
        "reason=\"invalid_key\""));
    assertEquals(0, node.metric(CREDIT_REFUSED, "endpoint=\"nosuch\""));
  }

  @Test
  void aCallerWithTheKeyHasItsBodyReadAsItArrives() throws Exception {
    String request = "POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: " + sample.length + "\r\n\r\n";
    try (SSLSocket s = (SSLSocket) node.https.sslContext().getSocketFactory()
        .createSocket(scoring.getHost(), scoring.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      for (int round = 0; round < 2; round++) { // the connection is kept for the next request
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.write(sample, 0, sample.length / 2);
        out.flush();
        out.write(sample, sample.length / 2, sample.length - sample.length / 2);
        out.flush();
        String answer = RawHttp.readAnswer(s.getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 200 "), "round " + round + ": " + answer);
        assertTrue(answer.contains("\"probabilities\""), answer);
      }
    }
  }
}
