package io.inferbus.controlplane.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
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
 * ({@code alg: none}) and HMAC tokens are refused.
 */
public final class OperatorAuth {
  public static final String ISSUER = "inferbus";
  public static final String AUDIENCE = "inferbus-control-plane";
  /** The admin token in client.json is long-lived, like an Azure service principal's secret. */
  public static final int ADMIN_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

  private final JWTAuth jwt;

  public OperatorAuth(Vertx vertx, SigningKeys keys) {
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

  /** Verifies a bearer token; fails with UNAUTHORIZED when it is not valid. */
  public Future<Caller> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token))
        .recover(e -> Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED,
            "the token is not valid: " + e.getMessage())))
        .map(user -> {
          JsonObject claims = user.principal();
          OperatorRole best = null;
          for (Object r : claims.getJsonArray("roles", new JsonArray())) {
            for (OperatorRole role : OperatorRole.values()) {
              if (role.claim().equals(r) && (best == null || role.includes(best))) {
                best = role;
              }
            }
          }
          if (best == null) {
            throw new InferbusException(FailureKind.FORBIDDEN, "the token carries no role (reader, operator, admin)");
          }
          return new Caller(claims.getString("sub", "unknown"), best);
        });
  }

  /** Who is calling, and with which role. */
  public record Caller(String subject, OperatorRole role) {}
}
