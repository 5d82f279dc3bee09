package io.inferbus.gateway.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a scoring request may use an endpoint, by the endpoint's {@code auth_mode}:
 *
 * <ul>
 *   <li>{@code key}: the bearer is one of the endpoint's two keys (SHA-256 hashes from the endpoint
 *       table, compared in constant time);
 *   <li>{@code aml_token}: a JWT the control plane issued for this endpoint, verified with the
 *       cluster's public key published with the endpoint ({@link EndpointState#tokenKeys()});
 *   <li>{@code aad_token}: a JWT of the node's {@link TrustedIssuer} whose {@code roles} claim holds
 *       {@code score:<endpoint>} or {@code score:*} (else 403).
 * </ul>
 *
 * Everything is decided from memory: a token that verified once is remembered until it expires.
 * The answer is a future that is already complete, except when the trusted issuer's keys are being
 * read again (a token signed by a key id not seen before).
 */
public final class EndpointAuthenticator {
  private final Vertx vertx;
  private final TrustedIssuer trustedIssuer;
  /** The verifier of aml_token tokens with the published keys it was built from; replaced when they change. */
  private volatile ClusterKeys clusterKeys;

  private record ClusterKeys(List<JsonObject> published, TokenVerifier verifier) {}

  /** @param trustedIssuer the node's trusted issuer, or null when none is configured */
  public EndpointAuthenticator(Vertx vertx, TrustedIssuer trustedIssuer) {
    this.vertx = vertx;
    this.trustedIssuer = trustedIssuer;
  }

