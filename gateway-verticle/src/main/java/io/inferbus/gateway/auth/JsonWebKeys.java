package io.inferbus.gateway.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which keys of a JSON Web Key Set the gateway will verify signatures with, and with which
 * algorithms. Only asymmetric keys (RSA, EC) for the algorithms {@link #ALGORITHMS} are kept: an
 * {@code oct} (HMAC) key, an encryption key or an unknown key type in a JWKS is dropped, so no token
 * can be verified by a shared secret. Each key is checked with the JDK before it is kept, so a key
 * that Vert.x would skip (and a set left empty would make Vert.x accept unsigned tokens) never gets
 * that far.
 */
final class JsonWebKeys {
  /** The algorithms accepted: asymmetric only, never {@code none} or HMAC. */
  static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
      "ES256", "ES384", "ES512");
  private static final List<String> RSA_ALGORITHMS = List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512");
  private static final Map<String, String> EC_ALGORITHM_BY_CURVE = Map.of("P-256", "ES256", "P-384", "ES384",
      "P-521", "ES512");
  private static final Map<String, String> JDK_CURVE = Map.of("P-256", "secp256r1", "P-384", "secp384r1",
      "P-521", "secp521r1");
  /** Shorter RSA keys are factorable in practice. */
  private static final int MIN_RSA_BITS = 2048;

  private JsonWebKeys() {}

  /**
   * The usable keys of a JWKS document ({@code {"keys": [...]}}), each with the one algorithm it
   * verifies in {@code alg}: an RSA key without {@code alg} is kept once per RSA algorithm, an EC
   * key without {@code alg} for its curve's. Why each other key was dropped is added to {@code dropped}.
   */
  static List<JsonObject> usable(JsonObject jwks, List<String> dropped) {
    Object keys = jwks.getValue("keys");
    if (!(keys instanceof JsonArray array)) {
      throw new IllegalArgumentException("a JWKS is a JSON object with a \"keys\" array");
    }
    return usable(array.stream().filter(JsonObject.class::isInstance).map(JsonObject.class::cast).toList(), dropped);
  }

  static List<JsonObject> usable(List<JsonObject> keys, List<String> dropped) {
    List<JsonObject> out = new ArrayList<>();
    for (JsonObject key : keys) {
      String name = key.getValue("kid") instanceof String kid ? "key '" + kid + "'" : "a key without kid";
      try {
        for (String alg : algorithms(key)) {
          out.add(clean(key).put("alg", alg));
        }
      } catch (IllegalArgumentException | GeneralSecurityException e) {
        dropped.add(name + ": " + e.getMessage());
      }
    }
    return out;
  }

  /** The algorithms the key verifies; throws if it is not a usable asymmetric signing key. */
  private static List<String> algorithms(JsonObject key) throws GeneralSecurityException {
    Object use = key.getValue("use");
    if (use != null && !"sig".equals(use)) {
      throw new IllegalArgumentException("use is '" + use + "', not 'sig'");
    }
    Object alg = key.getValue("alg");
    if (alg != null && !ALGORITHMS.contains(alg)) {
      throw new IllegalArgumentException("alg '" + alg + "' is not accepted (only " + String.join(", ",
          ALGORITHMS.stream().sorted().toList()) + ")");
    }
    Object kty = key.getValue("kty");
    if ("RSA".equals(kty)) {
      BigInteger n = unsigned(key, "n");
      BigInteger e = unsigned(key, "e");
      RSAPublicKey rsa = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
      if (rsa.getModulus().bitLength() < MIN_RSA_BITS) {
        throw new IllegalArgumentException("an RSA key of " + rsa.getModulus().bitLength() + " bits is too short (at"
            + " least " + MIN_RSA_BITS + ")");
      }
      if (alg != null && !RSA_ALGORITHMS.contains(alg)) {
        throw new IllegalArgumentException("alg '" + alg + "' does not go with an RSA key");
      }
      return alg != null ? List.of((String) alg) : RSA_ALGORITHMS;
    }
    if ("EC".equals(kty)) {
      Object crv = key.getValue("crv");
      String curveAlg = EC_ALGORITHM_BY_CURVE.get(crv);
      if (curveAlg == null) {
        throw new IllegalArgumentException("curve '" + crv + "' is not accepted (P-256, P-384, P-521)");
      }
      if (alg != null && !alg.equals(curveAlg)) {
        throw new IllegalArgumentException("alg '" + alg + "' does not go with curve " + crv);
      }
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(JDK_CURVE.get(crv)));
      KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
          new ECPoint(unsigned(key, "x"), unsigned(key, "y")), params.getParameterSpec(ECParameterSpec.class)));
      return List.of(curveAlg);
    }
    throw new IllegalArgumentException("kty '" + kty + "' is not an asymmetric signing key (RSA, EC)");
  }

  /**
   * Only the members that say which public key this is. Certificate members ({@code x5c}...) are
   * left out: Vert.x would validate the certificate and silently skip the key when it fails, while
   * the key itself ({@code n}, {@code e} or {@code x}, {@code y}) is what signatures are checked with.
   */
  private static JsonObject clean(JsonObject key) {
    JsonObject out = new JsonObject();
    for (String member : List.of("kty", "kid", "use", "n", "e", "crv", "x", "y")) {
      if (key.getValue(member) != null) {
        out.put(member, key.getValue(member));
      }
    }
    return out;
  }

  private static BigInteger unsigned(JsonObject key, String member) {
    if (!(key.getValue(member) instanceof String s) || s.isEmpty()) {
      throw new IllegalArgumentException("member '" + member + "' is missing");
    }
    try {
      return new BigInteger(1, Base64.getUrlDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("member '" + member + "' is not base64url");
    }
  }
}
