package io.inferbus.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Set;

/**
 * A token whose signature, issuer, audience (where one is configured) and validity period have
 * been checked, with the claims authorization looks at already extracted.
 *
 * @param claims the token's claims
 * @param expiresAt its {@code exp}, epoch seconds
 * @param audiences its {@code aud} (a string or an array in the token)
 * @param roles its {@code roles} (a string or an array in the token)
 */
public record VerifiedToken(JsonObject claims, long expiresAt, Set<String> audiences, Set<String> roles) {

  static VerifiedToken of(JsonObject claims) {
    return new VerifiedToken(claims, ((Number) claims.getValue("exp")).longValue(), strings(claims.getValue("aud")),
        strings(claims.getValue("roles")));
  }

  public String subject() {
    return claims.getValue("sub") instanceof String s ? s : null;
  }

  private static Set<String> strings(Object value) {
    Set<String> out = new HashSet<>();
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof JsonArray a) {
      for (Object o : a) {
        if (o instanceof String s) {
          out.add(s);
        }
      }
    }
    return Set.copyOf(out);
  }
}
