package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.net.Cidr;
import io.inferbus.testing.Await;
import io.inferbus.testing.RawHttp;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint with {@code public_network_access: disabled}, on a real node whose gateway trusts one
 * reverse proxy, 127.0.0.2 (a loopback address of its own: a test connection can come from it).
 * Refused callers tried: loopback outside the allowed networks with the endpoint's valid key, and
 * with no valid key; an X-Forwarded-For naming an allowed address from an untrusted peer; from the
 * trusted proxy, an X-Forwarded-For naming an address outside, and one that is no address at all.
 */
class PrivateNetworkAccessTest {
  private static final String PROXY = "127.0.0.2";
  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, c -> c.with(b -> b.trustedProxies(List.of(Cidr.parse(PROXY + "/32")))));
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  /** Puts the example endpoint's network access, and waits until the gateway answers as it says. */
  private static JsonObject access(JsonObject spec, int loopbackGets) throws Exception {
    HttpResponse<String> put = node.https.json("PUT", node.control() + "/endpoints/credit", node.adminToken(),
        spec.copy().put("auth_mode", "key"));
    assertEquals(200, put.statusCode(), put.body());
    Await.until("the gateway answers " + loopbackGets + " for " + spec, Duration.ofSeconds(10),
        () -> Await.holds(() -> score().statusCode() == loopbackGets));
    return new JsonObject(put.body());
  }

  private static HttpResponse<String> score() throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/credit/score", key, "application/json", sample);
  }

  private static JsonObject disabledFor(String... networks) {
    JsonObject spec = new JsonObject().put("public_network_access", "disabled");
    return networks.length == 0 ? spec : spec.put("allowed_networks", new JsonArray(List.of((Object[]) networks)));
  }

  @Test
  void aLoopbackCallerOutsideTheAllowedNetworksIsRefusedEvenWithAValidKey() throws Exception {
    double before = node.metric("inferbus_gateway_auth_refusals_total", "endpoint=\"credit\"", "reason=\"network\"");
    JsonObject shown = access(disabledFor("10.0.0.0/8"), 403);
    assertEquals("disabled", shown.getString("public_network_access"));
    assertEquals(new JsonArray().add("10.0.0.0/8"), shown.getJsonArray("allowed_networks"));

    HttpResponse<String> refused = score();
    assertEquals(403, refused.statusCode());
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertEquals("PublicNetworkAccessDisabled", error.getString("code"), refused.body());
    assertTrue(error.getString("message").contains("127.0.0.1 is not in its allowed networks"), refused.body());
    String requestId = refused.headers().firstValue("x-request-id").orElseThrow();

    HttpResponse<String> noKey = node.https.send("POST", node.scoring() + "/endpoints/credit/score", "not-the-key",
        "application/json", sample);
    assertEquals(403, noKey.statusCode(), "decided before any authentication: " + noKey.body());
    assertTrue(noKey.body().contains("PublicNetworkAccessDisabled"), noKey.body());

    assertTrue(node.metric("inferbus_gateway_auth_refusals_total", "endpoint=\"credit\"", "reason=\"network\"")
        >= before + 3, "counted (the waits above count too)");
    Await.until("the refusal in the traffic log", Duration.ofSeconds(10), () -> Await.holds(() -> {
      HttpResponse<String> log = node.https.get(node.control() + "/endpoints/credit/traffic-log?request_id="
          + requestId, node.adminToken());
      JsonArray lines = new JsonObject(log.body()).getJsonArray("value");
      return lines.size() == 1 && lines.getJsonObject(0).getInteger("status") == 403
          && "PublicNetworkAccessDisabled".equals(lines.getJsonObject(0).getString("error_code"));
    }));
    HttpResponse<String> audit = node.https.get(node.control() + "/audit", node.adminToken());
    assertTrue(new JsonObject(audit.body()).getJsonArray("value").stream().map(JsonObject.class::cast)
        .anyMatch(r -> "endpoint.update".equals(r.getString("action")) && r.getJsonObject("after") != null
            && "disabled".equals(r.getJsonObject("after").getString("public_network_access"))),
        "changing network access is audited like any other change");
  }

  @Test
  void withLoopbackAllowedItScores() throws Exception {
    access(disabledFor(), 200); // the default networks: loopback and private ranges
    access(disabledFor("127.0.0.0/8"), 200);
    assertEquals(200, score().statusCode());
    access(new JsonObject().put("public_network_access", "enabled"), 200);
  }

  @Test
  void aForwardedForFromAnUntrustedPeerChangesNothing() throws Exception {
    access(disabledFor("10.0.0.0/8"), 403);
    HttpResponse<String> forged = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", sample, "X-Forwarded-For", "10.1.2.3");
    assertEquals(403, forged.statusCode(), forged.body());
    assertTrue(forged.body().contains("127.0.0.1 is not in its allowed networks"), forged.body());
  }

  @Test
  void theSameFromATrustedProxyDecides() throws Exception {
    access(disabledFor("10.0.0.0/8"), 403);
    assertTrue(fromProxy("10.1.2.3").startsWith("HTTP/1.1 200 "), "an allowed caller behind the proxy scores");
    assertTrue(fromProxy("8.8.8.8, 10.1.2.3").startsWith("HTTP/1.1 200 "),
        "the right-most address the proxy did not add itself decides; what came before it anyone can write");
    String outside = fromProxy("8.8.8.8");
    assertTrue(outside.startsWith("HTTP/1.1 403 ") && outside.contains("8.8.8.8 is not in its allowed networks"),
        outside);
    String garbage = fromProxy("client.example");
    assertTrue(garbage.startsWith("HTTP/1.1 403 ") && garbage.contains("not an IP address"), garbage);
  }

  /** A scoring request from the trusted proxy's address, forwarding for {@code forwardedFor}. */
  private static String fromProxy(String forwardedFor) throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    try (SSLSocket s = (SSLSocket) node.https.sslContext().getSocketFactory().createSocket(loopback,
        node.node().gatewayPort(), InetAddress.getByName(PROXY), 0)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /endpoints/credit/score HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
          + "\r\nContent-Type: application/json\r\nX-Forwarded-For: " + forwardedFor + "\r\nContent-Length: "
          + sample.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(sample);
      out.flush();
      return RawHttp.readAnswer(s.getInputStream());
    }
  }
}
