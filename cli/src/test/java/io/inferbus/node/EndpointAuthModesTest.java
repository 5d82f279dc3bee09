package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three auth modes on a real node over HTTPS, as callers meet them: {@code credit} takes keys,
 * {@code fraud} takes tokens of {@code POST /endpoints/fraud/token} (aml_token), {@code churn}
 * takes tokens of the trusted issuer (aad_token, keys from a JWKS file, {@code --jwks-file}). Each
 * takes its own credential and refuses every other one: 401 for a bad or missing credential, 403 for
 * a valid one without access. The control plane takes the trusted issuer's tokens by their roles.
 */
class EndpointAuthModesTest {
  @TempDir
  static Path dataDir;
  static TestNode node;
  static IdentityProvider idp;
  static String admin;
  static String creditKey;
  static byte[] sample;
  /** The cluster's signing key, as a forger with the data directory would have it. */
  static PrivateKey clusterKey;
  static String clusterKid;

  @BeforeAll
  static void start() throws Exception {
    idp = new IdentityProvider();
    node = TestNode.start(dataDir, idp.trustedIssuer(dataDir));
    admin = node.adminToken();
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    creditKey = node.primaryKey("credit");
    node.awaitReady("credit", creditKey);
    Path model = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
    JsonObject spec = new JsonObject().put("instance_count", 1);
    node.deploy("fraud", "blue", model, spec, true);
    node.deploy("churn", "blue", model, spec, true);
    node.deploy("switcher", "blue", model, spec, true);
    assertEquals(200, putEndpoint("fraud", "aml_token").statusCode());
    assertEquals(200, putEndpoint("churn", "aad_token").statusCode());
    assertEquals(201, putEndpoint("other-aml", "aml_token").statusCode());
    clusterKey = IdentityProvider.ecPrivateKey(Files.readString(dataDir.resolve("secrets").resolve("signing-key.pem")));
    String fraudToken = amlToken("fraud");
    clusterKid = IdentityProvider.headerOf(fraudToken).getString("kid");
    String churnToken = idp.token("carol", "score:churn");
    Await.until("the gateway sees the new auth modes", Duration.ofSeconds(10), () ->
        status(() -> score("fraud", fraudToken)) == 200 && status(() -> score("churn", churnToken)) == 200);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  // ---------------------------------------------------------------------------------- helpers

  static HttpResponse<String> putEndpoint(String name, String mode) throws Exception {
    return node.https.json("PUT", node.control() + "/endpoints/" + name, admin, new JsonObject().put("auth_mode", mode));
  }

  static HttpResponse<String> score(String endpoint, String bearer) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", bearer, "application/json",
        sample);
  }

  static int status(java.util.concurrent.Callable<HttpResponse<String>> call) {
    try {
      return call.call().statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  static HttpResponse<String> tokenRoute(String endpoint, String bearer) throws Exception {
    return node.https.json("POST", node.control() + "/endpoints/" + endpoint + "/token", bearer, null);
  }

  static String amlToken(String endpoint) throws Exception {
    HttpResponse<String> r = tokenRoute(endpoint, admin);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getString("accessToken");
  }

  /** Claims of a scoring token of the cluster for {@code endpoint}, valid for an hour. */
  static JsonObject amlClaims(String endpoint) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("iss", "inferbus").put("aud", endpoint).put("sub", "forger").put("iat", now)
        .put("exp", now + 3600).put("token_use", "score");
  }

  static void assertError(HttpResponse<String> r, int status, String code, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer carries a request id");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals(code, error.getString("code"), r.body());
    assertTrue(error.getString("message").contains(messagePart),
        "message '" + error.getString("message") + "' should contain '" + messagePart + "'");
  }

  // ---------------------------------------------------------------------------------- key

  @Test
  void keyEndpointTakesItsKeysAndRefusesTokens() throws Exception {
    assertEquals(200, score("credit", creditKey).statusCode());
    assertEquals(200, score("credit", new JsonObject(node.https.json("POST", node.control()
        + "/endpoints/credit/keys", admin, null).body()).getString("secondaryKey")).statusCode());
    assertError(score("credit", null), 401, "Unauthorized", "missing credentials");
    assertError(score("credit", "not-a-key"), 401, "Unauthorized", "not valid for endpoint 'credit'");
    assertError(score("credit", amlToken("fraud")), 401, "Unauthorized", "takes a key (auth_mode key), not a token");
    assertError(score("credit", idp.token("carol", "score:*")), 401, "Unauthorized", "takes a key");
    assertError(score("credit", admin), 401, "Unauthorized", "takes a key");
  }

  @Test
  void regeneratedKeyIsRefusedWithinASecond() throws Exception {
    String old = new JsonObject(node.https.json("POST", node.control() + "/endpoints/credit/keys", admin, null)
        .body()).getString("secondaryKey");
    assertEquals(200, score("credit", old).statusCode());
    HttpResponse<String> r = node.https.json("POST", node.control() + "/endpoints/credit/keys/regenerate", admin,
        new JsonObject().put("key_type", "secondary"));
    assertEquals(200, r.statusCode(), r.body());
    long answered = System.nanoTime();
    String fresh = new JsonObject(r.body()).getString("secondaryKey");
    Await.until("the old key refused", Duration.ofSeconds(1), () -> status(() -> score("credit", old)) == 401);
    long refusedAfterMs = (System.nanoTime() - answered) / 1_000_000;
    assertTrue(refusedAfterMs < 1000, "refused after " + refusedAfterMs + " ms");
    assertEquals(200, score("credit", fresh).statusCode());
    assertEquals(200, score("credit", creditKey).statusCode(), "the other key is untouched");
  }

  // ---------------------------------------------------------------------------------- aml_token

  @Test
  void amlTokenFromTheControlPlaneScoresOnBothProtocols() throws Exception {
    HttpResponse<String> issued = tokenRoute("fraud", admin);
    assertEquals(200, issued.statusCode(), issued.body());
    JsonObject answer = new JsonObject(issued.body());
    assertEquals("Bearer", answer.getString("tokenType"));
    long now = System.currentTimeMillis() / 1000;
    assertTrue(Math.abs(answer.getLong("expiryTimeUtc") - (now + 3600)) <= 5, answer.encode());
    assertTrue(answer.getLong("refreshAfterTimeUtc") < answer.getLong("expiryTimeUtc"), answer.encode());
    String token = answer.getString("accessToken");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> scored = score("fraud", token);
      assertEquals(200, scored.statusCode(), scored.body());
      assertEquals("blue", scored.headers().firstValue("azureml-model-deployment").orElse(null));
    }
    HttpResponse<String> v2 = node.https.send("POST", node.scoring() + "/v2/models/fraud/infer", token,
        "application/json", ("{\"inputs\": [{\"name\": \"features\", \"datatype\": \"FP32\", \"shape\": [1, 7],"
            + " \"data\": [6, 1169, 4, 4, 67, 2, 1]}]}").getBytes(StandardCharsets.UTF_8));
    assertEquals(200, v2.statusCode(), v2.body());
    assertEquals(200, node.https.get(node.scoring() + "/v2/models/fraud/ready", token).statusCode());
  }

  @Test
  void amlTokenRefusals() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    PrivateKey foreign = gen.generateKeyPair().getPrivate();
    String good = IdentityProvider.sign("ES256", clusterKid, amlClaims("fraud"), clusterKey);
    assertEquals(200, score("fraud", good).statusCode(), "the control: a crafted token with the cluster key passes");

    Map<String, String> refusals = new LinkedHashMap<>();
    refusals.put("expired", IdentityProvider.sign("ES256", clusterKid,
        amlClaims("fraud").put("iat", now - 7200).put("exp", now - 3600), clusterKey));
    refusals.put("not yet valid", IdentityProvider.sign("ES256", clusterKid,
        amlClaims("fraud").put("nbf", now + 3600), clusterKey));
    refusals.put("wrong issuer", IdentityProvider.sign("ES256", clusterKid,
        amlClaims("fraud").put("iss", "https://evil.example"), clusterKey));
    refusals.put("wrong audience", IdentityProvider.sign("ES256", clusterKid,
        amlClaims("fraud").put("aud", "somewhere-else"), clusterKey));
    refusals.put("token of another endpoint", amlToken("other-aml"));
    refusals.put("foreign key", IdentityProvider.sign("ES256", clusterKid, amlClaims("fraud"), foreign));
    refusals.put("tampered payload", IdentityProvider.tampered(amlToken("other-aml"),
        IdentityProvider.claimsOf(amlToken("other-aml")).put("aud", "fraud")));
    refusals.put("alg none", IdentityProvider.unsigned(clusterKid, amlClaims("fraud")));
    refusals.put("alg none with a signature", IdentityProvider.unsigned(clusterKid, amlClaims("fraud"))
        + good.substring(good.lastIndexOf('.') + 1));
    refusals.put("HS256 keyed with the public key", IdentityProvider.hs256(clusterKid, amlClaims("fraud"),
        Files.readAllBytes(dataDir.resolve("secrets").resolve("signing-public.pem"))));
    refusals.put("management token", admin);
    refusals.put("trusted issuer's token", idp.token("carol", "score:*"));
    refusals.put("a key", creditKey);
    for (var e : refusals.entrySet()) {
      HttpResponse<String> r = score("fraud", e.getValue());
      assertEquals(401, r.statusCode(), e.getKey() + ": " + r.body());
      assertEquals("Unauthorized", new JsonObject(r.body()).getJsonObject("error").getString("code"), e.getKey());
    }
    assertError(score("fraud", creditKey), 401, "Unauthorized", "takes a token (auth_mode aml_token)");
    assertError(score("fraud", amlToken("other-aml")), 401, "Unauthorized", "not 'fraud'");
    HttpResponse<String> v2 = node.https.send("POST", node.scoring() + "/v2/models/fraud/infer", admin,
        "application/json", "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals(401, v2.statusCode());
    assertTrue(new JsonObject(v2.body()).getValue("error") instanceof String, v2.body());
  }

  @Test
  void changingTheAuthModeSwitchesTheCredentialWithinASecond() throws Exception {
    String key = node.primaryKey("switcher");
    assertEquals(200, score("switcher", key).statusCode());
    assertEquals(200, putEndpoint("switcher", "aml_token").statusCode());
    long changed = System.nanoTime();
    String token = amlToken("switcher");
    Await.until("the key refused", Duration.ofSeconds(1), () -> status(() -> score("switcher", key)) == 401);
    assertTrue((System.nanoTime() - changed) / 1_000_000 < 1000);
    assertEquals(200, score("switcher", token).statusCode());
    assertError(score("switcher", key), 401, "Unauthorized", "takes a token");

    assertEquals(200, putEndpoint("switcher", "key").statusCode());
    Await.until("the key accepted again", Duration.ofSeconds(1), () -> status(() -> score("switcher", key)) == 200);
    assertError(score("switcher", token), 401, "Unauthorized", "takes a key");
  }

  // ---------------------------------------------------------------------------------- aad_token

  @Test
  void trustedIssuerTokenWithTheEndpointsRoleScores() throws Exception {
    assertEquals(200, score("churn", idp.token("carol", "score:churn")).statusCode());
    assertEquals(200, score("churn", idp.token("carol", "score:*")).statusCode());
    HttpResponse<String> v2 = node.https.send("POST", node.scoring() + "/v2/models/churn/infer",
        idp.token("carol", "score:churn"), "application/json", ("{\"inputs\": [{\"name\": \"features\","
            + " \"datatype\": \"FP32\", \"shape\": [1, 7], \"data\": [6, 1169, 4, 4, 67, 2, 1]}]}")
            .getBytes(StandardCharsets.UTF_8));
    assertEquals(200, v2.statusCode(), v2.body());
  }

  @Test
  void trustedIssuerTokenWithoutTheRoleIs403() throws Exception {
    assertError(score("churn", idp.token("carol", "score:credit")), 403, "Forbidden",
        "roles claim needs 'score:churn' or 'score:*'");
    assertError(score("churn", idp.token("carol")), 403, "Forbidden", "score:churn");
    assertError(score("churn", idp.token("carol", "admin")), 403, "Forbidden", "score:churn");
    HttpResponse<String> v2 = node.https.send("POST", node.scoring() + "/v2/models/churn/infer",
        idp.token("carol", "reader"), "application/json", "{}".getBytes(StandardCharsets.UTF_8));
    assertEquals(403, v2.statusCode());
    assertTrue(new JsonObject(v2.body()).getString("error").contains("score:churn"), v2.body());
  }

  @Test
  void trustedIssuerTokenRefusals() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    IdentityProvider stranger = new IdentityProvider();
    String good = idp.token("carol", "score:*");
    Map<String, String> refusals = new LinkedHashMap<>();
    refusals.put("expired", idp.token(IdentityProvider.claims("carol", "score:*").put("iat", now - 7200)
        .put("nbf", now - 7200).put("exp", now - 3600)));
    refusals.put("not yet valid", idp.token(IdentityProvider.claims("carol", "score:*").put("nbf", now + 3600)));
    refusals.put("wrong issuer", idp.token(IdentityProvider.claims("carol", "score:*").put("iss", "https://evil")));
    refusals.put("wrong audience", idp.token(IdentityProvider.claims("carol", "score:*").put("aud", "api://other")));
    refusals.put("foreign key, same kid", stranger.token(IdentityProvider.claims("carol", "score:*")));
    refusals.put("unknown kid", IdentityProvider.sign("RS256", "not-published", IdentityProvider.claims("carol",
        "score:*"), java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate()));
    refusals.put("tampered roles", IdentityProvider.tampered(idp.token("carol", "score:credit"),
        IdentityProvider.claims("carol", "score:*")));
    refusals.put("alg none", IdentityProvider.unsigned(idp.currentKid(), IdentityProvider.claims("carol", "score:*")));
    refusals.put("alg none with a signature", IdentityProvider.unsigned(idp.currentKid(),
        IdentityProvider.claims("carol", "score:*")) + good.substring(good.lastIndexOf('.') + 1));
    refusals.put("HS256 keyed with the public key", IdentityProvider.hs256(idp.currentKid(),
        IdentityProvider.claims("carol", "score:*"), idp.publicKey().getEncoded()));
    refusals.put("HS256 keyed with the JWKS entry", IdentityProvider.hs256(idp.currentKid(),
        IdentityProvider.claims("carol", "score:*"),
        idp.jwks().getJsonArray("keys").getJsonObject(0).encode().getBytes(StandardCharsets.UTF_8)));
    refusals.put("control plane's scoring token", amlToken("fraud"));
    refusals.put("a key", creditKey);
    for (var e : refusals.entrySet()) {
      HttpResponse<String> r = score("churn", e.getValue());
      assertEquals(401, r.statusCode(), e.getKey() + ": " + r.body());
      assertEquals("Unauthorized", new JsonObject(r.body()).getJsonObject("error").getString("code"), e.getKey());
    }
    assertError(score("churn", creditKey), 401, "Unauthorized", "takes a token of the trusted issuer");
    assertError(score("churn", refusals.get("expired")), 401, "Unauthorized", "expired");
    assertError(score("churn", refusals.get("alg none with a signature")), 401, "Unauthorized", "alg 'none'");
    assertEquals(200, score("churn", good).statusCode(), "and the good token still scores");
  }

  // ---------------------------------------------------------------------------------- control plane

  @Test
  void controlPlaneTakesTrustedIssuerTokensByTheirRoles() throws Exception {
    String reader = idp.token("rita@example.test", "reader");
    String operator = idp.token("otto@example.test", "operator");
    String adminIdp = idp.token("ada@example.test", "admin");
    String url = node.control() + "/endpoints/credit";

    assertEquals(200, node.https.get(node.control() + "/endpoints", reader).statusCode());
    assertEquals(200, node.https.get(url, reader).statusCode());
    JsonObject sameTraffic = new JsonObject().put("traffic", new JsonObject().put("blue", 100));
    assertError(node.https.json("PATCH", url, reader, sameTraffic), 403, "Forbidden", "needs role 'operator'");
    assertError(node.https.json("POST", url + "/keys", reader, null), 403, "Forbidden", "needs role 'operator'");

    assertEquals(200, node.https.json("PATCH", url, operator, sameTraffic).statusCode());
    assertEquals(200, node.https.json("POST", url + "/keys", operator, null).statusCode());
    assertEquals(200, tokenRoute("fraud", operator).statusCode());
    assertError(node.https.json("PUT", node.control() + "/endpoints/by-otto", operator, new JsonObject()), 403,
        "Forbidden", "needs role 'admin'");

    HttpResponse<String> created = node.https.json("PUT", node.control() + "/endpoints/by-ada", adminIdp,
        new JsonObject().put("description", "made with a trusted issuer's token"), "x-request-id", "idp-admin-1");
    assertEquals(201, created.statusCode(), created.body());
    JsonObject record = new JsonObject(node.https.get(node.control() + "/audit", admin).body()).getJsonArray("value")
        .stream().map(JsonObject.class::cast).filter(o -> "idp-admin-1".equals(o.getString("request_id")))
        .findFirst().orElseThrow();
    assertEquals("ada@example.test", record.getString("actor"), "the audit log names the issuer's subject");
  }

  @Test
  void controlPlaneRefusesTrustedIssuerTokensThatAreNotValid() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String url = node.control() + "/endpoints";
    assertError(node.https.get(url, idp.token("nobody")), 403, "Forbidden", "no role");
    assertError(node.https.get(url, idp.token("scorer", "score:*")), 403, "Forbidden", "no role");
    assertError(node.https.get(url, idp.token(IdentityProvider.claims("late", "admin").put("iat", now - 7200)
        .put("nbf", now - 7200).put("exp", now - 3600))), 401, "Unauthorized", "expired");
    assertError(node.https.get(url, idp.token(IdentityProvider.claims("x", "admin").put("aud", "api://other"))), 401,
        "Unauthorized", "audience");
    assertError(node.https.get(url, new IdentityProvider().token("mallory", "admin")), 401, "Unauthorized",
        "signature");
    assertError(node.https.get(url, IdentityProvider.unsigned(idp.currentKid(),
        IdentityProvider.claims("mallory", "admin"))), 401, "Unauthorized", "not valid");
    assertError(node.https.get(url, IdentityProvider.hs256(idp.currentKid(), IdentityProvider.claims("mallory",
        "admin"), idp.publicKey().getEncoded())), 401, "Unauthorized", "alg 'HS256'");
    assertError(node.https.get(url, amlToken("fraud")), 401, "Unauthorized", "scoring token");
    assertEquals(200, node.https.get(url, admin).statusCode(), "the admin token of client.json still works");
  }
}
