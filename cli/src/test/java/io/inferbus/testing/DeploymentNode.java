package io.inferbus.testing;

import io.inferbus.node.InferbusNode;
import io.inferbus.node.NodeConfig;
import io.inferbus.node.Role;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A real node with only the deployment role, in this JVM, joining an embedded {@link TestNode}'s
 * cluster as {@code inferbus node --roles deployment --join <leader's join.json>} would.
 */
public final class DeploymentNode implements AutoCloseable {
  private final InferbusNode node;
  private boolean closed;
  private boolean dropped;

  private DeploymentNode(InferbusNode node) {
    this.node = node;
  }

  /** Starts a deployment node in {@code dataDir} that joins {@code leader}'s cluster. */
  public static DeploymentNode join(TestNode leader, Path dataDir) throws Exception {
    NodeConfig config = NodeConfig.builder(Set.of(Role.DEPLOYMENT), dataDir)
        .ports(0, 0, 0).joinFile(leader.dataDir.resolve("join.json")).build();
    return new DeploymentNode(InferbusNode.start(config).toCompletionStage().toCompletableFuture()
        .get(3, TimeUnit.MINUTES));
  }

  /**
   * The shipped cluster.xml with the embedded node's cluster name (from its data dir) and its member
   * address (as {@code GET /nodes} shows it), joining without the default five-second wait.
   */
  public static String clusterConfig(TestNode leader) throws Exception {
    String name = "inferbus-" + Files.readString(leader.dataDir.resolve("cluster-id")).trim();
    JsonObject self = new JsonObject(leader.https.get(leader.control() + "/nodes", leader.adminToken()).body())
        .getJsonArray("value").stream().map(JsonObject.class::cast)
        .filter(n -> leader.node().nodeId().equals(n.getString("node_id"))).findFirst()
        .orElseThrow(() -> new AssertionError("GET /nodes does not list the embedded node"));
    return clusterConfig(name, self.getString("address"));
  }

  /**
   * The shipped cluster.xml naming cluster {@code name} and listing one member address
   * ({@code host} or {@code host:port}), joining without the default five-second wait.
   */
  public static String clusterConfig(String name, String member) throws Exception {
    String xml;
    try (InputStream in = DeploymentNode.class.getResourceAsStream("/cluster.xml")) {
      xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return replaceOnce(replaceOnce(replaceOnce(xml,
        "<cluster-name>inferbus</cluster-name>", "<cluster-name>" + name + "</cluster-name>"),
        "<member>127.0.0.1</member>", "<member>" + member + "</member>"),
        "<properties>", "<properties>\n    <property name=\"hazelcast.wait.seconds.before.join\">0</property>");
  }

  private static String replaceOnce(String text, String what, String with) {
    if (!text.contains(what)) {
      throw new AssertionError("cluster.xml has no " + what);
    }
    return text.replace(what, with);
  }

  public String nodeId() {
    return node.nodeId();
  }

  /**
   * Cuts this node out of the cluster without a goodbye, as the others see a crashed or unreachable
   * node: its Hazelcast member terminates at once (no instance withdrawn, no entry removed). Its
   * Vert.x keeps running until {@link #close()}.
   */
  public void dropOutOfCluster() {
    com.hazelcast.core.HazelcastInstance mine = TestNode.memberOf(node.nodeId());
    dropped = true;
    mine.getLifecycleService().terminate();
  }

  /**
   * Stops the node cleanly (its instances drain, then it leaves the cluster); closing twice is
   * harmless. After {@link #dropOutOfCluster()} the stop cannot reach the cluster: its failures are
   * expected and ignored.
   */
  @Override
  public void close() throws Exception {
    if (!closed) {
      closed = true;
      try {
        node.stopAndWait(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (!dropped) {
          throw e;
        }
      }
    }
  }
}
