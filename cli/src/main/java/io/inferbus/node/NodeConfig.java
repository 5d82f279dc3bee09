package io.inferbus.node;

import io.inferbus.gateway.GatewayOptions;
import io.inferbus.gateway.auth.TrustedIssuerOptions;
import io.inferbus.gateway.connections.ConnectionLimit;
import io.inferbus.protocol.net.Cidr;
import java.nio.file.Path;
import java.util.List;
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
 * @param controlPublicUrl the management API's URL as operators reach it ({@code --control-public-url}), which
 *     links to the web console use; null: the address each caller used
 * @param trustedProxies the reverse proxies whose {@code X-Forwarded-For} the gateway believes
 *     ({@code --trusted-proxies}); empty: none
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
    int maxConnections,
    String controlPublicUrl,
    List<Cidr> trustedProxies) {

  public static final int DEFAULT_GATEWAY_PORT = 8443;
  public static final int DEFAULT_CONTROL_PORT = 8444;
  public static final int DEFAULT_MANAGEMENT_PORT = 9400;
  public static final String DEFAULT_MANAGEMENT_HOST = "127.0.0.1";

  /** The same node with the values {@code change} sets on a builder that starts from this one. */
  public NodeConfig with(java.util.function.UnaryOperator<Builder> change) {
    return change.apply(toBuilder()).build();
  }

  /** The same node, with {@code n} Vert.x event loops (0: Vert.x's default). */
  public NodeConfig withEventLoops(int n) {
    return with(b -> b.eventLoops(n));
  }

  /** The same node, listening on {@code address}. */
  public NodeConfig withHost(String address) {
    return with(b -> b.host(address));
  }

  /** The same node, trusting {@code issuer}. */
  public NodeConfig withTrustedIssuer(TrustedIssuerOptions issuer) {
    return with(b -> b.trustedIssuer(issuer));
  }

  /** The same node, reading scoring bodies up to {@code bytes}. */
  public NodeConfig withMaxBodyBytes(long bytes) {
    return with(b -> b.maxBodyBytes(bytes));
  }

  /** The same node, cutting off connections that take longer than {@code ms} to send a request head or body. */
  public NodeConfig withRequestReadTimeoutMs(long ms) {
    return with(b -> b.requestReadTimeoutMs(ms));
  }

  /** The same node, with the traffic log and access lines on or off. */
  public NodeConfig withRequestLogging(boolean on) {
    return with(b -> b.requestLogging(on));
  }

  /** The same node, with its health and metrics port listening on {@code address}. */
  public NodeConfig withManagementHost(String address) {
    return with(b -> b.managementHost(address));
  }

  /** The same node, joining its cluster with the join file at {@code file}. */
  public NodeConfig withJoinFile(Path file) {
    return with(b -> b.joinFile(file));
  }

  /** The same node, keeping at most {@code n} connections open on the gateway port. */
  public NodeConfig withMaxConnections(int n) {
    return with(b -> b.maxConnections(n));
  }

  /** The same node, with {@code url} as the management API's public URL (null: none). */
  public NodeConfig withControlPublicUrl(String url) {
    return with(b -> b.controlPublicUrl(url));
  }

  /** The embedded default on the given data dir and ports. */
  public static NodeConfig embedded(Path dataDir, int gatewayPort, int controlPort, int managementPort) {
    return builder(Set.of(Role.values()), dataDir).ports(gatewayPort, controlPort, managementPort)
        .embedded(true).seedExample(true).build();
  }

  /**
   * A node running {@code roles} on {@code dataDir}; everything else starts at its default (the
   * {@link Builder}'s field initialisers) until set.
   */
  public static Builder builder(Set<Role> roles, Path dataDir) {
    return new Builder().roles(roles).dataDir(dataDir);
  }

  /** A builder holding this node's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.roles = roles;
    b.dataDir = dataDir;
    b.host = host;
    b.gatewayPort = gatewayPort;
    b.controlPort = controlPort;
    b.managementPort = managementPort;
    b.clusterConfig = clusterConfig;
    b.embedded = embedded;
    b.tlsCert = tlsCert;
    b.tlsKey = tlsKey;
    b.seedExample = seedExample;
    b.trustedIssuer = trustedIssuer;
    b.maxBodyBytes = maxBodyBytes;
    b.requestReadTimeoutMs = requestReadTimeoutMs;
    b.eventLoops = eventLoops;
    b.requestLogging = requestLogging;
    b.managementHost = managementHost;
    b.joinFile = joinFile;
    b.maxConnections = maxConnections;
    b.controlPublicUrl = controlPublicUrl;
    b.trustedProxies = trustedProxies;
    return b;
  }

  /**
   * Builds a {@link NodeConfig}. A new field is added here (field with its default, setter, the copy in
   * {@link #toBuilder()}, the argument in {@link #build()}) and nowhere else.
   */
  public static final class Builder {
    private Set<Role> roles;
    private Path dataDir;
    private String host = "127.0.0.1";
    private int gatewayPort = DEFAULT_GATEWAY_PORT;
    private int controlPort = DEFAULT_CONTROL_PORT;
    private int managementPort = DEFAULT_MANAGEMENT_PORT;
    private Path clusterConfig;
    private boolean embedded;
    private Path tlsCert;
    private Path tlsKey;
    private boolean seedExample;
    private TrustedIssuerOptions trustedIssuer;
    private long maxBodyBytes = GatewayOptions.DEFAULT_MAX_BODY_BYTES;
    private long requestReadTimeoutMs = GatewayOptions.DEFAULT_REQUEST_READ_TIMEOUT_MS;
    private int eventLoops;
    private boolean requestLogging = true;
    private String managementHost = DEFAULT_MANAGEMENT_HOST;
    private Path joinFile;
    private int maxConnections = ConnectionLimit.DEFAULT_MAX_CONNECTIONS;
    private String controlPublicUrl;
    private List<Cidr> trustedProxies = List.of();

    private Builder() {}

    public Builder roles(Set<Role> roles) {
      this.roles = roles;
      return this;
    }

    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The gateway, control-plane and management ports (0: any free port). */
    public Builder ports(int gateway, int control, int management) {
      this.gatewayPort = gateway;
      this.controlPort = control;
      this.managementPort = management;
      return this;
    }

    public Builder clusterConfig(Path clusterConfig) {
      this.clusterConfig = clusterConfig;
      return this;
    }

    public Builder embedded(boolean embedded) {
      this.embedded = embedded;
      return this;
    }

    /** The gateway's and control plane's certificate and key, or both null. */
    public Builder tls(Path cert, Path key) {
      this.tlsCert = cert;
      this.tlsKey = key;
      return this;
    }

    public Builder seedExample(boolean seedExample) {
      this.seedExample = seedExample;
      return this;
    }

    public Builder trustedIssuer(TrustedIssuerOptions trustedIssuer) {
      this.trustedIssuer = trustedIssuer;
      return this;
    }

    public Builder maxBodyBytes(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    public Builder requestReadTimeoutMs(long requestReadTimeoutMs) {
      this.requestReadTimeoutMs = requestReadTimeoutMs;
      return this;
    }

    public Builder eventLoops(int eventLoops) {
      this.eventLoops = eventLoops;
      return this;
    }

    public Builder requestLogging(boolean requestLogging) {
      this.requestLogging = requestLogging;
      return this;
    }

    public Builder managementHost(String managementHost) {
      this.managementHost = managementHost;
      return this;
    }

    public Builder joinFile(Path joinFile) {
      this.joinFile = joinFile;
      return this;
    }

    public Builder maxConnections(int maxConnections) {
      this.maxConnections = maxConnections;
      return this;
    }

    public Builder controlPublicUrl(String controlPublicUrl) {
      this.controlPublicUrl = controlPublicUrl;
      return this;
    }

    public Builder trustedProxies(List<Cidr> trustedProxies) {
      this.trustedProxies = List.copyOf(trustedProxies);
      return this;
    }

    public NodeConfig build() {
      return new NodeConfig(roles, dataDir, host, gatewayPort, controlPort, managementPort, clusterConfig, embedded,
          tlsCert, tlsKey, seedExample, trustedIssuer, maxBodyBytes, requestReadTimeoutMs, eventLoops, requestLogging,
          managementHost, joinFile, maxConnections, controlPublicUrl, trustedProxies);
    }
  }

  public boolean runs(Role role) {
    return roles.contains(role);
  }
}
