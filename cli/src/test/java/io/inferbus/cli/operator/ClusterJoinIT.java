package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.node.InferbusNode;
import io.inferbus.node.NodeConfig;
import io.inferbus.node.Role;
import io.inferbus.node.cluster.JoinFile;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.testing.Await;
import io.inferbus.testing.Cli.Result;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Joining by file: the control-plane node wrote {@code join.json}; {@code inferbus cluster add-node
 * NAME} writes one more with a credential of that node's own (owner-only), and a node started with
 * it joins the cluster. Bad inputs tried: a name with capitals and '_', a data dir without a cluster
 * CA, {@code inferbus node} without {@code --join}, a join file that is not one, an unknown role, a
 * control-plane node joining with a credential that does not allow that role, a credential of
 * another cluster's CA, a removed name given to add-node, a node removed twice, a name no node can
 * have given to remove-node.
 */
class ClusterJoinIT extends CliNodeTest {
  @Test
  void addNodeWritesAJoinFileANodeJoinsWith() throws Exception {
    Result added = cli.run("cluster", "add-node", "worker-1", "--data-dir", dataDir.toString(), "--host", "10.1.2.3")
        .ok();
    Path file = Path.of(added.stdout().trim());
    assertEquals(dataDir.resolve("join-worker-1.json").toAbsolutePath(), file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    JoinFile join = JoinFile.read(file);
    JoinFile founders = JoinFile.read(dataDir.resolve(JoinFile.FILE_NAME));
    assertEquals(founders.clusterName(), join.clusterName());
    assertEquals(founders.members(), join.members());
    assertEquals("worker-1", join.credential().name());
    assertNotEquals(founders.credential().keyPem(), join.credential().keyPem(), "a key of its own");

    NodeConfig config = NodeConfig.builder(Set.of(Role.DEPLOYMENT), tmp.resolve("worker-1"))
        .ports(0, 0, 0).joinFile(file).build();
    InferbusNode worker = InferbusNode.start(config).toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    try {
      Await.until("worker-1 listed among the cluster's nodes", Duration.ofSeconds(30), () -> {
        try {
          return new JsonObject(node.https.get(node.control() + "/nodes", node.adminToken()).body())
              .getJsonArray("value").stream().map(JsonObject.class::cast)
              .anyMatch(n -> worker.nodeId().equals(n.getString("node_id")));
        } catch (Exception e) {
          return false;
        }
      });
    } finally {
      worker.stopAndWait(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void refusalsSayWhatIsMissing() throws Exception {
    Result badName = cli.run("cluster", "add-node", "Worker_1", "--data-dir", dataDir.toString()).exits(2);
    assertTrue(badName.stderr().contains("'Worker_1' must be 1-63 of a-z, 0-9 and '-'"), badName.toString());
    Result noCa = cli.run("cluster", "add-node", "w", "--data-dir", tmp.toString()).exits(1);
    assertTrue(noCa.stderr().contains("run this on the control-plane node"), noCa.toString());

    Result noJoin = cli.run("node", "--roles", "deployment", "--data-dir", tmp.resolve("lonely").toString(),
        "--management-port", "0");
    assertNotEquals(0, noJoin.exit(), noJoin.toString());
    assertTrue((noJoin.stdout() + noJoin.stderr()).contains("joins a cluster with --join <join.json>"),
        noJoin.toString());

    Path notAJoinFile = tmp.resolve("join.json");
    Files.writeString(notAJoinFile, "{\"cluster_name\": \"x\"}");
    Result garbled = cli.run("node", "--roles", "deployment", "--data-dir", tmp.resolve("garbled").toString(),
        "--management-port", "0", "--join", notAJoinFile.toString());
    assertNotEquals(0, garbled.exit(), garbled.toString());
    assertTrue((garbled.stdout() + garbled.stderr()).contains("is not a join file: 'ca' is missing"),
        garbled.toString());

    // a removed name stays refused: add-node does not write a credential every node would refuse
    Result removed = cli.run("cluster", "remove-node", "ghost-node", "--yes").ok();
    assertTrue(removed.stdout().contains("ghost-node"), removed.toString());
    Result readd = cli.run("cluster", "add-node", "ghost-node", "--data-dir", dataDir.toString()).exits(1);
    assertTrue(readd.stderr().contains("node 'ghost-node' was removed from the cluster"), readd.toString());
    Result twice = cli.run("cluster", "remove-node", "ghost-node", "--yes");
    assertNotEquals(0, twice.exit(), twice.toString());
    assertTrue(twice.stderr().contains("node 'ghost-node' was already removed"), twice.toString());
    Result badRemoval = cli.run("cluster", "remove-node", "Ghost_Node", "--yes").exits(2);
    assertTrue(badRemoval.stderr().contains("'Ghost_Node' must be 1-63 of a-z"), badRemoval.toString());

    Result badRole = cli.run("cluster", "add-node", "w", "--roles", "gateway,janitor", "--data-dir",
        dataDir.toString()).exits(2);
    assertTrue(badRole.stderr().contains("unknown role 'janitor'"), badRole.toString());

    // join.json's credential allows the gateway and deployment roles only
    Result notAControlPlane = cli.run("node", "--roles", "control-plane,gateway", "--data-dir",
        tmp.resolve("second-cp").toString(), "--management-port", "0", "--join",
        dataDir.resolve(JoinFile.FILE_NAME).toString());
    assertNotEquals(0, notAControlPlane.exit(), notAControlPlane.toString());
    assertTrue((notAControlPlane.stdout() + notAControlPlane.stderr()).contains("does not allow the control-plane role;"
        + " on the control-plane node, write one that does: inferbus cluster add-node NAME --roles "
        + "control-plane,gateway"), notAControlPlane.toString());

    JoinFile real = JoinFile.read(dataDir.resolve(JoinFile.FILE_NAME));
    ClusterCa other = ClusterCa.inMemory();
    Path foreign = tmp.resolve("foreign.json");
    new JoinFile(real.clusterName(), real.members(), real.caPem(),
        other.issue("intruder", java.util.List.of(), JoinFile.DEFAULT_ROLES)).write(foreign);
    Result intruder = cli.run("node", "--roles", "deployment", "--data-dir", tmp.resolve("intruder").toString(),
        "--management-port", "0", "--join", foreign.toString());
    assertNotEquals(0, intruder.exit(), intruder.toString());
    assertTrue((intruder.stdout() + intruder.stderr()).contains("this node's credential is not accepted by the cluster:"
        + " the signer's certificate is not one of this cluster's CA"), intruder.toString());
  }
}
