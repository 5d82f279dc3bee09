package io.inferbus.controlplane.auth;

import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.List;

/**
 * Issues {@code aml_token} scoring tokens: ES256 JWTs signed with the cluster's {@link SigningKeys},
 * issuer {@value EndpointState#AML_TOKEN_ISSUER}, the endpoint's name as audience, the claim
 * {@code token_use: score} (so that they never pass for management tokens, which the same key signs)
 * and the key's id in the header. Gateways verify them with {@link #verificationKeys()}, which the
 * control plane publishes with each {@code aml_token} endpoint.
 */
public final class EndpointTokens {
  /** As Azure ML's endpoint tokens: valid for an hour. */
  public static final int LIFETIME_SECONDS = 3600;

  private final JWTAuth signer;
  private final List<JsonObject> verificationKeys;

  public EndpointTokens(Vertx vertx, SigningKeys keys) {
    this.signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm(SigningKeys.ALGORITHM).setId(keys.keyId()).setBuffer(keys.privateKeyPem())));
    this.verificationKeys = List.of(keys.publicJwk());
  }

  /** The public keys that verify the tokens, as JWKs. */
  public List<JsonObject> verificationKeys() {
    return verificationKeys;
  }

  /**
   * A token for {@code endpoint}, requested by {@code subject}, in Azure ML's shape:
   * {@code {"accessToken", "expiryTimeUtc", "refreshAfterTimeUtc", "tokenType": "Bearer"}}, times in
   * epoch seconds. Refresh after half the lifetime, so a client never presents one about to expire.
   */
  public JsonObject issue(String endpoint, String subject) {
    long now = System.currentTimeMillis() / 1000;
    long expiry = now + LIFETIME_SECONDS;
    String token = signer.generateToken(
        new JsonObject()
            .put(EndpointState.AML_TOKEN_USE_CLAIM, EndpointState.AML_TOKEN_USE_SCORE)
            .put("iat", now)
            .put("exp", expiry),
        new JWTOptions()
            .setAlgorithm(SigningKeys.ALGORITHM)
            .setIssuer(EndpointState.AML_TOKEN_ISSUER)
            .setAudience(List.of(endpoint))
            .setSubject(subject));
    return new JsonObject()
        .put("accessToken", token)
        .put("expiryTimeUtc", expiry)
        .put("refreshAfterTimeUtc", now + LIFETIME_SECONDS / 2)
        .put("tokenType", "Bearer");
  }
}
