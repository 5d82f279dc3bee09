package io.inferbus.controlplane.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {
  @TempDir
  Path dataDir;

  private Path secrets() {
    return dataDir.resolve("secrets");
  }

  @Test
  void generatedOnFirstLoadAsPemFilesOfAMatchingP256Pair() throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(secrets());

    assertEquals(keys.privateKeyPem(), Files.readString(secrets().resolve(SigningKeys.PRIVATE_FILE)));
    assertEquals(keys.publicKeyPem(), Files.readString(secrets().resolve(SigningKeys.PUBLIC_FILE)));
    assertTrue(keys.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----\n"), keys.privateKeyPem());
    assertTrue(keys.privateKeyPem().endsWith("-----END PRIVATE KEY-----\n"));
    assertTrue(keys.publicKeyPem().startsWith("-----BEGIN PUBLIC KEY-----\n"), keys.publicKeyPem());

    ECPrivateKey priv = TestTokens.privateKey(keys.privateKeyPem());
    ECPublicKey pub = (ECPublicKey) KeyFactory.getInstance("EC")
        .generatePublic(new X509EncodedKeySpec(TestTokens.pemDer(keys.publicKeyPem())));
    assertEquals(256, pub.getParams().getCurve().getField().getFieldSize(), "P-256 for ES256");

    byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(priv);
    signer.update(data);
    byte[] sig = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(pub);
    verifier.update(data);
    assertTrue(verifier.verify(sig), "the public file belongs to the private file");
  }

  @Test
  void secondLoadReusesTheSameKeys() throws Exception {
    SigningKeys first = SigningKeys.loadOrCreate(secrets());
    SigningKeys second = SigningKeys.loadOrCreate(secrets());
    assertEquals(first.privateKeyPem(), second.privateKeyPem());
    assertEquals(first.publicKeyPem(), second.publicKeyPem());
  }

  @Test
  void twoDataDirectoriesGetDifferentKeys() throws Exception {
    SigningKeys a = SigningKeys.loadOrCreate(dataDir.resolve("a"));
    SigningKeys b = SigningKeys.loadOrCreate(dataDir.resolve("b"));
    assertTrue(!a.privateKeyPem().equals(b.privateKeyPem()) && !a.publicKeyPem().equals(b.publicKeyPem()));
  }

  @Test
  void privateKeyFileIsOwnerOnlyAndNoTemporaryFileIsLeft() throws Exception {
    SigningKeys.loadOrCreate(secrets());
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(secrets().resolve(SigningKeys.PRIVATE_FILE))));
    try (var files = Files.list(secrets())) {
      assertEquals(java.util.Set.of(SigningKeys.PRIVATE_FILE, SigningKeys.PUBLIC_FILE),
          files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
    }
  }

  @Test
  void pemWrapsBase64At64Columns() {
    byte[] der = new byte[100];
    for (int i = 0; i < der.length; i++) {
      der[i] = (byte) i;
    }
    String pem = SigningKeys.pem("PUBLIC KEY", der);
    String[] lines = pem.split("\n");
    assertEquals("-----BEGIN PUBLIC KEY-----", lines[0]);
    assertEquals("-----END PUBLIC KEY-----", lines[lines.length - 1]);
    for (int i = 1; i < lines.length - 1; i++) {
      assertTrue(lines[i].length() <= 64, lines[i]);
    }
    assertEquals(java.util.Arrays.toString(der), java.util.Arrays.toString(TestTokens.pemDer(pem)));
  }
}
