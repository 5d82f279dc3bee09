package io.inferbus.cli;

import io.inferbus.node.InferbusNode;
import io.inferbus.node.NodeConfig;
import io.inferbus.node.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs a node in the foreground until SIGTERM or SIGINT, then stops it cleanly (in-flight requests
 * finish, the store closes) and exits 0.
 */
final class NodeRunner {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRunner.class);
  private static final long STOP_TIMEOUT_SECONDS = 30;

  private NodeRunner() {}

  /** Starts the node; returns false if it could not start. On success, the JVM exits on a signal. */
  static boolean run(NodeConfig config, boolean printWelcome) throws Exception {
    InferbusNode node;
    try {
      node = InferbusNode.start(config).toCompletionStage().toCompletableFuture().get(10, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      LOG.error("Inferbus could not start: {}", cause.getMessage(), cause instanceof java.io.IOException ? null : cause);
      return false;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable shutdown = () -> {
      LOG.info("stopping");
      try {
        node.stopAndWait(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        LOG.info("stopped");
      } catch (Exception e) {
        LOG.error("clean stop failed: {}", e.toString());
        Runtime.getRuntime().halt(1);
      }
      stopped.countDown();
      System.exit(0);
    };
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), sig -> new Thread(shutdown, "inferbus-shutdown").start());
    }
    Main.serving = true;
    if (printWelcome) {
      printWelcome(config, node);
    } else {
      LOG.info("node {} serving", node.nodeId());
    }
    return true;
  }

  /**
   * What a person starting the node needs next. The example's key is not printed: terminals are
   * logged and shared; the CLI reads it with the admin credentials in client.json.
   */
  private static void printWelcome(NodeConfig config, InferbusNode node) throws Exception {
    String endpoint = "credit";
    boolean example = false;
    if (config.runs(Role.CONTROL_PLANE)) {
      try {
        node.exampleKey(endpoint).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        example = true;
      } catch (Exception e) {
        example = false; // the example endpoint was deleted: nothing to show
      }
    }
    Path dataDir = config.dataDir().toAbsolutePath();
    Path sample = Path.of("examples/credit-scoring/sample-request.json").toAbsolutePath();
    String scoring = node.scoringBaseUrl() + "/endpoints/" + endpoint + "/score";
    StringBuilder out = new StringBuilder();
    out.append("\nInferbus is serving.\n")
        .append("  scoring URL:    ").append(scoring).append('\n')
        .append("  control plane:  ").append(node.controlPlaneUrl()).append('\n')
        .append("  client config:  ").append(dataDir.resolve(InferbusNode.CLIENT_FILE)).append('\n')
        .append("  health/metrics: http://").append(config.managementHost()).append(':').append(node.managementPort())
        .append("/health/ready\n");
    if (example) {
      String request = Files.exists(sample) ? sample.toString() : "<request.json>";
      out.append("\nScore the example endpoint '").append(endpoint).append("':\n")
          .append("  ./inferbus online-endpoint invoke --name ").append(endpoint).append(" --request-file ")
          .append(request).append('\n')
          .append("Its key, for any HTTPS client (curl --cacert ").append(node.caFile()).append("):\n")
          .append("  ./inferbus online-endpoint get-credentials --name ").append(endpoint).append('\n');
    }
    out.append("\nCtrl-C stops it.\n");
    System.out.print(out);
    System.out.flush();
  }
}
