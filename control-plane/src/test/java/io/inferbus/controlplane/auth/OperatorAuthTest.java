package io.inferbus.controlplane.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class OperatorAuthTest {
  @TempDir
  static Path dataDir;

  private static Vertx vertx;
  private static SigningKeys keys;
  private static PrivateKey signingKey;
  private static OperatorAuth auth;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    keys = SigningKeys.loadOrCreate(dataDir.resolve("secrets"));
    signingKey = TestTokens.privateKey(keys.privateKeyPem());
    auth = new OperatorAuth(vertx, keys);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static OperatorAuth.Caller accepted(String token) throws Exception {
    return await(auth.verify(token));
  }

  /** The failure of verifying {@code token}: the future must fail, with an InferbusException. */
  private static InferbusException refused(String token) {
    Future<OperatorAuth.Caller> f;
    try {
      f = auth.verify(token);
    } catch (RuntimeException e) {
      throw new AssertionError("verify must fail its future, not throw: " + e, e);
    }
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(f),
        "the token must be refused: " + token);
    return assertInstanceOf(InferbusException.class, e.getCause(), "failure: " + e.getCause());
  }

  private static void assertUnauthorized(String token) {
    InferbusException e = refused(token);
    assertEquals(FailureKind.UNAUTHORIZED, e.kind(), e.getMessage());
    assertTrue(e.getMessage().startsWith("the token is not valid"), e.getMessage());
  }

  // ------------------------------------------------------------ accepted

  @ParameterizedTest
  @EnumSource(OperatorRole.class)
  void issuedTokenVerifiesWithItsSubjectAndRole(OperatorRole role) throws Exception {
    String token = auth.issue("alice", role, 3600);
    OperatorAuth.Caller caller = accepted(token);
    assertEquals("alice", caller.subject());
    assertEquals(role, caller.role());
  }

  @Test
  void issuedTokenIsAnEs256JwtForTheControlPlaneThatExpires() {
    long now = System.currentTimeMillis() / 1000;
    String token = auth.issue("ci-bot", OperatorRole.OPERATOR, 600);
    assertEquals("ES256", TestTokens.headerOf(token).getString("alg"));
    JsonObject claims = TestTokens.payloadOf(token);
    assertEquals(OperatorAuth.ISSUER, claims.getString("iss"));
    assertTrue(claims.getValue("aud").toString().contains(OperatorAuth.AUDIENCE), claims.encode());
    assertEquals("ci-bot", claims.getString("sub"));
    assertEquals(new JsonArray().add("operator"), claims.getJsonArray("roles"));
    long exp = claims.getLong("exp");
    assertTrue(exp >= now + 600 && exp <= now + 602, "exp " + exp + " vs now " + now);
  }

  @Test
  void longLivedAdminTokenVerifies() throws Exception {
    String token = auth.issue("admin", OperatorRole.ADMIN, OperatorAuth.ADMIN_TOKEN_LIFETIME_SECONDS);
    assertEquals(OperatorRole.ADMIN, accepted(token).role());
  }

  @Test
  void anotherInstanceOverTheSameKeysAcceptsTheToken() throws Exception {
    // What a restart relies on: the admin token in client.json keeps working.
    String token = auth.issue("admin", OperatorRole.ADMIN, 3600);
    OperatorAuth afterRestart = new OperatorAuth(vertx, SigningKeys.loadOrCreate(dataDir.resolve("secrets")));
    assertEquals(OperatorRole.ADMIN, await(afterRestart.verify(token)).role());
  }

  @Test
  void handCraftedTokenWithTheRightKeyAndClaimsIsAccepted() throws Exception {
    // The control for the refusals below: the crafting itself produces tokens the verifier accepts.
    OperatorAuth.Caller bob = accepted(TestTokens.es256(TestTokens.claims("bob", "reader"), signingKey));
    assertEquals("bob", bob.subject());
    assertEquals(OperatorRole.READER, bob.role());
  }

  @Test
  void audienceGivenAsAPlainStringIsAccepted() throws Exception {
    JsonObject claims = TestTokens.claims("bob", "operator").put("aud", OperatorAuth.AUDIENCE);
    assertEquals(OperatorRole.OPERATOR, accepted(TestTokens.es256(claims, signingKey)).role());
  }

  @Test
  void theHighestOfSeveralRolesCounts() throws Exception {
    assertEquals(OperatorRole.ADMIN,
        accepted(TestTokens.es256(TestTokens.claims("bob", "reader", "admin", "operator"), signingKey)).role());
    assertEquals(OperatorRole.OPERATOR,
        accepted(TestTokens.es256(TestTokens.claims("bob", "operator", "reader", "score:*"), signingKey)).role());
  }

  // ------------------------------------------------------------ ids and revocation

  @Test
  void everyIssuedTokenCarriesAnIdOfItsOwnAndItsExpiry() throws Exception {
    String first = auth.issue("alice", OperatorRole.ADMIN, 3600);
    String second = auth.issue("alice", OperatorRole.ADMIN, 3600);
    String id = TestTokens.payloadOf(first).getString("jti");
    assertTrue(id != null && !id.equals(TestTokens.payloadOf(second).getString("jti")), first + " " + second);
    OperatorAuth.OwnToken own = accepted(first).token();
    assertEquals(id, own.id());
    assertEquals(TestTokens.payloadOf(first).getLong("exp"), own.expiresAt());
    assertEquals(null, own.name(), "unnamed, as the admin token");
  }

  @Test
  void aNamedTokenCarriesItsName() throws Exception {
    OperatorAuth.Issued issued = auth.issue("token:ci", "ci", OperatorRole.OPERATOR,
        java.time.Instant.now().plusSeconds(600));
    assertEquals("ci", TestTokens.payloadOf(issued.token()).getString(OperatorAuth.TOKEN_NAME_CLAIM));
    assertEquals(issued.identity(), accepted(issued.token()).token());
  }

  @Test
  void aRevokedIdIsRefusedAndNoOtherToken() throws Exception {
    OperatorAuth.Issued revoked = auth.issue("token:gone", "gone", OperatorRole.ADMIN,
        java.time.Instant.now().plusSeconds(600));
    String other = auth.issue("alice", OperatorRole.ADMIN, 600);
    auth.revoked().add(revoked.identity().id(), revoked.identity().expiresAt());
    assertUnauthorized(revoked.token());
    assertEquals("the token is not valid: token 'gone' was revoked", refused(revoked.token()).getMessage());
    assertEquals(OperatorRole.ADMIN, accepted(other).role());
  }

  @Test
  void aTokenWithoutAnIdIsKnownByItsHashAndCanBeRevoked() throws Exception {
    // the admin token of a client.json written before tokens carried ids
    String legacy = TestTokens.es256(TestTokens.claims("admin", "admin"), signingKey);
    String another = TestTokens.es256(TestTokens.claims("admin", "admin").put("exp",
        System.currentTimeMillis() / 1000 + 7200), signingKey);
    OperatorAuth.OwnToken own = accepted(legacy).token();
    assertTrue(own.id().startsWith("sha256:"), own.id());
    auth.revoked().add(own.id(), own.expiresAt());
    assertEquals("the token is not valid: it was revoked", refused(legacy).getMessage());
    assertEquals(OperatorRole.ADMIN, accepted(another).role());
  }

  @Test
  void revokedIdsAreForgottenOnlyWellAfterTheirTokensExpired() {
    RevokedTokens set = new RevokedTokens();
    long now = System.currentTimeMillis() / 1000;
    set.add("within-leeway", now - OperatorAuth.LEEWAY_SECONDS);
    set.add("long-expired", now - 3600);
    set.add("live", now + 3600);
    assertTrue(set.contains("within-leeway"), "an expired token still passes within the leeway: keep its id");
    assertFalse(set.contains("long-expired"));
    assertTrue(set.contains("live"));
  }

  // ------------------------------------------------------------ refused: 401

  @Test
  void unsignedAlgNoneTokenWithTheSameClaimsIsRefused() {
    JsonObject claims = TestTokens.payloadOf(auth.issue("alice", OperatorRole.ADMIN, 3600));
    assertUnauthorized(TestTokens.unsigned(claims));
    // and "none" with a leftover signature segment from a real token
    String real = auth.issue("alice", OperatorRole.ADMIN, 3600);
    assertUnauthorized(TestTokens.b64(TestTokens.header("none")) + "." + TestTokens.b64(claims) + "."
        + real.substring(real.lastIndexOf('.') + 1));
  }

  @Test
  void hs256TokenKeyedWithThePublicKeyPemIsRefused() throws Exception {
    JsonObject claims = TestTokens.claims("mallory", "admin");
    assertUnauthorized(TestTokens.hs256(claims, keys.publicKeyPem().getBytes(StandardCharsets.UTF_8)));
    assertUnauthorized(TestTokens.hs256(claims, TestTokens.pemDer(keys.publicKeyPem())));
  }

  @Test
  void tokenSignedByAnotherEcKeyIsRefused() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    PrivateKey other = gen.generateKeyPair().getPrivate();
    assertUnauthorized(TestTokens.es256(TestTokens.claims("mallory", "admin"), other));
  }

  @Test
  void tokenOfAnotherDataDirectoryIsRefused() throws Exception {
    OperatorAuth otherCluster = new OperatorAuth(vertx, SigningKeys.loadOrCreate(dataDir.resolve("other")));
    assertUnauthorized(otherCluster.issue("admin", OperatorRole.ADMIN, 3600));
  }

  @Test
  void expiredTokenIsRefused() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    JsonObject longAgo = TestTokens.claims("alice", "admin").put("iat", now - 7200).put("exp", now - 3600);
    InferbusException e = refused(TestTokens.es256(longAgo, signingKey));
    assertEquals(FailureKind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("expired"), e.getMessage());

    // past the 60 s clock leeway
    JsonObject justPastLeeway = TestTokens.claims("alice", "admin").put("iat", now - 600).put("exp", now - 90);
    assertUnauthorized(TestTokens.es256(justPastLeeway, signingKey));
  }

  @Test
  void tokenNotYetValidIsRefused() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    assertUnauthorized(TestTokens.es256(TestTokens.claims("alice", "admin").put("nbf", now + 3600), signingKey));
    assertUnauthorized(TestTokens.es256(TestTokens.claims("alice", "admin").put("iat", now + 3600), signingKey));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, -3600})
  void issuingWithoutAPositiveLifetimeIsRefusedRatherThanMintingATokenThatNeverExpires(int lifetime) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> auth.issue("alice", OperatorRole.ADMIN, lifetime));
    assertTrue(e.getMessage().contains("lifetime"), e.getMessage());
  }

  @Test
  void wrongAudienceIsRefused() throws Exception {
    // e.g. an aml_token for endpoint 'credit', signed by the same cluster key
    assertUnauthorized(TestTokens.es256(TestTokens.claims("alice", "admin").put("aud", "credit"), signingKey));
    assertUnauthorized(TestTokens.es256(
        TestTokens.claims("alice", "admin").put("aud", new JsonArray().add("credit").add("fraud")), signingKey));
    JsonObject noAudience = TestTokens.claims("alice", "admin");
    noAudience.remove("aud");
    assertUnauthorized(TestTokens.es256(noAudience, signingKey));
  }

  @Test
  void wrongIssuerIsRefused() throws Exception {
    assertUnauthorized(TestTokens.es256(TestTokens.claims("alice", "admin").put("iss", "https://evil.example"),
        signingKey));
    JsonObject noIssuer = TestTokens.claims("alice", "admin");
    noIssuer.remove("iss");
    assertUnauthorized(TestTokens.es256(noIssuer, signingKey));
  }

  @Test
  void payloadTamperedToAdminKeepingTheSignatureIsRefused() throws Exception {
    String reader = auth.issue("alice", OperatorRole.READER, 3600);
    assertEquals(OperatorRole.READER, accepted(reader).role());
    String[] parts = reader.split("\\.");
    JsonObject claims = TestTokens.payloadOf(reader).put("roles", new JsonArray().add("admin"));
    assertUnauthorized(parts[0] + "." + TestTokens.b64(claims) + "." + parts[2]);
  }

  @Test
  void signatureTamperedByOneCharacterIsRefused() throws Exception {
    String token = auth.issue("alice", OperatorRole.ADMIN, 3600);
    int i = token.lastIndexOf('.') + 5;
    char c = token.charAt(i) == 'A' ? 'B' : 'A';
    assertUnauthorized(token.substring(0, i) + c + token.substring(i + 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"garbage", "", " ", "a.b.c", "a.b", "....", "eyJhbGciOiJFUzI1NiJ9.e30.",
      "Bearer eyJ0eXAiOiJKV1QifQ"})
  void garbageIsRefused(String token) {
    assertUnauthorized(token);
  }

  // ------------------------------------------------------------ refused: 403

  @Test
  void validTokenWithoutRolesIsForbidden() throws Exception {
    JsonObject noRoles = TestTokens.claims("alice");
    noRoles.remove("roles");
    for (JsonObject claims : new JsonObject[] {
        noRoles,
        TestTokens.claims("alice"),
        TestTokens.claims("alice", "superuser", "score:*"),
        TestTokens.claims("alice", "Admin ")}) {
      InferbusException e = refused(TestTokens.es256(claims, signingKey));
      assertEquals(FailureKind.FORBIDDEN, e.kind(), claims.encode());
      assertTrue(e.getMessage().contains("no role") && e.getMessage().contains("reader, operator, admin"),
          e.getMessage());
    }
  }

  // ------------------------------------------------------------ role order

  @Test
  void rolesIncludeThoseBelowThemOnly() {
    assertTrue(OperatorRole.ADMIN.includes(OperatorRole.ADMIN));
    assertTrue(OperatorRole.ADMIN.includes(OperatorRole.OPERATOR));
    assertTrue(OperatorRole.ADMIN.includes(OperatorRole.READER));
    assertTrue(OperatorRole.OPERATOR.includes(OperatorRole.OPERATOR));
    assertTrue(OperatorRole.OPERATOR.includes(OperatorRole.READER));
    assertFalse(OperatorRole.OPERATOR.includes(OperatorRole.ADMIN));
    assertTrue(OperatorRole.READER.includes(OperatorRole.READER));
    assertFalse(OperatorRole.READER.includes(OperatorRole.OPERATOR));
    assertFalse(OperatorRole.READER.includes(OperatorRole.ADMIN));
  }

  @Test
  void roleClaimsAreTheLowerCaseNamesOfTheSpec() {
    assertEquals("reader", OperatorRole.READER.claim());
    assertEquals("operator", OperatorRole.OPERATOR.claim());
    assertEquals("admin", OperatorRole.ADMIN.claim());
  }
}
