package io.inferbus.controlplane.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.hashing.Sha256;
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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Issues and verifies the control plane's own operator tokens: ES256 JWTs signed with the
 * cluster's {@link SigningKeys}, issuer {@value #ISSUER}, audience {@value #AUDIENCE}, with a
 * {@code roles} claim. The verifier is configured with the key and the algorithm, so unsigned
 * ({@code alg: none}) and HMAC tokens are refused. Scoring tokens ({@code aml_token}), which the same
 * key signs, are refused by their {@code token_use} claim.
 *
 * <p>Every token it issues carries a unique id ({@code jti}); named tokens ({@code POST /tokens}) also
 * carry their name ({@value #TOKEN_NAME_CLAIM}). A token whose id is in {@link #revoked()} is refused.
 * Tokens issued before ids existed are known by the SHA-256 of their text instead (see
 * {@link OwnToken#of}), so that an old admin token in client.json can be revoked too.
 *
 * <p>With a {@link TrustedIssuerTokens trusted issuer}, its tokens are accepted too, by the same
 * {@code roles} claim; which verifier applies is chosen by the token's (unverified) {@code iss}.
 */
public final class OperatorAuth {
  public static final String ISSUER = "inferbus";
  public static final String AUDIENCE = "inferbus-control-plane";
  /** The admin token in client.json is long-lived, like an Azure service principal's secret. */
  public static final int ADMIN_TOKEN_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;
  /** The subject of the admin token in client.json. */
  public static final String ADMIN_SUBJECT = "admin";
  /** The claim that carries a named token's name. */
  public static final String TOKEN_NAME_CLAIM = "token_name";
  /** Clock skew tolerated on exp, nbf and iat. */
  public static final int LEEWAY_SECONDS = 60;

  private final JWTAuth jwt;
  private final TrustedIssuerTokens trustedIssuer;
  private final RevokedTokens revoked = new RevokedTokens();

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
            .setLeeway(LEEWAY_SECONDS)));
  }

  /** A token for {@code subject} with {@code role}, valid for {@code lifetimeSeconds}. */
  public String issue(String subject, OperatorRole role, int lifetimeSeconds) {
    if (lifetimeSeconds <= 0) {
      // A token without "exp" would never expire.
      throw new IllegalArgumentException("token lifetime must be positive, got " + lifetimeSeconds + " s");
    }
    return issue(subject, null, role, Instant.ofEpochSecond(Instant.now().getEpochSecond() + lifetimeSeconds))
        .token();
  }

  /**
   * A token for {@code subject} with {@code role} until {@code expiresAt} (cut to the second), with a
   * new id and, for a named token, its {@code name} (null: unnamed, such as the admin token).
   */
  public Issued issue(String subject, String name, OperatorRole role, Instant expiresAt) {
    long now = Instant.now().getEpochSecond();
    long exp = expiresAt.getEpochSecond();
    if (exp <= now) {
      throw new IllegalArgumentException("token expiry must be in the future, got " + expiresAt);
    }
    String id = UUID.randomUUID().toString();
    JsonObject claims = new JsonObject()
        .put("roles", new JsonArray().add(role.claim()))
        .put("jti", id)
        .put("iat", now)
        .put("exp", exp);
    if (name != null) {
      claims.put(TOKEN_NAME_CLAIM, name);
    }
    String token = jwt.generateToken(claims, new JWTOptions()
        .setAlgorithm(SigningKeys.ALGORITHM)
        .setIssuer(ISSUER)
        .setAudience(List.of(AUDIENCE))
        .setSubject(subject));
    return new Issued(token, new OwnToken(id, name, exp));
  }

  /** The revoked token ids this verifier refuses. */
  public RevokedTokens revoked() {
    return revoked;
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
          .map(claims -> caller(claims, null));
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
          // Vert.x keeps exp, iat and nbf among the user's attributes, not in its principal
          OwnToken own = OwnToken.of(claims, user.attributes().getLong("exp", 0L), token);
          if (revoked.contains(own.id())) {
            throw new InferbusException(FailureKind.UNAUTHORIZED, "the token is not valid: "
                + (own.name() == null ? "it was revoked" : "token '" + own.name() + "' was revoked"));
          }
          return caller(claims, own);
        });
  }

  /** The caller a verified token names, with the highest role its {@code roles} claim holds. */
  private static Caller caller(JsonObject claims, OwnToken own) {
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
    Instant expiresAt = own != null ? (own.expiresAt() > 0 ? Instant.ofEpochSecond(own.expiresAt()) : null)
        : claims.getValue("exp") instanceof Number exp ? Instant.ofEpochSecond(exp.longValue()) : null;
    return new Caller(claims.getValue("sub") instanceof String sub ? sub : "unknown", best, own, expiresAt);
  }

  /** The claims as sent, before any check (they pick the verifier and word a refusal); null if unreadable. */
  private static JsonObject unverifiedClaims(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (second < 0) {
      return null;
    }
    try {
      return new JsonObject(new String(Base64.getUrlDecoder().decode(token.substring(first + 1, second)),
          StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Who is calling, and with which role.
   *
   * @param token the control plane's own token the caller presented; null for a trusted issuer's
   * @param expiresAt when the presented token expires (its {@code exp}); null if it carries none
   */
  public record Caller(String subject, OperatorRole role, OwnToken token, Instant expiresAt) {
    /** A caller with a trusted issuer's token whose expiry is not known. */
    public Caller(String subject, OperatorRole role) {
      this(subject, role, null, null);
    }
  }

  /**
   * One of the control plane's own tokens, as revocation knows it.
   *
   * @param id its {@code jti}
   * @param name its name for a named token ({@code POST /tokens}); null for an unnamed one (the admin token)
   * @param expiresAt its {@code exp}, epoch seconds
   */
  public record OwnToken(String id, String name, long expiresAt) {
    /** The token a verified token's claims and expiry describe; {@code token} is its text. */
    static OwnToken of(JsonObject claims, long exp, String token) {
      String id = claims.getValue("jti") instanceof String jti && !jti.isEmpty() ? jti : legacyId(token);
      String name = claims.getValue(TOKEN_NAME_CLAIM) instanceof String n ? n : null;
      return new OwnToken(id, name, exp);
    }

    /**
     * The id of a token issued before tokens carried one (an admin token in an older client.json):
     * the SHA-256 of its text, so that it can be revoked like the others.
     */
    private static String legacyId(String token) {
      return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(
          Sha256.bytes(token.getBytes(StandardCharsets.US_ASCII)));
    }
  }

  /** A token just issued: its text (shown once) and what revocation knows of it. */
  public record Issued(String token, OwnToken identity) {}
}
