package io.inferbus.gateway.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;

/**
 * A scoring request refused by authentication (401) or authorization (403), with a reason from a
 * fixed set for the metrics ({@code inferbus_gateway_auth_refusals_total{reason}}); the message
 * tells the caller what the endpoint takes.
 */
public final class AuthRefusal extends InferbusException {
  /** No {@code Authorization: Bearer} header. */
  public static final String MISSING_CREDENTIALS = "missing_credentials";
  /** A key-shaped credential that is not one of a key endpoint's keys. */
  public static final String INVALID_KEY = "invalid_key";
  /** A key for a token endpoint, or a token for a key endpoint. */
  public static final String WRONG_CREDENTIAL_TYPE = "wrong_credential_type";
  /** A token that is malformed, badly signed, expired or of another issuer. */
  public static final String INVALID_TOKEN = "invalid_token";
  /** A valid token meant for another endpoint or another use. */
  public static final String TOKEN_NOT_FOR_ENDPOINT = "token_not_for_endpoint";
  /** A valid trusted-issuer token whose roles do not include scoring this endpoint (403). */
  public static final String NO_SCORE_ROLE = "no_score_role";
  /** The gateway cannot check this kind of credential (no trusted issuer, no published key). */
  public static final String NOT_CONFIGURED = "not_configured";

  private final String reason;

  AuthRefusal(FailureKind kind, String reason, String message) {
    super(kind, message);
    this.reason = reason;
  }

  static AuthRefusal unauthorized(String reason, String message) {
    return new AuthRefusal(FailureKind.UNAUTHORIZED, reason, message);
  }

  public String reason() {
    return reason;
  }
}
