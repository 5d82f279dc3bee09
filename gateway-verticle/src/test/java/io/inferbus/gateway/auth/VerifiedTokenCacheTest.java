package io.inferbus.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Verified tokens are remembered so that the signature check is paid once per token, not per
 * request: only tokens that verified, only until they expire, and never more than the bound.
 */
class VerifiedTokenCacheTest {
  static final String ISSUER = "https://idp.example.test";
  static final String AUDIENCE = "api://inferbus";
  static Vertx vertx;
  static KeyPair ec;
  static KeyPair rsa;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    ec = Jwts.ec("secp256r1");
    rsa = Jwts.rsa();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static TokenVerifier verifier() {
    return verifier(TokenVerifier.CACHE_SIZE);
  }

  static TokenVerifier verifier(int cacheSize) {
    return TokenVerifier.create(vertx, JsonWebKeys.usable(Jwts.jwks(Jwts.jwk(ec.getPublic(), "ec-1"),
        Jwts.jwk(rsa.getPublic(), "rsa-1")), new ArrayList<>()), ISSUER, AUDIENCE, cacheSize);
  }

  static JsonObject claims() {
    return Jwts.claims(ISSUER, AUDIENCE, "bob");
  }

  static VerifiedToken verify(TokenVerifier v, String token) throws Exception {
    return await(v.verify(token, UnverifiedJwt.peek(token)));
  }

  @Test
  void aTokenThatVerifiedIsServedFromMemoryUntilItExpires() throws Exception {
    TokenVerifier v = verifier();
    String token = Jwts.sign("RS256", "rsa-1", claims(), rsa.getPrivate());
    assertNull(v.cached(token));
    VerifiedToken first = verify(v, token);
    assertSame(first, v.cached(token), "the second request finds it without a signature check");
    assertSame(first, verify(v, token));
    assertEquals(1, v.cachedCount());
  }

  @Test
  void refusedTokensAreNotRemembered() throws Exception {
    TokenVerifier v = verifier();
    KeyPair stranger = Jwts.rsa();
    List<String> bad = List.of(
        Jwts.sign("RS256", "rsa-1", claims(), stranger.getPrivate()),
        Jwts.sign("RS256", "rsa-1", claims().put("exp", System.currentTimeMillis() / 1000 - 3600), rsa.getPrivate()),
        Jwts.sign("RS256", "rsa-1", claims().put("aud", "other"), rsa.getPrivate()),
        Jwts.unsigned("rsa-1", claims()));
    for (String token : bad) {
      assertThrows(ExecutionException.class, () -> verify(v, token));
      assertThrows(ExecutionException.class, () -> verify(v, token), "refused again, not from memory");
      assertNull(v.cached(token));
    }
    assertEquals(0, v.cachedCount());
  }

  @Test
  void aTokenPastItsExpiryIsCheckedAgainNotServedFromMemory() throws Exception {
    TokenVerifier v = verifier();
    // expired 10 s ago: within the 60 s leeway, so it verifies, but memory never vouches for it
    String token = Jwts.sign("ES256", "ec-1", claims().put("exp", System.currentTimeMillis() / 1000 - 10),
        ec.getPrivate());
    VerifiedToken first = verify(v, token);
    assertNotNull(first);
    assertNull(v.cached(token));
    assertTrue(verify(v, token) != first, "verified anew");
  }

  @Test
  void memoryIsBounded() throws Exception {
    int bound = 64;
    TokenVerifier v = verifier(bound);
    for (int i = 0; i < 3 * bound; i++) {
      verify(v, Jwts.sign("ES256", "ec-1", claims().put("jti", "t" + i), ec.getPrivate()));
      assertTrue(v.cachedCount() <= bound, "at most " + bound);
    }
    String last = Jwts.sign("ES256", "ec-1", claims().put("jti", "last"), ec.getPrivate());
    assertSame(verify(v, last), v.cached(last), "the newest is remembered");
  }

  @Test
  void theSameKeysReadAgainKeepWhatTheIssuerRemembers() throws Exception {
    // (TrustedIssuer replaces its verifier only when the key set changes; equal sets compare equal)
    List<JsonObject> a = JsonWebKeys.usable(Jwts.jwks(Jwts.jwk(rsa.getPublic(), "rsa-1")), new ArrayList<>());
    List<JsonObject> b = JsonWebKeys.usable(Jwts.jwks(Jwts.jwk(rsa.getPublic(), "rsa-1")), new ArrayList<>());
    assertEquals(a, b);
  }
}
