package io.inferbus.controlplane.api;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One control plane (a {@link TestControlPlane} on a Hazelcast member of its own) for the management
 * API's test classes here: started by the first class that needs it, stopped after the last test of
 * the run. Starting one takes seconds on a loaded machine, and each class works on resources of its
 * own names, so they share it. A class extended with this finds it in {@link #cp} from its
 * {@code @BeforeAll} on.
 */
final class SharedControlPlane implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedControlPlane.class);
  private static volatile Running running;

  /** The shared control plane. */
  static TestControlPlane cp() {
    if (running == null) {
      throw new IllegalStateException("extend the test class with SharedControlPlane");
    }
    return running.cp;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    running = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("control-plane", k -> start(),
        Running.class);
  }

  private static Running start() {
    try {
      Path dataDir = Files.createTempDirectory("management-api-test");
      HazelcastInstance hazelcast = TestCluster.member();
      return new Running(dataDir, hazelcast, TestControlPlane.start(dataDir, hazelcast));
    } catch (Exception e) {
      throw new IllegalStateException("the control plane did not start", e);
    }
  }

  private record Running(Path dataDir, HazelcastInstance hazelcast, TestControlPlane cp)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws Throwable {
      try {
        cp.close();
      } finally {
        hazelcast.shutdown();
        running = null;
        deleteTree(dataDir);
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        Files.delete(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
