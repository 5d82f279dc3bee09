package io.inferbus.controlplane.store;

import io.inferbus.protocol.files.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets the store must be able to give back (endpoint keys, which operators read with
 * {@code get-credentials}) with AES-256-GCM under a key kept in the data directory's secrets folder.
 * The cluster only ever sees SHA-256 hashes of endpoint keys.
 */
public final class KeyVault {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKeySpec key;

  private KeyVault(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** Loads the vault key from {@code file}, creating it (owner-only) on first use. */
  public static KeyVault open(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] k = new byte[32];
      RANDOM.nextBytes(k);
      DurableFiles.replace(file, Base64.getEncoder().encode(k), true);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(Files.readString(file).trim());
    } catch (IllegalArgumentException e) {
      key = new byte[0];
    }
    if (key.length != 32) {
      throw new IOException("the vault key file " + file + " is not a base64 AES-256 key (32 bytes); "
          + "restore it from a backup: without it, stored endpoint keys cannot be read");
    }
    return new KeyVault(key);
  }

  public String encrypt(String plain) {
    try {
      byte[] iv = new byte[12];
      RANDOM.nextBytes(iv);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[iv.length + sealed.length];
      System.arraycopy(iv, 0, out, 0, iv.length);
      System.arraycopy(sealed, 0, out, iv.length, sealed.length);
      return Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  public String decrypt(String sealedText) {
    try {
      byte[] in = Base64.getDecoder().decode(sealedText);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
      return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // IllegalArgumentException: not base64, or shorter than the IV
      throw new IllegalStateException("a stored secret does not decrypt with this data directory's vault key", e);
    }
  }

  /** A new endpoint key: 32 random bytes, base64url. */
  public static String newEndpointKey() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(k);
  }
}
