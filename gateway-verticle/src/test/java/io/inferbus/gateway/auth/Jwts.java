package io.inferbus.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Real JWTs for tests: keys generated with java.security, tokens signed with the JDK only. */
final class Jwts {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {}

  static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    return gen.generateKeyPair();
  }

  /** An RSA key too short to be trusted. */
  static KeyPair rsa1024() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(1024);
    return gen.generateKeyPair();
  }

  /** An EC key pair on {@code curve} (secp256r1, secp384r1, secp521r1). */
  static KeyPair ec(String curve) throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec(curve));
    return gen.generateKeyPair();
  }

  /** The public key as a JWK with {@code kid}, {@code use: sig} and no {@code alg} (as many issuers publish). */
  static JsonObject jwk(PublicKey key, String kid) {
    JsonObject jwk = new JsonObject().put("kid", kid).put("use", "sig");
    if (key instanceof RSAPublicKey rsa) {
      return jwk.put("kty", "RSA").put("n", b64(unsigned(rsa.getModulus()))).put("e", b64(unsigned(rsa.getPublicExponent())));
    }
    ECPublicKey ec = (ECPublicKey) key;
    int bits = ec.getParams().getCurve().getField().getFieldSize();
    int size = (bits + 7) / 8;
    String crv = bits == 256 ? "P-256" : bits == 384 ? "P-384" : "P-521";
    return jwk.put("kty", "EC").put("crv", crv)
        .put("x", b64(fixed(ec.getW().getAffineX(), size))).put("y", b64(fixed(ec.getW().getAffineY(), size)));
  }

  static JsonObject jwks(JsonObject... keys) {
    JsonArray array = new JsonArray();
    for (JsonObject k : keys) {
      array.add(k);
    }
    return new JsonObject().put("keys", array);
  }

  /** Claims valid for an hour from now. */
  static JsonObject claims(String issuer, String audience, String subject) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("iss", issuer).put("aud", audience).put("sub", subject).put("iat", now)
        .put("nbf", now).put("exp", now + 3600);
  }

  static JsonObject withRoles(JsonObject claims, String... roles) {
    JsonArray r = new JsonArray();
    for (String role : roles) {
      r.add(role);
    }
    return claims.copy().put("roles", r);
  }

  /** A token signed with {@code alg} (RS*, PS*, ES*) by {@code key}; {@code kid} may be null. */
  static String sign(String alg, String kid, JsonObject claims, PrivateKey key) throws GeneralSecurityException {
    String input = b64json(header(alg, kid)) + "." + b64json(claims);
    Signature s = signature(alg);
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64URL.encodeToString(s.sign());
  }

  /** An HMAC token (HS256, HS384, HS512) whose secret is {@code secret}: what an attacker forges with a public key. */
  static String hmac(String alg, String kid, JsonObject claims, byte[] secret) throws GeneralSecurityException {
    String input = b64json(header(alg, kid)) + "." + b64json(claims);
    String mac = "Hmac" + alg.replace("HS", "SHA");
    Mac m = Mac.getInstance(mac);
    m.init(new SecretKeySpec(secret, mac));
    return input + "." + B64URL.encodeToString(m.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** {@code alg: none}, with an empty signature part. */
  static String unsigned(String kid, JsonObject claims) {
    return b64json(header("none", kid)) + "." + b64json(claims) + ".";
  }

  /** The token with its claims replaced, header and signature kept. */
  static String withClaims(String token, JsonObject claims) {
    String[] parts = token.split("\\.");
    return parts[0] + "." + b64json(claims) + "." + parts[2];
  }

  static JsonObject claimsOf(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static JsonObject header(String alg, String kid) {
    JsonObject h = new JsonObject().put("alg", alg).put("typ", "JWT");
    return kid == null ? h : h.put("kid", kid);
  }

  private static Signature signature(String alg) throws GeneralSecurityException {
    String bits = alg.substring(2);
    return switch (alg.substring(0, 2)) {
      case "RS" -> Signature.getInstance("SHA" + bits + "withRSA");
      case "ES" -> Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
      case "PS" -> {
        Signature s = Signature.getInstance("RSASSA-PSS");
        String digest = "SHA-" + bits;
        s.setParameter(new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest), Integer.parseInt(bits) / 8, 1));
        yield s;
      }
      default -> throw new IllegalArgumentException(alg);
    };
  }

  private static String b64json(JsonObject json) {
    return B64URL.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  static String b64(byte[] bytes) {
    return B64URL.encodeToString(bytes);
  }

  private static byte[] unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    return b[0] == 0 && b.length > 1 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static byte[] fixed(BigInteger n, int size) {
    byte[] b = unsigned(n);
    byte[] out = new byte[size];
    System.arraycopy(b, 0, out, size - b.length, b.length);
    return out;
  }
}
