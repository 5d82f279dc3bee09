package io.inferbus.controlplane.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyVaultTest {
  @TempDir
  Path dataDir;

  private Path keyFile() {
    return dataDir.resolve("secrets").resolve("vault.key");
  }

  @Test
  void encryptThenDecryptGivesBackThePlaintext() throws Exception {
    KeyVault vault = KeyVault.open(keyFile());
    for (String plain : new String[] {"", "k", KeyVault.newEndpointKey(), "unicode é ✓ 🔑", "x".repeat(10_000)}) {
      String sealed = vault.encrypt(plain);
      assertEquals(plain, vault.decrypt(sealed));
    }
  }

  @Test
  void theSamePlaintextEncryptsDifferentlyEachTime() throws Exception {
    KeyVault vault = KeyVault.open(keyFile());
    String a = vault.encrypt("secret");
    String b = vault.encrypt("secret");
    assertNotEquals(a, b, "a random IV per encryption");
    assertEquals("secret", vault.decrypt(a));
    assertEquals("secret", vault.decrypt(b));
  }

  @Test
  void keyFileIsCreatedOwnerOnlyWithAMissingParentDirectory() throws Exception {
    assertFalse(Files.exists(keyFile().getParent()));
    KeyVault.open(keyFile());
    assertTrue(Files.isRegularFile(keyFile()));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile())));
    byte[] key = Base64.getDecoder().decode(Files.readString(keyFile()).trim());
    assertEquals(32, key.length, "an AES-256 key");
    try (var left = Files.list(keyFile().getParent())) {
      assertEquals(1, left.count(), "no temporary file is left behind");
    }
  }

  @Test
  void keyFileIsReusedOnReopenSoEarlierCiphertextsStillDecrypt() throws Exception {
    String sealed = KeyVault.open(keyFile()).encrypt("primary-key-value");
    String keyBefore = Files.readString(keyFile());

    KeyVault reopened = KeyVault.open(keyFile());

    assertEquals(keyBefore, Files.readString(keyFile()), "the key file must not be rewritten");
    assertEquals("primary-key-value", reopened.decrypt(sealed));
  }

  @Test
  void anotherDataDirectorysVaultCannotDecrypt() throws Exception {
    String sealed = KeyVault.open(keyFile()).encrypt("secret");
    KeyVault other = KeyVault.open(dataDir.resolve("other").resolve("vault.key"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.decrypt(sealed));
    assertTrue(e.getMessage().contains("does not decrypt"), e.getMessage());
  }

  @Test
  void everySingleByteTamperingIsDetected() throws Exception {
    KeyVault vault = KeyVault.open(keyFile());
    byte[] sealed = Base64.getDecoder().decode(vault.encrypt("endpoint key"));
    // IV (0-11), ciphertext, and the GCM tag at the end: any flipped byte must be refused.
    for (int i = 0; i < sealed.length; i++) {
      byte[] tampered = sealed.clone();
      tampered[i] ^= 0x01;
      String text = Base64.getEncoder().encodeToString(tampered);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> vault.decrypt(text),
          "byte " + i + " flipped");
      assertTrue(e.getMessage().contains("does not decrypt with this data directory's vault key"), e.getMessage());
    }
  }

  @Test
  void truncatedOrNonBase64CiphertextFailsWithTheSameClearException() throws Exception {
    KeyVault vault = KeyVault.open(keyFile());
    byte[] sealed = Base64.getDecoder().decode(vault.encrypt("endpoint key"));
    for (String bad : new String[] {
        Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(sealed, sealed.length - 1)),
        Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(sealed, 5)),
        "",
        "not base64 at all!"}) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> vault.decrypt(bad),
          "'" + bad + "' must be refused as a bad secret");
      assertTrue(e.getMessage().contains("does not decrypt"), e.getMessage());
    }
  }

  @Test
  void aCorruptKeyFileIsRefusedOnOpenNamingTheFile() throws Exception {
    Files.createDirectories(keyFile().getParent());
    Files.writeString(keyFile(), Base64.getEncoder().encodeToString(new byte[7]));
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> KeyVault.open(keyFile()));
    assertTrue(e.getMessage().contains(keyFile().toString()), e.getMessage());
  }

  @Test
  void newEndpointKeyIs43Base64UrlCharactersAndDiffersEachCall() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String k = KeyVault.newEndpointKey();
      assertEquals(43, k.length(), k);
      assertTrue(k.matches("[A-Za-z0-9_-]{43}"), "base64url without padding: " + k);
      assertEquals(32, Base64.getUrlDecoder().decode(k).length);
      assertTrue(seen.add(k), "a repeated key: " + k);
    }
  }
}
