package io.inferbus.protocol.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files that must survive a crash or a power cut whole or not at all (keys, certificates, model
 * blobs, client.json): written to a temporary file in the same directory, forced to disk, renamed
 * over the target in one step, and the directory forced too, so that the rename itself is durable.
 * A reader sees the old content or the new, never a part; no temporary file is left behind.
 */
public final class DurableFiles {
  private DurableFiles() {}

  /** Replaces {@code file} with {@code content}; {@code ownerOnly}: mode 0600 from the first byte. */
  public static void replace(Path file, byte[] content, boolean ownerOnly) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = ownerOnly
        ? Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer data = ByteBuffer.wrap(content);
        while (data.hasRemaining()) {
          ch.write(data);
        }
      }
      moveIntoPlace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Moves a completely written temporary file (in the target's directory) over {@code file}: forces
   * its content to disk, renames it in one step, forces the directory.
   */
  public static void moveIntoPlace(Path tmp, Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory(file.toAbsolutePath().getParent());
  }

  /** Forces a directory's entries (a rename, a new file) to disk. */
  public static void forceDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
