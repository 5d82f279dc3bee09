package io.inferbus.protocol.hashing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one hash of the project: model blobs are named by it, endpoint keys and legacy tokens
 * are known by it, certificates and signing keys are identified by it.
 */
public final class Sha256 {
  /**
   * One digest per thread, reset by every {@code digest()}: looking SHA-256 up in the security
   * providers for each call (a reflective construction) was a twentieth of the gateway's garbage when
   * it hashed every presented key that way.
   */
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  });

  private Sha256() {}

  public static byte[] bytes(byte[] data) {
    return DIGEST.get().digest(data);
  }

  /** The hash of the text's UTF-8 bytes. */
  public static byte[] bytes(String text) {
    return bytes(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Lower-case hex, 64 characters. */
  public static String hex(byte[] data) {
    return HexFormat.of().formatHex(bytes(data));
  }

  /** Lower-case hex of the text's UTF-8 bytes. */
  public static String hex(String text) {
    return HexFormat.of().formatHex(bytes(text));
  }

  /** Lower-case hex of a file's content, read in chunks (model files do not fit a byte array). */
  public static String hexOf(Path file) throws IOException {
    MessageDigest digest = DIGEST.get();
    digest.reset(); // a read that failed half-way on this thread may have left its part behind
    try (InputStream in = Files.newInputStream(file)) {
      byte[] chunk = new byte[64 * 1024];
      for (int n; (n = in.read(chunk)) >= 0; ) {
        digest.update(chunk, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
