package io.inferbus.controlplane.testing;

import com.hazelcast.core.HazelcastInstance;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh control plane ({@link ServiceFixture}) in its own data directory for every test, on one
 * real Hazelcast member per test class. Subclasses add their own {@code @BeforeEach} set-up, which
 * JUnit runs after this one's.
 */
public abstract class ControlPlaneTestBase {
  protected static HazelcastInstance hazelcast;

  @TempDir
  protected Path dataDir;
  protected ServiceFixture cp;

  @BeforeAll
  static void cluster() {
    hazelcast = ServiceFixture.hazelcast();
  }

  @AfterAll
  static void stopCluster() {
    hazelcast.shutdown();
  }

  @BeforeEach
  void startControlPlane() throws Exception {
    cp = ServiceFixture.start(dataDir, hazelcast);
  }

  @AfterEach
  void stopControlPlane() throws Exception {
    cp.close();
  }
}
