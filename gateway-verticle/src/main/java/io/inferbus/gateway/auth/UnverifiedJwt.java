package io.inferbus.gateway.auth;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A JWT's header and claims as sent, before any signature check: read to choose how to verify it
 * (which issuer, which key) and to tell a caller what is wrong, never to grant anything.
 */
record UnverifiedJwt(JsonObject header, JsonObject claims) {

  /** The token's parts, or null when it is not a signed compact JWT (three base64url parts). */
  static UnverifiedJwt peek(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || second == first + 1 || token.indexOf('.', second + 1) >= 0
        || second == token.length() - 1) {
      return null;
    }
    try {
      JsonObject header = decode(token.substring(0, first));
      JsonObject claims = decode(token.substring(first + 1, second));
      return header.getValue("alg") instanceof String ? new UnverifiedJwt(header, claims) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  String algorithm() {
    return header.getString("alg");
  }

  /** The {@code kid} header, or null. */
  String keyId() {
    return header.getValue("kid") instanceof String s ? s : null;
  }

  /** The {@code iss} claim, or null. */
  String issuer() {
    return claims.getValue("iss") instanceof String s ? s : null;
  }

  private static JsonObject decode(String part) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
  }
}
