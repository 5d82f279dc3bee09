package io.inferbus.protocol.hashing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FIPS 180-2 vectors, text as UTF-8, files read in chunks, and no state left between calls. */
class Sha256Test {
  private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  /** "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" */
  private static final String TWO_BLOCKS = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
  /** A million times "a" (FIPS 180-2, appendix B.3): more than one read chunk. */
  private static final String MILLION_A = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

  @TempDir
  Path dir;

  @Test
  void knownVectors() {
    assertEquals(EMPTY, Sha256.hex(""));
    assertEquals(EMPTY, Sha256.hex(new byte[0]));
    assertEquals(ABC, Sha256.hex("abc"));
    assertEquals(ABC, Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(TWO_BLOCKS, Sha256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    assertArrayEquals(HexFormat.of().parseHex(ABC), Sha256.bytes("abc"));
    assertArrayEquals(HexFormat.of().parseHex(ABC), Sha256.bytes("abc".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void textIsHashedAsUtf8() {
    String text = "caf\u00e9 \u2603";
    assertEquals(Sha256.hex(text.getBytes(StandardCharsets.UTF_8)), Sha256.hex(text));
  }

  @Test
  void fileIsHashedInChunks() throws IOException {
    Path file = dir.resolve("model.onnx");
    Files.write(file, "a".repeat(1_000_000).getBytes(StandardCharsets.US_ASCII));
    assertEquals(MILLION_A, Sha256.hexOf(file));
    Path abc = dir.resolve("abc");
    Files.writeString(abc, "abc");
    assertEquals(ABC, Sha256.hexOf(abc));
    Files.write(abc, new byte[0]);
    assertEquals(EMPTY, Sha256.hexOf(abc));
  }

  @Test
  void aFailedReadLeavesNothingForTheNextHash() {
    assertThrows(NoSuchFileException.class, () -> Sha256.hexOf(dir.resolve("missing")));
    assertEquals(ABC, Sha256.hex("abc"));
  }

  @Test
  void threadsDoNotShareADigest() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            if (!ABC.equals(Sha256.hex("abc")) || !EMPTY.equals(Sha256.hex(""))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertEquals(true, result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
