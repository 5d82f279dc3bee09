package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.gateway.auth.TrustedIssuerOptions;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --jwks-url} on a real node: the trusted issuer's keys are served by a real HTTP server on
 * 127.0.0.1 (a Vert.x server in this test). When the issuer rotates to a new signing key, the first
 * request carrying a token signed by it makes the node fetch the keys once and is answered 200 (its
 * body, held back while the node waited for the keys, scored whole) and counted once in the metrics
 * and the traffic log; a flood of tokens naming unknown key ids (bad input: tokens signed by a key
 * the issuer never published) is refused without fetching again (at most once a minute).
 */
class TrustedIssuerKeyRotationTest {
  @TempDir
  static Path dataDir;
  static TestNode node;
  static IdentityProvider idp;
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    idp = new IdentityProvider();
    String url = idp.serve();
    node = TestNode.start(dataDir, new TrustedIssuerOptions(null, url, IdentityProvider.ISSUER,
        IdentityProvider.AUDIENCE));
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    String admin = node.adminToken();
    node.deploy("churn", "blue", TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx"),
        new JsonObject().put("instance_count", 1), true);
    assertEquals(200, node.https.json("PUT", node.control() + "/endpoints/churn", admin,
        new JsonObject().put("auth_mode", "aad_token")).statusCode());
    io.inferbus.testing.Await.until("churn takes tokens", java.time.Duration.ofSeconds(10), () -> {
      try {
        return score(idp.token("carol", "score:churn")).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    idp.close();
  }

  static HttpResponse<String> score(String bearer) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/churn/score", bearer, "application/json", sample);
  }

  /** How many lines of the node's traffic log hold {@code requestId}. */
  private static long trafficLogLines(String requestId) {
    try {
      Path log = dataDir.resolve("logs").resolve("traffic.log");
      return !Files.exists(log) ? 0
          : Files.readAllLines(log).stream().filter(l -> l.contains("\"request_id\":\"" + requestId + "\"")).count();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  @Test
  void aRotatedKeyIsFetchedOnceAndAFloodOfUnknownKeyIdsFetchesNothing() throws Exception {
    assertEquals(1, idp.fetches.get(), "fetched once, at start");
    for (int i = 0; i < 5; i++) {
      assertEquals(200, score(idp.token("carol", "score:churn")).statusCode());
    }
    assertEquals(1, idp.fetches.get(), "known keys are not fetched again");

    String newKid = idp.rotate();
    String signedByNewKey = idp.token("carol", "score:churn");
    assertEquals(newKid, IdentityProvider.headerOf(signedByNewKey).getString("kid"));
    double scored = node.metric("inferbus_gateway_requests_total", "endpoint=\"churn\"", "code=\"200\"");
    HttpResponse<String> first = node.https.send("POST", node.scoring() + "/endpoints/churn/score", signedByNewKey,
        "application/json", sample, "x-request-id", "waited-for-keys");
    assertEquals(200, first.statusCode(), "the request that brought the new key waits for it: " + first.body());
    assertTrue(first.body().contains("\"probabilities\""), first.body());
    assertEquals("waited-for-keys", first.headers().firstValue("x-request-id").orElse(null));
    assertEquals(2, idp.fetches.get(), "one fetch for the new kid");
    io.inferbus.testing.Await.until("the waited request counted", java.time.Duration.ofSeconds(10),
        () -> node.metricQuietly("inferbus_gateway_requests_total", "endpoint=\"churn\"", "code=\"200\"") > scored);
    assertEquals(scored + 1, node.metric("inferbus_gateway_requests_total", "endpoint=\"churn\"", "code=\"200\""),
        "counted once");
    io.inferbus.testing.Await.until("its traffic-log line", java.time.Duration.ofSeconds(10), () -> trafficLogLines(
        "waited-for-keys") > 0);
    assertEquals(1, trafficLogLines("waited-for-keys"), "logged once");
    for (int i = 0; i < 5; i++) {
      assertEquals(200, score(idp.token("carol", "score:churn")).statusCode());
    }
    // the management API shares the node's keys
    assertEquals(200, node.https.get(node.control() + "/endpoints", idp.token("rita", "reader")).statusCode());
    assertEquals(2, idp.fetches.get());

    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    PrivateKey attacker = gen.generateKeyPair().getPrivate();
    for (int i = 0; i < 50; i++) {
      HttpResponse<String> r = score(IdentityProvider.sign("RS256", "made-up-" + i,
          IdentityProvider.claims("mallory", "score:*"), attacker));
      assertEquals(401, r.statusCode(), r.body());
      assertTrue(new JsonObject(r.body()).getJsonObject("error").getString("message")
          .contains("'made-up-" + i + "' is not one of the trusted keys"), r.body());
    }
    HttpResponse<String> management = node.https.get(node.control() + "/endpoints",
        IdentityProvider.sign("RS256", "made-up-cp", IdentityProvider.claims("mallory", "admin"), attacker));
    assertEquals(401, management.statusCode(), management.body());
    assertEquals(2, idp.fetches.get(), "no fetch for the flood: the last one was less than a minute ago");
    assertEquals(200, score(signedByNewKey).statusCode());
  }
}
