package io.inferbus.node;

import java.nio.file.Path;
import java.util.Set;

/**
 * How to start a node: its roles, where its data lives, its ports (0: any free port), and its
 * cluster. {@code embedded} is the single-member default of {@code inferbus start}: a cluster name
 * of its own, so it joins nobody else's.
 *
 * @param clusterConfig a Hazelcast XML file, or null for the built-in {@code cluster.xml}
 * @param seedExample register and serve the example endpoint when the store is empty
 */
public record NodeConfig(
    Set<Role> roles,
    Path dataDir,
    String host,
    int gatewayPort,
    int controlPort,
    int managementPort,
    Path clusterConfig,
    boolean embedded,
    Path tlsCert,
    Path tlsKey,
    boolean seedExample) {

  public static final int DEFAULT_GATEWAY_PORT = 8443;
  public static final int DEFAULT_CONTROL_PORT = 8444;
  public static final int DEFAULT_MANAGEMENT_PORT = 9400;

  /** The embedded default on the given data dir and ports. */
  public static NodeConfig embedded(Path dataDir, int gatewayPort, int controlPort, int managementPort) {
    return new NodeConfig(Set.of(Role.values()), dataDir, "127.0.0.1", gatewayPort, controlPort, managementPort,
        null, true, null, null, true);
  }

  public boolean runs(Role role) {
    return roles.contains(role);
  }
}
