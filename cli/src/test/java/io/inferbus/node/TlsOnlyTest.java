package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The scoring and control-plane ports speak TLS 1.2+ only: a plain-HTTP request gets no HTTP answer
 * (the bytes are not a TLS handshake), and an HTTPS client negotiates TLS 1.2 or 1.3.
 */
class TlsOnlyTest extends EmbeddedNodeTest {

  /** What a port answers to a plain-HTTP request, as text (empty when it just closes). */
  private static String plainHttpAnswer(String baseUrl) throws Exception {
    URI uri = URI.create(baseUrl);
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[512];
      int n;
      try {
        n = in.read(buf);
      } catch (java.net.SocketException reset) {
        return "";
      }
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void plainHttpIsNeverAnswered() throws Exception {
    for (String base : new String[] {node.scoring(), node.control()}) {
      String answer = plainHttpAnswer(base);
      assertFalse(answer.startsWith("HTTP/"), base + " answered plain HTTP: " + answer);
    }
  }

  @Test
  void httpsNegotiatesTls12OrNewer() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2/health/live", null);
    assertEquals(200, r.statusCode());
    String protocol = r.sslSession().orElseThrow().getProtocol();
    assertTrue(protocol.equals("TLSv1.3") || protocol.equals("TLSv1.2"), protocol);
  }
}
