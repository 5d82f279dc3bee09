package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.TestNode;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node told to listen on one address ({@code --host 127.0.0.2}, an address its generated
 * certificate does not name) starts, becomes ready and serves there, and only there: its TLS
 * warm-up calls the address it listens on.
 */
class ListenAddressTest {
  private static final String ADDRESS = "127.0.0.2";
  @TempDir
  static Path dataDir;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withHost(ADDRESS));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void servesOnTheGivenAddressOnly() throws Exception {
    int port = node.node().gatewayPort();
    assertTrue(node.node().scoringBaseUrl().contains(ADDRESS), node.node().scoringBaseUrl());
    try (SSLSocket s = (SSLSocket) node.https.sslContext().getSocketFactory().createSocket(ADDRESS, port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write("GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
    }
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(),
        "nothing listens on 127.0.0.1");
    assertEquals(ADDRESS, node.node().controlPlaneUrl().replaceAll("https://([^:]+):.*", "$1"));
  }
}
