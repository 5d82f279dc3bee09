package io.inferbus.node.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Builds the Hazelcast configuration of a node from {@code cluster.xml}. */
public final class ClusterSetup {
  private static final String CLUSTER_ID_FILE = "cluster-id";

  private ClusterSetup() {}

  /**
   * Loads the given XML file, or the built-in {@code cluster.xml}. For the embedded default the
   * cluster is named after the data directory's own random id, so two embedded nodes on one host
   * never merge.
   */
  public static Config load(Path file, boolean embedded, Path dataDir) throws IOException {
    Config config;
    if (file != null) {
      try (InputStream in = Files.newInputStream(file)) {
        config = new XmlConfigBuilder(in).build();
      }
    } else {
      try (InputStream in = ClusterSetup.class.getResourceAsStream("/cluster.xml")) {
        if (in == null) {
          throw new IOException("cluster.xml is missing from the inferbus jar");
        }
        config = new XmlConfigBuilder(in).build();
      }
    }
    if (embedded) {
      config.setClusterName("inferbus-" + clusterId(dataDir));
      // A single member on loopback: nobody to wait for before forming the cluster.
      config.setProperty("hazelcast.wait.seconds.before.join", "0");
      config.setProperty("hazelcast.max.join.seconds", "2");
    }
    return config;
  }

  /**
   * Joins the cluster a join file names: its cluster name and member addresses replace the
   * configuration's, and a joining member does not wait the default five seconds before joining.
   */
  public static Config applyJoin(Config config, JoinFile join) {
    config.setClusterName(join.clusterName());
    var tcp = config.getNetworkConfig().getJoin().getTcpIpConfig();
    tcp.setEnabled(true).setMembers(new java.util.ArrayList<>(join.members()));
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    return config;
  }

  /**
   * Adds the addresses of members the node saw when it last ran to the TCP/IP join's members (those
   * the configuration names stay). A configuration that finds members another way (multicast, a
   * discovery plugin) is left alone: Hazelcast allows one join method.
   */
  public static Config addKnownMembers(Config config, KnownMembers known) {
    var tcp = config.getNetworkConfig().getJoin().getTcpIpConfig();
    if (tcp.isEnabled()) {
      for (String address : known.addresses()) {
        if (!tcp.getMembers().contains(address)) {
          tcp.addMember(address);
        }
      }
    }
    return config;
  }

  private static String clusterId(Path dataDir) throws IOException {
    Path file = dataDir.resolve(CLUSTER_ID_FILE);
    if (Files.exists(file)) {
      return Files.readString(file).trim();
    }
    byte[] id = new byte[6];
    new SecureRandom().nextBytes(id);
    String hex = HexFormat.of().formatHex(id);
    io.inferbus.protocol.files.DurableFiles.replace(file, (hex + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8),
        true);
    return hex;
  }
}
