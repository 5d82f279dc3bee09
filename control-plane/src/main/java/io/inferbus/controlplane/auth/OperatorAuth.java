package io.inferbus.controlplane.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;

/**
 * Issues and verifies the control plane's own operator tokens: ES256 JWTs signed with the
 * cluster's {@link SigningKeys}, issuer {@value #ISSUER}, audience {@value #AUDIENCE}, with a
 * {@code roles} claim. The verifier is configured with the key and the algorithm, so unsigned
 * ({@code alg: none}) and HMAC tokens are refused. Scoring tokens ({@code aml_token}), which the same
 * key signs, are refused by their {@code token_use} claim.
 *
 * <p>With a {@link TrustedIssuerTokens trusted issuer}, its tokens are accepted too, by the same
 * {@code roles} claim; which verifier applies is chosen by the token's (unverified) {@code iss}.
 */
public final class OperatorAuth {
  public static final String ISSUER = "inferbus";
  public static final String AUDIENCE = "inferbus-control-plane";
  /** The admin token in client.json is long-lived, like an Azure service principal's secret. */
  public static final int ADMIN_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

  private final JWTAuth jwt;
  private final TrustedIssuerTokens trustedIssuer;

  public OperatorAuth(Vertx vertx, SigningKeys keys) {
    this(vertx, keys, null);
  }

  /** @param trustedIssuer the node's trusted external issuer, or null */
  public OperatorAuth(Vertx vertx, SigningKeys keys, TrustedIssuerTokens trustedIssuer) {
    this.trustedIssuer = trustedIssuer;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(SigningKeys.ALGORITHM).setBuffer(keys.publicKeyPem()))
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(SigningKeys.ALGORITHM).setBuffer(keys.privateKeyPem()))
        .setJWTOptions(new JWTOptions()
            .setAlgorithm(SigningKeys.ALGORITHM)
            .setIssuer(ISSUER)
            .setAudience(List.of(AUDIENCE))
            .setLeeway(60)));
  }

  /** A token for {@code subject} with {@code role}, valid for {@code lifetimeSeconds}. */
  public String issue(String subject, OperatorRole role, int lifetimeSeconds) {
    if (lifetimeSeconds <= 0) {
      // Vert.x leaves "exp" out for a lifetime <= 0, which would make a token that never expires.
      throw new IllegalArgumentException("token lifetime must be positive, got " + lifetimeSeconds + " s");
    }
    return jwt.generateToken(
        new JsonObject().put("roles", new JsonArray().add(role.claim())),
        new JWTOptions()
            .setAlgorithm(SigningKeys.ALGORITHM)
            .setIssuer(ISSUER)
            .setAudience(List.of(AUDIENCE))
            .setSubject(subject)
            .setExpiresInSeconds(lifetimeSeconds));
  }

  /** Verifies a bearer token; fails with UNAUTHORIZED when it is not valid, FORBIDDEN when it has no role. */
  public Future<Caller> verify(String token) {
    JsonObject unverified = unverifiedClaims(token);
    String issuer = unverified == null || !(unverified.getValue("iss") instanceof String s) ? null : s;
    if (trustedIssuer != null && trustedIssuer.issuer().equals(issuer)) {
      return trustedIssuer.verify(token)
          .recover(e -> Future.failedFuture(e instanceof InferbusException ie && ie.kind() != FailureKind.UNAUTHORIZED
              ? e
              : new InferbusException(FailureKind.UNAUTHORIZED, "the token is not valid: " + e.getMessage())))
          .map(OperatorAuth::caller);
    }
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED,
            "the token is not valid: " + (unverified != null && unverified.containsKey(EndpointState.AML_TOKEN_USE_CLAIM)
                ? "it is a scoring token of endpoint " + unverified.getValue("aud") + ", not a management token"
                : e.getMessage()))))
        .map(user -> {
          JsonObject claims = user.principal();
          if (claims.containsKey(EndpointState.AML_TOKEN_USE_CLAIM)) {
            throw new InferbusException(FailureKind.UNAUTHORIZED, "the token is not valid: it is a scoring token"
                + " of endpoint " + claims.getValue("aud") + ", not a management token");
          }
          return caller(claims);
        });
  }

  /** The caller a verified token names, with the highest role its {@code roles} claim holds. */
  private static Caller caller(JsonObject claims) {
    Object roles = claims.getValue("roles");
    JsonArray claimed = roles instanceof JsonArray a ? a : roles instanceof String s ? new JsonArray().add(s)
        : new JsonArray();
    OperatorRole best = null;
    for (Object r : claimed) {
      for (OperatorRole role : OperatorRole.values()) {
        if (role.claim().equals(r) && (best == null || role.includes(best))) {
          best = role;
        }
      }
    }
    if (best == null) {
      throw new InferbusException(FailureKind.FORBIDDEN, "the token carries no role (reader, operator, admin)");
    }
    return new Caller(claims.getValue("sub") instanceof String sub ? sub : "unknown", best);
  }

  /** The claims as sent, before any check (they pick the verifier and word a refusal); null if unreadable. */
  private static JsonObject unverifiedClaims(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (second < 0) {
      return null;
    }
    try {
      return new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(token.substring(first + 1, second)),
          java.nio.charset.StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Who is calling, and with which role. */
  public record Caller(String subject, OperatorRole role) {}
}
