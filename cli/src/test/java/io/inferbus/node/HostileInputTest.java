package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a hostile or broken caller can send the gateway, over a raw TLS socket so nothing is
 * cleaned up on the way: empty, truncated and random binary bodies, deep nesting, huge numbers,
 * wrong types, a 17 MiB body, odd paths, methods and headers, an oversized URI and header block.
 * Every answer is a 4xx (or the connection is closed for bytes that are not HTTP), never a 5xx, and
 * the example endpoint serves correctly afterwards.
 */
class HostileInputTest extends EmbeddedNodeTest {
  static String key;
  static SSLContext tls;
  static URI scoring;

  @BeforeAll
  static void start() throws Exception {
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    tls = node.https.sslContext();
    scoring = URI.create(node.scoring());
  }

  /** Sends raw bytes over TLS and returns the status code of the answer, or -1 if the server closed without one. */
  private static int raw(byte[] request) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(scoring.getHost(), scoring.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (java.io.IOException closedEarly) {
        // the server may answer and close before reading it all (a 413 on the declared length)
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int b;
      try {
        while ((b = in.read()) != -1 && head.size() < 64) {
          head.write(b);
          if (b == '\n') {
            break;
          }
        }
      } catch (java.io.IOException reset) {
        // closed without an answer
      }
      String line = head.toString(StandardCharsets.ISO_8859_1);
      if (!line.startsWith("HTTP/1.1 ") && !line.startsWith("HTTP/1.0 ")) {
        return -1;
      }
      return Integer.parseInt(line.substring(9, 12));
    }
  }

  /** Sends raw bytes over TLS and returns the whole answer as text (the server closes after it). */
  private static String rawAnswer(byte[] request) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(scoring.getHost(), scoring.getPort())) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static byte[] post(String path, String contentType, byte[] body, String... extraHeaders) {
    StringBuilder h = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Authorization: Bearer " + key + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n");
    if (contentType != null) {
      h.append("Content-Type: ").append(contentType).append("\r\n");
    }
    for (String e : extraHeaders) {
      h.append(e).append("\r\n");
    }
    h.append("\r\n");
    byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  private static byte[] get(String path, String... extraHeaders) {
    StringBuilder h = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (String e : extraHeaders) {
      h.append(e).append("\r\n");
    }
    return h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void assert4xx(String what, int status) {
    assertTrue(status >= 400 && status < 500, what + ": answered " + status);
  }

  @Test
  void hostileBodiesGet4xxNever5xx() throws Exception {
    Random random = new Random(42);
    byte[] binary = new byte[4096];
    random.nextBytes(binary);
    String deep = "{\"input_data\": " + "[".repeat(5000) + "1" + "]".repeat(5000) + "}";
    List<String[]> bodies = new ArrayList<>();
    bodies.add(new String[] {"empty", ""});
    bodies.add(new String[] {"truncated", "{\"input_data\": [[6.0, 1169.0, 4.0"});
    bodies.add(new String[] {"deep nesting", deep});
    bodies.add(new String[] {"deep object nesting", "{\"a\":".repeat(3000) + "1" + "}".repeat(3000)});
    bodies.add(new String[] {"huge number", "{\"input_data\": [[1e999999, 1, 1, 1, 1, 1, 1]]}"});
    bodies.add(new String[] {"long number", "{\"input_data\": [[" + "9".repeat(100_000) + ", 1, 1, 1, 1, 1, 1]]}"});
    bodies.add(new String[] {"wrong types", "{\"input_data\": [[\"a\", true, null, {}, [], 1, 1]]}"});
    bodies.add(new String[] {"array body", "[1, 2, 3]"});
    bodies.add(new String[] {"string body", "\"input_data\""});
    bodies.add(new String[] {"NaN", "{\"input_data\": [[NaN, 1, 1, 1, 1, 1, 1]]}"});
    bodies.add(new String[] {"duplicate keys", "{\"input_data\": [[1,1,1,1,1,1,1]], \"input_data\": [[1]]}"});
    bodies.add(new String[] {"long string", "{\"input_data\": \"" + "x".repeat(1_000_000) + "\"}"});
    for (String path : new String[] {"/endpoints/credit/score", "/v2/models/credit/infer"}) {
      for (String[] b : bodies) {
        assert4xx(path + " " + b[0], raw(post(path, "application/json", b[1].getBytes(StandardCharsets.UTF_8))));
      }
      assert4xx(path + " random binary", raw(post(path, "application/octet-stream", binary)));
      assert4xx(path + " binary with a bogus Inference-Header-Content-Length",
          raw(post(path, "application/octet-stream", binary, "Inference-Header-Content-Length: 17")));
      assert4xx(path + " invalid UTF-8", raw(post(path, "application/json",
          new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'})));
    }
    assertEquals(413, raw(post("/endpoints/credit/score", "application/json", new byte[17 * 1024 * 1024])),
        "a 17 MiB body");
  }

  @Test
  void oddPathsMethodsAndHeadersGet4xxNever5xx() throws Exception {
    String[] paths = {"/", "/endpoints", "/endpoints/", "/endpoints//score", "/endpoints/credit/score/extra",
        "/endpoints/%00/score", "/endpoints/%2e%2e/score", "/endpoints/..%2f..%2fetc%2fpasswd/score",
        "/v2/models/credit/versions//infer", "/v2/models/" + "a".repeat(300) + "/infer", "/endpoints/credit/score?x=%zz",
        "/\u00e9t\u00e9", "*"};
    for (String path : paths) {
      assert4xx("POST " + path, raw(post(path, "application/json", "{}".getBytes(StandardCharsets.UTF_8))));
      assert4xx("GET " + path, raw(get(path)));
    }
    String longUri = rawAnswer(get("/endpoints/" + "a".repeat(10_000) + "/score"));
    assertTrue(longUri.startsWith("HTTP/1.") && longUri.substring(9, 12).equals("414"), longUri);
    assertTrue(longUri.contains("\"UriTooLong\"") && longUri.toLowerCase().contains("x-request-id:"), longUri);
    String bigHeader = rawAnswer(get("/v2/models/credit", "X-Big: " + "b".repeat(20_000)));
    assertTrue(bigHeader.substring(9, 12).equals("431"), bigHeader);
    assertTrue(bigHeader.contains("\"RequestHeaderFieldsTooLarge\""), bigHeader);
    assert4xx("a Bearer token of 6 KB", raw(get("/v2/models/credit", "Authorization: Bearer " + "k".repeat(6000))));
    assert4xx("DELETE on scoring", raw(("DELETE /endpoints/credit/score HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1)));
    assert4xx("a Content-Length that is not a number", raw(("POST /endpoints/credit/score HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: lots\r\nConnection: close\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1)));
    int notHttp = raw("\u0016\u0003\u0001 this is not HTTP at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(notHttp == -1 || (notHttp >= 400 && notHttp < 500), "garbage answered " + notHttp);
  }

  @Test
  void theNodeServesCorrectlyAfterwards() throws Exception {
    hostileBodiesGet4xxNever5xx();
    oddPathsMethodsAndHeadersGet4xxNever5xx();
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json")));
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("probabilities"), r.body());
  }
}
