package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ports.json left by an earlier run (killed, say) names dead ports: a starting node removes it at
 * once, so a script waiting for the file never reads another run's ports. Shown with a start that
 * fails (its gateway port is taken): no ports.json is left behind.
 */
class StalePortsFileTest {
  @TempDir
  Path dataDir;

  @Test
  void aStartingNodeRemovesAnEarlierRunsPortsFile() throws Exception {
    Path ports = dataDir.resolve(InferbusNode.PORTS_FILE);
    Files.writeString(ports, "{\"gateway\": 1, \"control\": 2, \"management\": 3, \"node_id\": \"a dead run\"}");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThrows(ExecutionException.class, () -> InferbusNode.start(
              NodeConfig.embedded(dataDir, taken.getLocalPort(), 0, 0))
          .toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES));
    }
    assertFalse(Files.exists(ports), "the dead run's ports.json is still there");
  }
}
