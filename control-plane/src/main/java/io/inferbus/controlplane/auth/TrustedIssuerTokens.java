package io.inferbus.controlplane.auth;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The node's trusted external issuer as the control plane uses it: operators may present its tokens,
 * whose {@code roles} claim holds {@code reader}, {@code operator} or {@code admin}. The node wires in
 * the one verifier it shares with its gateway, so that the issuer's keys are read and refreshed in one
 * place.
 */
public interface TrustedIssuerTokens {
  /** The exact {@code iss} of the issuer's tokens. */
  String issuer();

  /**
   * The token's claims once its signature (by one of the issuer's keys), {@code iss}, {@code aud} and
   * validity period are checked; otherwise a failed future with a message saying why. Completes on
   * the calling context.
   */
  Future<JsonObject> verify(String token);
}
