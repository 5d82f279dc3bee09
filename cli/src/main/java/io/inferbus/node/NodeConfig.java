package io.inferbus.node;

import io.inferbus.gateway.auth.TrustedIssuerOptions;
import java.nio.file.Path;
import java.util.Set;

/**
 * How to start a node: its roles, where its data lives, its ports (0: any free port), and its
 * cluster. {@code embedded} is the single-member default of {@code inferbus start}: a cluster name
 * of its own, so it joins nobody else's.
 *
 * @param clusterConfig a Hazelcast XML file, or null for the built-in {@code cluster.xml}
 * @param seedExample register and serve the example endpoint when the store is empty
 * @param trustedIssuer the external token issuer trusted for {@code aad_token} endpoints and by the
 *     control plane ({@code --jwks-file}/{@code --jwks-url}, {@code --jwt-issuer}, {@code --jwt-audience}),
 *     or null
 * @param maxBodyBytes the largest scoring request body the gateway reads (larger: 413)
 * @param requestReadTimeoutMs how long the gateway and control-plane ports wait for a connection's next
 *     request head, and then for that request's body
 * @param eventLoops the node's Vert.x event loops; 0: Vert.x's default, twice the cores
 * @param requestLogging whether the gateway writes the traffic log and instances their access lines
 * @param managementHost the address the plain-HTTP health and metrics port listens on (loopback
 *     unless told otherwise: it has no TLS and no authentication)
 * @param joinFile the join.json this node joins its cluster with (cluster name, members, the cluster
 *     CA and its credential); null on a control-plane node that founds the cluster
 * @param maxConnections how many connections the gateway port keeps open at once ({@code --max-connections})
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
    boolean seedExample,
    TrustedIssuerOptions trustedIssuer,
    long maxBodyBytes,
    long requestReadTimeoutMs,
    int eventLoops,
    boolean requestLogging,
    String managementHost,
    Path joinFile,
    int maxConnections) {

  public static final int DEFAULT_GATEWAY_PORT = 8443;
  public static final int DEFAULT_CONTROL_PORT = 8444;
  public static final int DEFAULT_MANAGEMENT_PORT = 9400;
  public static final String DEFAULT_MANAGEMENT_HOST = "127.0.0.1";

  /** With the default body limit. */
  public NodeConfig(Set<Role> roles, Path dataDir, String host, int gatewayPort, int controlPort, int managementPort,
      Path clusterConfig, boolean embedded, Path tlsCert, Path tlsKey, boolean seedExample,
      TrustedIssuerOptions trustedIssuer) {
    this(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded, tlsCert, tlsKey,
        seedExample, trustedIssuer, io.inferbus.gateway.GatewayOptions.DEFAULT_MAX_BODY_BYTES);
  }

  /** With the default request read deadline and event loops. */
  public NodeConfig(Set<Role> roles, Path dataDir, String host, int gatewayPort, int controlPort, int managementPort,
      Path clusterConfig, boolean embedded, Path tlsCert, Path tlsKey, boolean seedExample,
      TrustedIssuerOptions trustedIssuer, long maxBodyBytes) {
    this(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded, tlsCert, tlsKey,
        seedExample, trustedIssuer, maxBodyBytes, io.inferbus.gateway.GatewayOptions.DEFAULT_REQUEST_READ_TIMEOUT_MS, 0,
        true, DEFAULT_MANAGEMENT_HOST, null, io.inferbus.gateway.connections.ConnectionLimit.DEFAULT_MAX_CONNECTIONS);
  }

  /** Without a trusted issuer. */
  public NodeConfig(Set<Role> roles, Path dataDir, String host, int gatewayPort, int controlPort, int managementPort,
      Path clusterConfig, boolean embedded, Path tlsCert, Path tlsKey, boolean seedExample) {
    this(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded, tlsCert, tlsKey,
        seedExample, null);
  }

  /** The same node, with {@code n} Vert.x event loops (0: Vert.x's default). */
  public NodeConfig withEventLoops(int n) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, n, requestLogging, managementHost, joinFile, maxConnections);
  }

  /** The same node, listening on {@code address}. */
  public NodeConfig withHost(String address) {
    return new NodeConfig(roles, dataDir, address, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, requestLogging, managementHost, joinFile, maxConnections);
  }

  /** The same node, trusting {@code issuer}. */
  public NodeConfig withTrustedIssuer(TrustedIssuerOptions issuer) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, issuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, requestLogging, managementHost, joinFile, maxConnections);
  }

  /** The same node, reading scoring bodies up to {@code bytes}. */
  public NodeConfig withMaxBodyBytes(long bytes) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, bytes, requestReadTimeoutMs, eventLoops, requestLogging, managementHost, joinFile, maxConnections);
  }

  /** The same node, cutting off connections that take longer than {@code ms} to send a request head or body. */
  public NodeConfig withRequestReadTimeoutMs(long ms) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, ms, eventLoops, requestLogging, managementHost, joinFile, maxConnections);
  }

  /** The same node, with the traffic log and access lines on or off. */
  public NodeConfig withRequestLogging(boolean on) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, on, managementHost, joinFile, maxConnections);
  }

  /** The same node, with its health and metrics port listening on {@code address}. */
  public NodeConfig withManagementHost(String address) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, requestLogging,
        address, joinFile, maxConnections);
  }

  /** The same node, joining its cluster with the join file at {@code file}. */
  public NodeConfig withJoinFile(Path file) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, requestLogging,
        managementHost, file, maxConnections);
  }

  /** The same node, keeping at most {@code n} connections open on the gateway port. */
  public NodeConfig withMaxConnections(int n) {
    return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
        tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, requestLogging,
        managementHost, joinFile, n);
  }

  /** The embedded default on the given data dir and ports. */
  public static NodeConfig embedded(Path dataDir, int gatewayPort, int controlPort, int managementPort) {
    return new NodeConfig(Set.of(Role.values()), dataDir, "127.0.0.1", gatewayPort, controlPort, managementPort,
        null, true, null, null, true);
  }

  public boolean runs(Role role) {
    return roles.contains(role);
  }
}