  /**
   * Succeeds when the {@code Authorization} header's credential grants access to the endpoint; fails
   * with an UNAUTHORIZED (bad or missing credential) or FORBIDDEN (valid, without access)
   * {@link InferbusException} whose message says what the endpoint takes.
   */
  public Future<Void> authenticate(EndpointState endpoint, String authorization) {
    String mode = endpoint.authMode();
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return refused(AuthRefusal.MISSING_CREDENTIALS, "missing credentials: send 'Authorization: Bearer <"
          + (EndpointState.AUTH_KEY.equals(mode) ? "key" : "token") + ">' (endpoint '" + endpoint.name()
          + "' has auth_mode " + mode + ")");
    }
    String credential = authorization.substring(7).trim();
    return switch (mode) {
      case EndpointState.AUTH_KEY -> key(endpoint, credential);
      case EndpointState.AUTH_AML_TOKEN -> amlToken(endpoint, credential);
      case EndpointState.AUTH_AAD_TOKEN -> aadToken(endpoint, credential);
      default -> refused(AuthRefusal.NOT_CONFIGURED, "endpoint '" + endpoint.name() + "' has auth_mode '" + mode + "', which this gateway"
          + " does not know");
    };
  }

  private static Future<Void> key(EndpointState endpoint, String credential) {
    if (KeyAuthenticator.matches(credential, endpoint.keyHashes())) {
      return Future.succeededFuture();
    }
    if (!isKeyShaped(credential)) {
      return refused(AuthRefusal.WRONG_CREDENTIAL_TYPE, "endpoint '" + endpoint.name() + "' takes a key (auth_mode key), not a token: send one of its"
          + " keys (POST /endpoints/" + endpoint.name() + "/keys on the management API)");
    }
    return refused(AuthRefusal.INVALID_KEY, "the key is not valid for endpoint '" + endpoint.name() + "'");
  }

  private Future<Void> amlToken(EndpointState endpoint, String credential) {
    TokenVerifier verifier = clusterTokens(endpoint);
    VerifiedToken hit = verifier == null ? null : verifier.cached(credential);
    if (hit != null) {
      return mayScoreAml(endpoint, hit);
    }
    UnverifiedJwt unverified = UnverifiedJwt.peek(credential);
    if (unverified == null) {
      return refused(isKeyShaped(credential) ? AuthRefusal.WRONG_CREDENTIAL_TYPE : AuthRefusal.INVALID_TOKEN,
          isKeyShaped(credential)
          ? "endpoint '" + endpoint.name() + "' takes a token (auth_mode aml_token) from POST /endpoints/"
              + endpoint.name() + "/token on the management API, not a key"
          : "the token is not valid for endpoint '" + endpoint.name() + "': it is not a signed JWT");
    }
    if (!EndpointState.AML_TOKEN_ISSUER.equals(unverified.issuer())) {
      return refused(AuthRefusal.INVALID_TOKEN, "endpoint '" + endpoint.name() + "' takes tokens its control plane issues (auth_mode"
          + " aml_token, POST /endpoints/" + endpoint.name() + "/token); this token's issuer is '"
          + unverified.issuer() + "'");
    }
    if (verifier == null) {
      return refused(AuthRefusal.NOT_CONFIGURED, "endpoint '" + endpoint.name()
          + "' has no token signing key published yet");
    }
    return verifier.verify(credential, unverified).transform(ar -> ar.succeeded()
        ? mayScoreAml(endpoint, ar.result())
        : refused(AuthRefusal.INVALID_TOKEN, "the token is not valid for endpoint '" + endpoint.name() + "': " + ar.cause().getMessage()));
  }

  private static Future<Void> mayScoreAml(EndpointState endpoint, VerifiedToken token) {
    if (!EndpointState.AML_TOKEN_USE_SCORE.equals(token.claims().getValue(EndpointState.AML_TOKEN_USE_CLAIM))) {
      return refused(AuthRefusal.TOKEN_NOT_FOR_ENDPOINT, "the token is not a scoring token (it is a management token); get one with POST /endpoints/"
          + endpoint.name() + "/token");
    }
    if (!token.audiences().contains(endpoint.name())) {
      return refused(AuthRefusal.TOKEN_NOT_FOR_ENDPOINT, "the token is for endpoint " + token.audiences() + ", not '" + endpoint.name() + "'");
    }
    return Future.succeededFuture();
  }

  private Future<Void> aadToken(EndpointState endpoint, String credential) {
    if (trustedIssuer == null) {
      return refused(AuthRefusal.NOT_CONFIGURED, "endpoint '" + endpoint.name() + "' takes tokens of a trusted issuer (auth_mode aad_token), but"
          + " this gateway has none configured (--jwks-file or --jwks-url, --jwt-issuer, --jwt-audience)");
    }
    VerifiedToken hit = trustedIssuer.cached(credential);
    if (hit != null) {
      return mayScoreAad(endpoint, hit);
    }
    if (isKeyShaped(credential)) {
      return refused(AuthRefusal.WRONG_CREDENTIAL_TYPE, "endpoint '" + endpoint.name() + "' takes a token of the trusted issuer '"
          + trustedIssuer.issuer() + "' (auth_mode aad_token), not a key");
    }
    return trustedIssuer.verify(credential).transform(ar -> ar.succeeded()
        ? mayScoreAad(endpoint, ar.result())
        : refused(AuthRefusal.INVALID_TOKEN, "the token is not valid for endpoint '" + endpoint.name() + "': " + ar.cause().getMessage()));
  }

  private static Future<Void> mayScoreAad(EndpointState endpoint, VerifiedToken token) {
    if (token.roles().contains("score:" + endpoint.name()) || token.roles().contains("score:*")) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new AuthRefusal(FailureKind.FORBIDDEN, AuthRefusal.NO_SCORE_ROLE, "the token of '" + token.subject()
        + "' grants no access to endpoint '" + endpoint.name() + "': its roles claim needs 'score:" + endpoint.name()
        + "' or 'score:*'"));
  }

  /** The verifier for the endpoint's published token keys; null when it has none. */
  private TokenVerifier clusterTokens(EndpointState endpoint) {
    List<JsonObject> published = endpoint.tokenKeys();
    if (published.isEmpty()) {
      return null;
    }
    ClusterKeys current = clusterKeys;
    // Every endpoint entry carries the same cluster key: comparing the small published list is the
    // common case, building a verifier (parsing keys) happens only when the cluster key changes.
    if (current != null && (current.published() == published || current.published().equals(published))) {
      return current.verifier();
    }
    List<JsonObject> keys = JsonWebKeys.usable(published, new ArrayList<>());
    if (keys.isEmpty()) {
      return null;
    }
    TokenVerifier verifier = TokenVerifier.create(vertx, keys, EndpointState.AML_TOKEN_ISSUER, null);
    clusterKeys = new ClusterKeys(published, verifier);
    return verifier;
  }

  /** Keys are base64url text; every JWT, even a malformed one, has dots. */
  private static boolean isKeyShaped(String credential) {
    return credential.indexOf('.') < 0;
  }

  private static Future<Void> refused(String reason, String message) {
    return Future.failedFuture(AuthRefusal.unauthorized(reason, message));
  }
}
