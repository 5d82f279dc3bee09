package io.inferbus.controlplane.registry;

import io.inferbus.protocol.files.DurableFiles;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/** Model files, content-addressed by sha256, in the control plane's data directory. Blocking. */
public final class ModelBlobs {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private final Path dir;

  public ModelBlobs(Path dir) {
    this.dir = dir;
  }

  /** Where the blob with this hash lives, or null if the text is not a sha256. */
  public Path path(String sha256) {
    return SHA256.matcher(sha256).matches() ? dir.resolve(sha256 + ".onnx") : null;
  }

  /** Writes the bytes durably under their hash (no-op if present); returns the path. */
  public Path write(String sha256, Buffer bytes) throws IOException {
    Path file = path(sha256);
    if (Files.exists(file)) {
      return file;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, sha256, ".part");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(bytes.getBytes());
        while (data.hasRemaining()) {
          ch.write(data);
        }
      }
      DurableFiles.moveIntoPlace(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return file;
  }

  /** A temporary file with the bytes, for inspection before they are accepted. */
  public Path writeTemporary(Buffer bytes) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "upload", ".onnx");
    Files.write(tmp, bytes.getBytes());
    return tmp;
  }
}
