package io.inferbus.controlplane.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * The cluster's token-signing key pair (ECDSA P-256, for ES256 JWTs): the admin token and, later,
 * {@code aml_token} endpoint tokens are signed with it. Generated on first start into the data
 * directory as PEM (private key PKCS#8, owner-only), reused after.
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

  public static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void writeOwnerOnly(Path file, String content) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
