package io.inferbus.gateway.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verifies JWTs against one fixed set of public keys with vertx-auth-jwt, and remembers the tokens
 * that verified until they expire, so that a caller who sends the same token on every request pays
 * the signature check (tens to hundreds of microseconds) once.
 *
 * <p>Before a token reaches Vert.x it must be a signed compact JWT whose {@code alg} is one of
 * {@link JsonWebKeys#ALGORITHMS} and whose {@code kid}, if it has one, names a key of the set:
 * {@code none} and HMAC tokens are refused here, whatever Vert.x would do with them. A verifier is
 * never built without keys, because Vert.x's JWT provider without keys accepts unsigned tokens.
 */
final class TokenVerifier {
  /** The clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}. */
  static final int LEEWAY_SECONDS = 60;
  /** At most this many verified tokens are remembered. */
  static final int CACHE_SIZE = 10_000;

  private final JWTAuth jwt;
  private final List<JsonObject> keys;
  private final Set<String> keyIds;
  private final String issuer;
  private final int cacheSize;
  /** Verified tokens by their text. Only tokens that verified get in; each leaves at its expiry. */
  private final Map<String, VerifiedToken> verified = new ConcurrentHashMap<>();

  private TokenVerifier(JWTAuth jwt, List<JsonObject> keys, Set<String> keyIds, String issuer, int cacheSize) {
    this.jwt = jwt;
    this.keys = keys;
    this.keyIds = keyIds;
    this.issuer = issuer;
    this.cacheSize = cacheSize;
  }

  /**
   * A verifier for tokens of {@code issuer} signed by one of {@code keys} (as {@link JsonWebKeys#usable}
   * returns them), with {@code audience} in their {@code aud} unless it is null (then the caller checks
   * the audience). Throws when there is no key.
   */
  static TokenVerifier create(Vertx vertx, List<JsonObject> keys, String issuer, String audience) {
    return create(vertx, keys, issuer, audience, CACHE_SIZE);
  }

  /** Remembering at most {@code cacheSize} tokens. */
  static TokenVerifier create(Vertx vertx, List<JsonObject> keys, String issuer, String audience, int cacheSize) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("no usable signing key (RSA or EC, for RS*, PS* or ES*)");
    }
    JWTOptions checks = new JWTOptions().setIssuer(issuer).setLeeway(LEEWAY_SECONDS);
    if (audience != null) {
      checks.setAudience(List.of(audience));
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(checks);
    Set<String> ids = new HashSet<>();
    for (JsonObject key : keys) {
      options.addJwk(key);
      if (key.getValue("kid") instanceof String kid) {
        ids.add(kid);
      }
    }
    return new TokenVerifier(JWTAuth.create(vertx, options), List.copyOf(keys), Set.copyOf(ids), issuer, cacheSize);
  }

  /** The keys this verifier trusts. */
  List<JsonObject> keys() {
    return keys;
  }

  /** True when a token with this {@code kid} (null: none) may be signed by one of the keys. */
  boolean knowsKey(String kid) {
    return kid == null || keyIds.contains(kid);
  }

  /** The token, if it verified before and has not expired since; else null. The hot path. */
  VerifiedToken cached(String token) {
    VerifiedToken t = verified.get(token);
    if (t == null) {
      return null;
    }
    if (t.expiresAt() <= System.currentTimeMillis() / 1000) {
      verified.remove(token);
      return null;
    }
    return t;
  }

  /**
   * Verifies a token ({@code jwt} is its unverified reading); the future fails with an
   * UNAUTHORIZED {@link InferbusException} naming the reason. A token signed by a key id the set
   * does not have fails with {@link UnknownKeyException}.
   */
  Future<VerifiedToken> verify(String token, UnverifiedJwt unverified) {
    VerifiedToken hit = cached(token);
    if (hit != null) {
      return Future.succeededFuture(hit);
    }
    if (unverified == null) {
      return refused("it is not a signed JWT (three base64url parts)");
    }
    String alg = unverified.algorithm();
    if (!JsonWebKeys.ALGORITHMS.contains(alg)) {
      return refused("alg '" + alg + "' is not accepted; tokens must be signed with RS256, RS384, RS512, PS256,"
          + " PS384, PS512, ES256, ES384 or ES512");
    }
    if (unverified.header().containsKey("crit")) {
      return refused("it has critical header parameters (crit), which are not supported");
    }
    if (!knowsKey(unverified.keyId())) {
      return Future.failedFuture(new UnknownKeyException(unverified.keyId()));
    }
    return jwt.authenticate(new TokenCredentials(token)).transform(ar -> {
      if (ar.failed()) {
        return refused(reason(ar.cause()));
      }
      JsonObject claims = ar.result().attributes().getJsonObject("accessToken");
      if (!(claims.getValue("exp") instanceof Number)) {
        return refused("it has no expiry (exp)");
      }
      VerifiedToken t = VerifiedToken.of(claims);
      remember(token, t);
      return Future.succeededFuture(t);
    });
  }

  private void remember(String token, VerifiedToken t) {
    if (verified.size() >= cacheSize) {
      long now = System.currentTimeMillis() / 1000;
      verified.values().removeIf(v -> v.expiresAt() <= now);
      if (verified.size() >= cacheSize) {
        // Still full of live tokens: start over rather than track recency on every hit. Each caller
        // pays one more signature check; the bound on memory holds.
        verified.clear();
      }
    }
    verified.put(token, t);
  }

  /** The number of tokens remembered (for tests of the bound). */
  int cachedCount() {
    return verified.size();
  }

  /** Vert.x's failure, in words a caller can act on. */
  private String reason(Throwable cause) {
    String message = String.valueOf(cause.getMessage());
    if (cause instanceof io.vertx.ext.auth.NoSuchKeyIdException) {
      return "no trusted key verifies its algorithm";
    }
    if (message.contains("expired")) {
      return "it has expired or is not valid yet (exp, nbf, iat; " + LEEWAY_SECONDS + " s leeway)";
    }
    if (message.contains("issuer")) {
      return "its issuer is not '" + issuer + "'";
    }
    if (message.contains("audience")) {
      return "its audience (aud) is not this service's";
    }
    if (message.contains("Signature verification failed") || cause instanceof java.security.SignatureException) {
      return "its signature does not verify";
    }
    return message;
  }

  private static <T> Future<T> refused(String reason) {
    return Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED, reason));
  }

  /** The token names a signing key the verifier does not have. */
  static final class UnknownKeyException extends InferbusException {
    UnknownKeyException(String kid) {
      super(FailureKind.UNAUTHORIZED, "its signing key '" + kid + "' is not one of the trusted keys");
    }
  }
}
