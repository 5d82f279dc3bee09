package io.inferbus.controlplane.auth;

import io.inferbus.protocol.files.DurableFiles;
import io.inferbus.protocol.hashing.Sha256;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The cluster's token-signing key pair (ECDSA P-256, for ES256 JWTs): the admin token and the
 * {@code aml_token} endpoint tokens are signed with it. Generated on first start into the data
 * directory as PEM (private key PKCS#8, owner-only), reused after. Gateways get only the public half,
 * as a JWK ({@link #publicJwk()}) in the endpoint table.
 */
public record SigningKeys(String privateKeyPem, String publicKeyPem) {
  public static final String ALGORITHM = "ES256";
  public static final String PRIVATE_FILE = "signing-key.pem";
  public static final String PUBLIC_FILE = "signing-public.pem";

  public static SigningKeys loadOrCreate(Path secretsDir) throws IOException {
    Path priv = secretsDir.resolve(PRIVATE_FILE);
    Path pub = secretsDir.resolve(PUBLIC_FILE);
    if (!Files.exists(priv) || !Files.exists(pub)) {
      Files.createDirectories(secretsDir);
      KeyPair pair;
      try {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        pair = gen.generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("EC P-256 is part of every JDK", e);
      }
      writeOwnerOnly(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
      writeOwnerOnly(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    }
    return new SigningKeys(Files.readString(priv), Files.readString(pub));
  }

  /**
   * The public key as a JSON Web Key (RFC 7517) for ES256 signatures, with its RFC 7638 thumbprint as
   * {@code kid}: the same key always has the same id, on every control plane that loads it.
   */
  public JsonObject publicJwk() {
    ECPublicKey key = publicKey();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String x = b64.encodeToString(unsigned32(key.getW().getAffineX().toByteArray()));
    String y = b64.encodeToString(unsigned32(key.getW().getAffineY().toByteArray()));
    // the thumbprint hashes the required members in lexicographic order, without whitespace
    String thumbprintInput = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
    String kid = b64.encodeToString(Sha256.bytes(thumbprintInput));
    return new JsonObject().put("kty", "EC").put("crv", "P-256").put("x", x).put("y", y)
        .put("alg", ALGORITHM).put("use", "sig").put("kid", kid);
  }

  /** The {@code kid} of {@link #publicJwk()}. */
  public String keyId() {
    return publicJwk().getString("kid");
  }

  private ECPublicKey publicKey() {
    String base64 = publicKeyPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      return (ECPublicKey) KeyFactory.getInstance("EC")
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the signing public key is not an EC key: " + e.getMessage(), e);
    }
  }

  /** A P-256 coordinate as exactly 32 big-endian bytes (BigInteger adds a sign byte or drops leading zeros). */
  private static byte[] unsigned32(byte[] twosComplement) {
    byte[] out = new byte[32];
    int n = Math.min(32, twosComplement.length);
    System.arraycopy(twosComplement, twosComplement.length - n, out, 32 - n, n);
    return out;
  }

  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void writeOwnerOnly(Path file, String content) throws IOException {
    DurableFiles.replace(file, content.getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
  }
}
