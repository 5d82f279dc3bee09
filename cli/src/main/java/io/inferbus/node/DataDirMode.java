package io.inferbus.node;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory is its owner's alone: the directory and everything under it 0700 (directories)
 * and 0600 (files) — the store, keys, the cluster id, client.json with the admin token, logs. It
 * holds every secret of the node, and the cluster's name, which is what another local account
 * would need to join the cluster. The launcher also runs the node with {@code umask 077}, so what
 * it creates later is born owner-only; this sweep at start corrects a directory made by an earlier
 * version or by hand (and says so once).
 */
final class DataDirMode {
  private static final Logger LOG = LoggerFactory.getLogger(DataDirMode.class);
  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private DataDirMode() {}

  /** Creates the data directory if needed and makes it and its contents owner-only. */
  static void ownerOnly(Path dataDir) throws IOException {
    if (!Files.exists(dataDir)) {
      Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(DIRECTORY));
    }
    if (!Files.getFileStore(dataDir).supportsFileAttributeView("posix")) {
      return; // not a POSIX file system: nothing to set
    }
    int[] corrected = new int[1];
    Files.walkFileTree(dataDir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        corrected[0] += set(dir, DIRECTORY);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          corrected[0] += set(file, FILE);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    if (corrected[0] > 0) {
      LOG.info("made {} entries of the data directory {} owner-only (0700/0600)", corrected[0], dataDir);
    }
  }

  private static int set(Path path, Set<PosixFilePermission> mode) throws IOException {
    if (Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).equals(mode)) {
      return 0;
    }
    Files.setPosixFilePermissions(path, mode);
    return 1;
  }
}
