package io.inferbus.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traps of vertx-auth-jwt 5 that the verifiers are built around, shown on the library itself and
 * then on Inferbus's verifiers: a provider without keys accepts unsigned tokens; keys it cannot use
 * are skipped with a log line (and enough skipped keys leave it without keys); an {@code oct} key in
 * a JWKS would verify HMAC tokens. If Vert.x changes, the first test says so.
 */
class VertxJwtTrapsTest {
  static final String ISSUER = "https://idp.example.test";
  static final String AUDIENCE = "api://inferbus";

  @TempDir
  static Path dir;
  static Vertx vertx;
  static KeyPair rsa;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    rsa = Jwts.rsa();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static JsonObject claims() {
    return Jwts.withRoles(Jwts.claims(ISSUER, AUDIENCE, "mallory"), "score:*");
  }

  /** An unsigned token in the two-part form Vert.x's unsecured mode takes. */
  static String twoPartUnsigned() {
    String t = Jwts.unsigned(null, claims());
    return t.substring(0, t.length() - 1);
  }

  @Test
  void vertxWithoutKeysAcceptsAnUnsignedToken() throws Exception {
    JWTAuth keyless = JWTAuth.create(vertx, new JWTAuthOptions());
    User user = await(keyless.authenticate(new TokenCredentials(twoPartUnsigned())));
    assertEquals("mallory", user.principal().getString("sub"), "the trap: no keys means no signature check");
  }

  @Test
  void vertxSkipsAJwkItCannotUseAndIsThenKeyless() throws Exception {
    // an EC key on a curve Vert.x does not know: logged as "Unsupported JWK" and dropped
    JWTAuth skipped = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(new JsonObject().put("kty", "EC")
        .put("crv", "P-192").put("x", "AAAA").put("y", "AAAA").put("kid", "weird")));
    User user = await(skipped.authenticate(new TokenCredentials(twoPartUnsigned())));
    assertEquals("mallory", user.principal().getString("sub"));
  }

  @Test
  void aVerifierIsNeverBuiltWithoutKeys() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TokenVerifier.create(vertx, List.of(), ISSUER, AUDIENCE));
    assertTrue(e.getMessage().contains("no usable signing key"), e.getMessage());
  }

  @Test
  void aJwksWithoutUsableKeysFailsTheStartInsteadOfTrustingEverything() throws Exception {
    Path file = dir.resolve("unusable.json");
    Files.writeString(file, new JsonObject().put("keys", new JsonArray()
        .add(new JsonObject().put("kty", "oct").put("kid", "hmac").put("k", "c2VjcmV0"))
        .add(new JsonObject().put("kty", "EC").put("crv", "P-192").put("x", "AAAA").put("y", "AAAA"))
        .add(new JsonObject().put("kty", "OKP").put("crv", "Ed25519").put("x", "AAAA"))
        .add(Jwts.jwk(rsa.getPublic(), "enc").put("use", "enc"))
        .add(Jwts.jwk(rsa.getPublic(), "hs").put("alg", "HS256"))
        .add(Jwts.jwk(Jwts.ec("secp256r1").getPublic(), "mismatch").put("alg", "ES384"))).encode());
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(TrustedIssuer.start(vertx,
        new TrustedIssuerOptions(file, null, ISSUER, AUDIENCE))));
    assertTrue(e.getCause().getMessage().contains("no usable signing key"), e.getCause().getMessage());
  }

  @Test
  void aMissingJwksFileFailsTheStartNamingIt() {
    Path missing = dir.resolve("nosuch.json");
    ExecutionException e = assertThrows(ExecutionException.class, () -> await(TrustedIssuer.start(vertx,
        new TrustedIssuerOptions(missing, null, ISSUER, AUDIENCE))));
    assertTrue(e.getCause().getMessage().startsWith("cannot read the trusted issuer's keys from " + missing),
        e.getCause().getMessage());
  }

  @Test
  void onlyAsymmetricKeysOfAJwksAreKept() throws Exception {
    List<String> dropped = new ArrayList<>();
    List<JsonObject> kept = JsonWebKeys.usable(Jwts.jwks(
        new JsonObject().put("kty", "oct").put("kid", "hmac").put("k", "c2VjcmV0"),
        Jwts.jwk(rsa.getPublic(), "rsa-1"),
        Jwts.jwk(Jwts.ec("secp256r1").getPublic(), "ec-1"),
        Jwts.jwk(rsa.getPublic(), "rsa-ps").put("alg", "PS256"),
        Jwts.jwk(Jwts.rsa1024().getPublic(), "short")), dropped);
    assertEquals(List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "PS256"),
        kept.stream().map(k -> k.getString("alg")).toList());
    assertEquals(2, dropped.size(), dropped.toString());
    assertTrue(dropped.get(0).contains("key 'hmac'") && dropped.get(0).contains("kty 'oct'"), dropped.toString());
    assertTrue(dropped.get(1).contains("1024 bits is too short"), dropped.toString());
  }

  @Test
  void withAnHmacKeyInTheJwksAnHmacTokenIsStillRefused() throws Exception {
    Path file = dir.resolve("mixed.json");
    byte[] secret = "a-shared-secret-of-32-bytes-long!".getBytes();
    Files.writeString(file, Jwts.jwks(
        new JsonObject().put("kty", "oct").put("kid", "hmac").put("k", Jwts.b64(secret)),
        Jwts.jwk(rsa.getPublic(), "rsa-1")).encode());
    TrustedIssuer issuer = await(TrustedIssuer.start(vertx, new TrustedIssuerOptions(file, null, ISSUER, AUDIENCE)));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> await(issuer.verify(Jwts.hmac("HS256", "hmac", claims(), secret))));
    InferbusException refusal = (InferbusException) e.getCause();
    assertEquals(FailureKind.UNAUTHORIZED, refusal.kind());
    assertTrue(refusal.getMessage().contains("alg 'HS256' is not accepted"), refusal.getMessage());
    assertEquals("mallory", await(issuer.verify(Jwts.sign("RS256", "rsa-1", claims(), rsa.getPrivate()))).subject());
  }

  @Test
  void unsignedTokensAreRefusedInEveryForm() throws Exception {
    Path file = dir.resolve("jwks.json");
    Files.writeString(file, Jwts.jwks(Jwts.jwk(rsa.getPublic(), "rsa-1")).encode());
    TrustedIssuer issuer = await(TrustedIssuer.start(vertx, new TrustedIssuerOptions(file, null, ISSUER, AUDIENCE)));
    String real = Jwts.sign("RS256", "rsa-1", claims(), rsa.getPrivate());
    for (String token : List.of(twoPartUnsigned(), twoPartUnsigned() + ".", Jwts.unsigned("rsa-1", claims()),
        Jwts.unsigned("rsa-1", claims()) + real.substring(real.lastIndexOf('.') + 1),
        real.substring(0, real.lastIndexOf('.') + 1),
        real.substring(0, real.lastIndexOf('.')))) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> await(issuer.verify(token)), token);
      assertEquals(FailureKind.UNAUTHORIZED, ((InferbusException) e.getCause()).kind());
    }
  }
}
