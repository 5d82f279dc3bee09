package io.inferbus.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks a presented endpoint key against the endpoint's key hashes. Keys are long random strings,
 * so a plain SHA-256 is a sound hash here; comparison is constant-time.
 */
public final class KeyAuthenticator {
  /**
   * One digest per thread, reset by every {@code digest()}: looking SHA-256 up in the security
   * providers for each request (a reflective construction) was a twentieth of the gateway's garbage.
   */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  });

  private KeyAuthenticator() {}

  public static boolean matches(String presentedKey, List<String> keyHashes) {
    byte[] presented = sha256(presentedKey);
    boolean match = false;
    for (String hash : keyHashes) {
      // no early exit: the time does not tell which key matched
      match |= MessageDigest.isEqual(presented, HexFormat.of().parseHex(hash));
    }
    return match;
  }

  public static byte[] sha256(String value) {
    return SHA256.get().digest(value.getBytes(StandardCharsets.UTF_8));
  }
}
