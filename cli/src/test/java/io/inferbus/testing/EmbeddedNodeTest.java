package io.inferbus.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One embedded node ({@code inferbus start} in this JVM: every role, the example endpoint) in its
 * own data directory, shared by the tests of a class. Subclasses' {@code @BeforeAll} methods run
 * after the node started, their {@code @AfterAll} methods before it stops.
 */
public abstract class EmbeddedNodeTest {
  @TempDir
  protected static Path dataDir;
  protected static TestNode node;

  @BeforeAll
  static void startNode() throws Exception {
    node = TestNode.start(dataDir);
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
      node = null;
    }
  }
}
