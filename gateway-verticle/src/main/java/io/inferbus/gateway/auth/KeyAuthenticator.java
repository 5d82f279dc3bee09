package io.inferbus.gateway.auth;

import io.inferbus.protocol.hashing.Sha256;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks a presented endpoint key against the endpoint's key hashes. Keys are long random strings,
 * so a plain SHA-256 is a sound hash here; comparison is constant-time.
 */
public final class KeyAuthenticator {
  private KeyAuthenticator() {}

  public static boolean matches(String presentedKey, List<String> keyHashes) {
    byte[] presented = Sha256.bytes(presentedKey);
    boolean match = false;
    for (String hash : keyHashes) {
      // no early exit: the time does not tell which key matched
      match |= MessageDigest.isEqual(presented, HexFormat.of().parseHex(hash));
    }
    return match;
  }
}
