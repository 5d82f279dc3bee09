package io.inferbus.controlplane.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aml_token} scoring tokens as the control plane issues them ({@code POST /endpoints/{e}/token}):
 * Azure's answer shape, ES256 with the cluster key's id, the endpoint as audience, an hour of life,
 * verifiable with the public JWK gateways get, and never usable as a management token.
 */
class EndpointTokensTest {
  @TempDir
  static Path dataDir;
  static Vertx vertx;
  static SigningKeys keys;
  static EndpointTokens tokens;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    keys = SigningKeys.loadOrCreate(dataDir.resolve("secrets"));
    tokens = new EndpointTokens(vertx, keys);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void answerHasAzuresShapeWithEpochSeconds() {
    long before = System.currentTimeMillis() / 1000;
    JsonObject answer = tokens.issue("credit", "alice");
    long after = System.currentTimeMillis() / 1000;
    assertEquals(java.util.Set.of("accessToken", "expiryTimeUtc", "refreshAfterTimeUtc", "tokenType"),
        answer.fieldNames());
    assertEquals("Bearer", answer.getString("tokenType"));
    long expiry = answer.getLong("expiryTimeUtc");
    long refresh = answer.getLong("refreshAfterTimeUtc");
    assertTrue(expiry >= before + 3600 && expiry <= after + 3600, "an hour from now: " + expiry);
    assertTrue(refresh > after && refresh < expiry, "refresh before expiry: " + refresh);
    JsonObject claims = TestTokens.payloadOf(answer.getString("accessToken"));
    assertEquals(expiry, claims.getLong("exp"));
  }

  @Test
  void tokenIsAnEs256JwtForTheEndpointWithTheClusterKeysId() {
    String token = tokens.issue("credit", "alice").getString("accessToken");
    JsonObject header = TestTokens.headerOf(token);
    assertEquals("ES256", header.getString("alg"));
    assertEquals(keys.keyId(), header.getString("kid"));
    JsonObject claims = TestTokens.payloadOf(token);
    assertEquals(EndpointState.AML_TOKEN_ISSUER, claims.getString("iss"));
    assertEquals("credit", claims.getValue("aud"));
    assertEquals("alice", claims.getString("sub"));
    assertEquals(EndpointState.AML_TOKEN_USE_SCORE, claims.getString(EndpointState.AML_TOKEN_USE_CLAIM));
    assertTrue(!claims.containsKey("roles"), "a scoring token carries no management role");
  }

  @Test
  void thePublishedPublicJwkVerifiesItAndNothingElse() throws Exception {
    List<JsonObject> published = tokens.verificationKeys();
    assertEquals(List.of(keys.publicJwk()), published);
    JWTAuth gatewaySide = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(published.get(0))
        .setJWTOptions(new JWTOptions().setIssuer("inferbus").setAudience(List.of("credit"))));
    User user = gatewaySide.authenticate(new TokenCredentials(tokens.issue("credit", "alice").getString("accessToken")))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("alice", user.principal().getString("sub"));
    EndpointTokens otherCluster = new EndpointTokens(vertx, SigningKeys.loadOrCreate(dataDir.resolve("other")));
    assertThrows(ExecutionException.class, () -> gatewaySide.authenticate(new TokenCredentials(
        otherCluster.issue("credit", "alice").getString("accessToken")))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
  }

  @Test
  void aScoringTokenIsNotAManagementToken() throws Exception {
    OperatorAuth auth = new OperatorAuth(vertx, keys);
    // even for an endpoint named like the management audience
    for (String endpoint : List.of("credit", OperatorAuth.AUDIENCE)) {
      String token = tokens.issue(endpoint, "admin").getString("accessToken");
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> auth.verify(token).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
      InferbusException refusal = assertInstanceOf(InferbusException.class, e.getCause());
      assertEquals(FailureKind.UNAUTHORIZED, refusal.kind(), refusal.getMessage());
    }
    String crafted = TestTokens.es256(TestTokens.claims("mallory", "admin")
        .put(EndpointState.AML_TOKEN_USE_CLAIM, EndpointState.AML_TOKEN_USE_SCORE), TestTokens.privateKey(keys.privateKeyPem()));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> auth.verify(crafted).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("scoring token"), e.getCause().getMessage());
  }

  @Test
  void publicJwkIsTheSigningKeysPublicHalfWithAStableThumbprintId() throws Exception {
    JsonObject jwk = keys.publicJwk();
    assertEquals("EC", jwk.getString("kty"));
    assertEquals("P-256", jwk.getString("crv"));
    assertEquals("ES256", jwk.getString("alg"));
    assertEquals("sig", jwk.getString("use"));
    assertEquals(43, jwk.getString("x").length(), "32 bytes, base64url without padding");
    assertEquals(43, jwk.getString("y").length());
    assertEquals(43, jwk.getString("kid").length(), "a SHA-256 thumbprint");
    assertEquals(jwk, SigningKeys.loadOrCreate(dataDir.resolve("secrets")).publicJwk(), "the same after a restart");
    assertNotEquals(jwk.getString("kid"), SigningKeys.loadOrCreate(dataDir.resolve("third")).keyId());

    AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
    params.init(new ECGenParameterSpec("secp256r1"));
    PublicKey fromJwk = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(
        new BigInteger(1, Base64.getUrlDecoder().decode(jwk.getString("x"))),
        new BigInteger(1, Base64.getUrlDecoder().decode(jwk.getString("y")))),
        params.getParameterSpec(ECParameterSpec.class)));
    byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(TestTokens.privateKey(keys.privateKeyPem()));
    signer.update(data);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(fromJwk);
    verifier.update(data);
    assertTrue(verifier.verify(sig));
  }
}
