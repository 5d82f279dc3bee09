package io.inferbus.protocol.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable replacement: the new content or the old, the requested mode, no temporary file left. */
class DurableFilesTest {
  @TempDir
  Path dir;

  private List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void createsAndReplacesWithoutLeavingTemporaryFiles() throws IOException {
    Path file = dir.resolve("client.json");
    DurableFiles.replace(file, "one".getBytes(StandardCharsets.UTF_8), false);
    DurableFiles.replace(file, "two".getBytes(StandardCharsets.UTF_8), false);
    assertEquals("two", Files.readString(file));
    assertEquals(List.of("client.json"), names());
  }

  @Test
  void aSecretIsOwnerOnly() throws IOException {
    Path file = dir.resolve("secrets").resolve("vault.key");
    DurableFiles.replace(file, new byte[] {1, 2, 3}, true);
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void aFailedReplacementKeepsTheOldContent() throws IOException {
    Path file = dir.resolve("target");
    DurableFiles.replace(file, "old".getBytes(StandardCharsets.UTF_8), false);
    Path notADirectory = file.resolve("child"); // its parent is a regular file
    assertThrows(IOException.class, () -> DurableFiles.replace(notADirectory, new byte[] {9}, false));
    assertEquals("old", Files.readString(file));
    assertEquals(List.of("target"), names());
  }
}
