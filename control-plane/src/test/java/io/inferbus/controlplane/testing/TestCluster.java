package io.inferbus.controlplane.testing;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.cluster.ClusterRecords;
import java.util.Set;
import java.util.UUID;

/** Real in-process Hazelcast members for tests. */
public final class TestCluster {
  /** The CA of every cluster a test here starts: members of one cluster trust each other's records. */
  private static final ClusterCa CA = ClusterCa.inMemory();

  private TestCluster() {}

  /** The cluster's records as a node with every role reads and writes them, with a credential of its own. */
  public static ClusterRecords records(HazelcastInstance member) {
    return CA.records(member, "test-node", Set.of("control-plane", "gateway", "deployment"));
  }

  /**
   * The cluster's records as node {@code name} reads and writes them, with a new credential of this
   * cluster's CA that allows only {@code roles} (a deployment node's, say, which may not write what
   * only a control plane writes).
   */
  public static ClusterRecords records(HazelcastInstance member, String name, Set<String> roles) {
    return CA.records(member, name, roles);
  }

  /** A single-member cluster on loopback that joins nobody. */
  public static HazelcastInstance member() {
    Config config = config("inferbus-test-" + UUID.randomUUID());
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    return Hazelcast.newHazelcastInstance(config);
  }

  /**
   * The first member of a cluster that others join with {@link #memberJoining}: TCP/IP join on
   * loopback (the join method must be the same on every member).
   */
  public static HazelcastInstance firstMember() {
    Config config = config("inferbus-test-" + UUID.randomUUID());
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true);
    return Hazelcast.newHazelcastInstance(config);
  }

  /** Another member of {@code first}'s cluster (started with {@link #firstMember}); returns once it joined. */
  public static HazelcastInstance memberJoining(HazelcastInstance first) {
    Config config = config(first.getConfig().getClusterName());
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true)
        .addMember("127.0.0.1:" + first.getCluster().getLocalMember().getAddress().getPort());
    return Hazelcast.newHazelcastInstance(config);
  }

  private static Config config(String clusterName) {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(5701).setPortAutoIncrement(true).setPortCount(200);
    network.getJoin().getMulticastConfig().setEnabled(false);
    network.getJoin().getAutoDetectionConfig().setEnabled(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    return config;
  }
}
