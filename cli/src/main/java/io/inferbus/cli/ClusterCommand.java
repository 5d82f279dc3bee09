package io.inferbus.cli;

import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.OperatorCommand;
import io.inferbus.cli.operator.Terminal;
import io.inferbus.controlplane.store.Store;
import io.inferbus.node.cluster.FounderCredentials;
import io.inferbus.node.cluster.JoinFile;
import io.inferbus.protocol.cluster.ClusterCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code inferbus cluster ...}: credentials for the nodes of a cluster, on the control-plane node. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Manage the cluster's node credentials (run on the control-plane node, with its data dir).",
    footer = {"", "Examples:", "  inferbus cluster add-node worker-1 --host 10.0.0.12",
        "  inferbus cluster remove-node worker-1 --yes"})
final class ClusterCommand {
  /** The subcommands (built only when named: see CommandTree). */
  static final List<Class<?>> SUBCOMMANDS = List.of(AddNode.class, RemoveNode.class);

  @Command(name = "add-node", mixinStandardHelpOptions = true,
      description = "Write a join file for one more node: the cluster's name and members, the cluster CA, and a "
          + "credential of its own for the event bus. Copy it to the node and start it with "
          + "`inferbus node --roles ... --join FILE`.",
      footer = {"", "Example:", "  inferbus cluster add-node worker-1 --host 10.0.0.12 --file /tmp/worker-1.json"})
  static final class AddNode implements Callable<Integer> {
    private static final String NAME = "[a-z0-9][a-z0-9-]{0,62}";

    @Parameters(paramLabel = "NAME", description = "The node's name (lower-case letters, digits and '-'), in its "
        + "certificate.")
    String name;

    @Option(names = "--host", paramLabel = "HOST", description = "A host name or address the node is reached at "
        + "(repeatable; loopback is always included).")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--roles", paramLabel = "ROLES", defaultValue = "gateway,deployment",
        description = "The roles the node may run, comma-separated, in its certificate (default: ${DEFAULT-VALUE}); "
            + "a second control plane needs control-plane here, as only such a credential may sign the control "
            + "plane's records.")
    String roles;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:INFERBUS_DATA_DIR:-.inferbus-data}",
        description = "The control-plane node's data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--file", paramLabel = "FILE", description = "Where to write it (default: "
        + "<data-dir>/join-NAME.json); written owner-only, as it lets its holder join the cluster.")
    Path file;

    @Option(names = "--ca-key", paramLabel = "FILE", description = "The cluster CA's key, if moved off the node "
        + "(default: <data-dir>/cluster/ca-key.pem); an encrypted one takes its passphrase from "
        + "INFERBUS_CA_PASSPHRASE.")
    Path caKey;

    @Override
    public Integer call() throws Exception {
      if (!name.matches(NAME)) {
        System.err.println("inferbus: node name '" + name + "' must be 1-63 of a-z, 0-9 and '-', starting with a"
            + " letter or digit");
        return 2;
      }
      java.util.Set<io.inferbus.node.Role> parsedRoles;
      try {
        parsedRoles = io.inferbus.node.Role.parse(roles);
      } catch (IllegalArgumentException e) {
        System.err.println("inferbus: --roles: " + e.getMessage());
        return 2;
      }
      Path caDir = dataDir.resolve(ClusterCa.DIR);
      Path founder = dataDir.resolve(JoinFile.FILE_NAME);
      if (!Files.exists(caDir.resolve(ClusterCa.CA_CERT)) || !Files.exists(founder)) {
        System.err.println("inferbus: no cluster CA and join.json in " + dataDir.toAbsolutePath() + ": run this on the"
            + " control-plane node, with its --data-dir, after it has started once");
        return 1;
      }
      if (removed(name)) {
        System.err.println("inferbus: node '" + name + "' was removed from the cluster (inferbus cluster remove-node):"
            + " its name stays refused; give the node a new name");
        return 1;
      }
      JoinFile cluster = JoinFile.read(founder);
      ClusterCa ca;
      try {
        ca = ClusterCa.load(Files.readString(caDir.resolve(ClusterCa.CA_CERT)),
            caKey != null ? caKey : caDir.resolve(ClusterCa.CA_KEY), FounderCredentials.passphraseFromEnvironment());
      } catch (java.io.IOException e) {
        System.err.println("inferbus: " + e.getMessage());
        return 1;
      }
      JoinFile join = new JoinFile(cluster.clusterName(), cluster.members(), cluster.caPem(),
          ca.issue(name, hosts, io.inferbus.node.Role.names(parsedRoles)));
      Path out = file != null ? file : dataDir.resolve("join-" + name + ".json");
      join.write(out);
      System.out.println(out.toAbsolutePath());
      return 0;
    }

    /** Whether the control plane's store lists {@code name} among the removed nodes. */
    private boolean removed(String name) throws Exception {
      if (!Files.exists(dataDir.resolve(Store.FILE_NAME))) {
        return false;
      }
      Store store = Store.open(dataDir);
      try {
        return store.get(Store.Table.REMOVED_NODES, name).isPresent();
      } finally {
        store.close();
      }
    }
  }

  @Command(name = "remove-node", mixinStandardHelpOptions = true,
      description = {"Remove a node's credential from the cluster: from now on every node refuses what it publishes, "
          + "so it gets no placement and no scoring traffic, and its instances are placed elsewhere. The name stays "
          + "refused (asks first unless --yes). Stop the node's process too: it still holds a certificate of the "
          + "cluster CA, which nodes started before the removal accept on the event bus."},
      footer = {"", "Example:", "  inferbus cluster remove-node worker-1 --yes"})
  static final class RemoveNode extends OperatorCommand {
    @Parameters(paramLabel = "NAME", description = "The node's credential name: the NAME given to add-node "
        + "(`name` in GET /nodes).")
    String name;

    @Option(names = {"-y", "--yes"}, description = "Do not prompt for confirmation.")
    boolean yes;

    @Override
    protected void execute() {
      if (!name.matches(AddNode.NAME)) {
        throw CliException.usage("node name '" + name + "' must be 1-63 of a-z, 0-9 and '-', starting with a letter"
            + " or digit");
      }
      Terminal.confirm("Are you sure you want to perform this operation?", yes);
      print(client().delete("/cluster/nodes/" + name));
    }
  }
}
