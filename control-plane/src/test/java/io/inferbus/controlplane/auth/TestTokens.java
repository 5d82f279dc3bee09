package io.inferbus.controlplane.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Hand-made JWTs for tests: header and payload as base64url JSON, signed with the JDK only. */
final class TestTokens {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private TestTokens() {}

  static byte[] pemDer(String pem) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  static ECPrivateKey privateKey(String pem) throws GeneralSecurityException {
    return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pemDer(pem)));
  }

  static String b64(JsonObject json) {
    return B64URL.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  static JsonObject header(String alg) {
    return new JsonObject().put("alg", alg).put("typ", "JWT");
  }

  /** The claims a valid operator token carries, valid for an hour from now. */
  static JsonObject claims(String subject, String... roles) {
    long now = System.currentTimeMillis() / 1000;
    JsonArray r = new JsonArray();
    for (String role : roles) {
      r.add(role);
    }
    return new JsonObject()
        .put("iss", OperatorAuth.ISSUER)
        .put("aud", new JsonArray().add(OperatorAuth.AUDIENCE))
        .put("sub", subject)
        .put("iat", now)
        .put("exp", now + 3600)
        .put("roles", r);
  }

  /** An ES256 token signed by {@code key}, the signature in JOSE (IEEE P1363, r||s) form. */
  static String es256(JsonObject claims, PrivateKey key) throws GeneralSecurityException {
    String signingInput = b64(header("ES256")) + "." + b64(claims);
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(key);
    s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + B64URL.encodeToString(s.sign());
  }

  /** An HS256 token whose HMAC secret is {@code secret}. */
  static String hs256(JsonObject claims, byte[] secret) throws GeneralSecurityException {
    String signingInput = b64(header("HS256")) + "." + b64(claims);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return signingInput + "." + B64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  /** An unsigned token: {@code alg: none} and an empty signature. */
  static String unsigned(JsonObject claims) {
    return b64(header("none")) + "." + b64(claims) + ".";
  }

  static JsonObject payloadOf(String token) {
    String[] parts = token.split("\\.");
    return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
  }

  static JsonObject headerOf(String token) {
    String[] parts = token.split("\\.");
    return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
  }
}
