package io.inferbus.cli;

import io.inferbus.node.NodeConfig;
import io.inferbus.node.Role;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code inferbus node}: one node of a larger cluster, running the roles it is given. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Start a node with some roles and join a cluster with --join (the join.json a control-plane "
        + "node writes).")
final class NodeCommand implements Callable<Integer> {
  @Mixin
  ServerOptions server;

  @Option(names = "--roles", paramLabel = "ROLE[,ROLE...]", required = true,
      description = "Roles to run: gateway, deployment, control-plane.")
  String roles;

  @Option(names = "--join", paramLabel = "JOIN_JSON", defaultValue = "${env:INFERBUS_JOIN}",
      description = "The join file of the cluster to join (a control-plane node writes <data-dir>/join.json; "
          + "`inferbus cluster add-node NAME` writes one per node). Not needed on the control-plane node.")
  java.nio.file.Path join;

  @Override
  public Integer call() throws Exception {
    server.check();
    NodeConfig config = server.configure(NodeConfig.builder(Role.parse(roles), server.dataDir))
        .joinFile(join)
        .build();
    return NodeRunner.run(config, false) ? 0 : 1;
  }
}
