package io.inferbus.cli;

import io.inferbus.node.InferbusNode;
import io.inferbus.node.NodeConfig;
import io.inferbus.node.Role;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code inferbus start}: the embedded default, every role in one JVM, serving the example endpoint. */
@Command(name = "start", mixinStandardHelpOptions = true,
    description = "Start Inferbus on this machine: gateway, deployment and control plane in one process, "
        + "a single-member cluster of its own. On first start it serves the example endpoint 'credit'.")
final class StartCommand implements Callable<Integer> {
  @Mixin
  ServerOptions server;

  @Override
  public Integer call() throws Exception {
    server.check();
    NodeConfig config = server.configure(NodeConfig.builder(EnumSet.allOf(Role.class), server.dataDir))
        .embedded(server.clusterConfig == null)
        .seedExample(true)
        .build();
    return NodeRunner.run(config, true) ? 0 : 1;
  }
}
