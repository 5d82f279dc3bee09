package io.inferbus.cli;

import io.inferbus.controlplane.ControlPlaneOptions;
import io.inferbus.gateway.auth.TrustedIssuerOptions;
import io.inferbus.node.NodeConfig;
import io.inferbus.protocol.net.Cidr;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every server command shares (ports, data dir, TLS). */
final class ServerOptions {
  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:INFERBUS_DATA_DIR:-.inferbus-data}",
      description = "Data directory: store, model files, TLS material, credentials (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--gateway-port", paramLabel = "PORT", defaultValue = "${env:INFERBUS_GATEWAY_PORT:-8443}",
      description = "HTTPS scoring port, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int gatewayPort;

  @Option(names = "--control-port", paramLabel = "PORT", defaultValue = "${env:INFERBUS_CONTROL_PORT:-8444}",
      description = "HTTPS management port, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int controlPort;

  @Option(names = "--management-port", paramLabel = "PORT", defaultValue = "${env:INFERBUS_MANAGEMENT_PORT:-9400}",
      description = "HTTP health and metrics port, 0 for any free port (default: ${DEFAULT-VALUE}).")
  int managementPort;

  @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
      description = "Address the ports listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate (PEM) instead of the generated one.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Server private key (PEM, PKCS#8) for --tls-cert.")
  Path tlsKey;

  @Option(names = "--cluster-config", paramLabel = "XML",
      description = "Hazelcast configuration (default: the built-in cluster.xml).")
  Path clusterConfig;

  @Option(names = "--jwks-file", paramLabel = "PATH",
      description = "Trusted token issuer's public keys (a JWKS JSON file), for aad_token endpoints and operators.")
  Path jwksFile;

  @Option(names = "--jwks-url", paramLabel = "URL",
      description = "Trusted token issuer's JWKS URL (https), fetched at start and again for an unknown key id.")
  String jwksUrl;

  @Option(names = "--jwt-issuer", paramLabel = "ISS", description = "The 'iss' of the trusted issuer's tokens.")
  String jwtIssuer;

  @Option(names = "--jwt-audience", paramLabel = "AUD", description = "The 'aud' its tokens for Inferbus carry.")
  String jwtAudience;

  @Option(names = "--max-body-mib", paramLabel = "MIB", defaultValue = "16",
      description = "Largest scoring request body in MiB, 1-1024 (larger: 413 without reading it all; default: 16).")
  int maxBodyMib;

  @Option(names = "--event-loops", paramLabel = "N", defaultValue = "${env:INFERBUS_EVENT_LOOPS:-0}",
      description = "Vert.x event loops, 1-256 (default 0: Vert.x's own, twice the cores). 1 serves small "
          + "requests fastest on small machines (BENCHMARKS.md C).")
  int eventLoops;

  @Option(names = "--management-host", paramLabel = "ADDRESS",
      defaultValue = "${env:INFERBUS_MANAGEMENT_HOST:-127.0.0.1}",
      description = "Address the health and metrics port listens on (default: ${DEFAULT-VALUE}; it has no TLS and "
          + "no authentication: widen it only for a Prometheus on a private network).")
  String managementHost;

  @Option(names = "--request-logging", paramLabel = "on|off", defaultValue = "${env:INFERBUS_REQUEST_LOGGING:-on}",
      description = "The gateway's traffic log (one JSON line per scored request, under <data-dir>/logs) and the "
          + "instances' access lines in the deployment logs (default: ${DEFAULT-VALUE}).")
  String requestLogging;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "${env:INFERBUS_MAX_CONNECTIONS:-4096}",
      description = "Most connections the gateway port keeps open at once, 1-1000000; one more is answered 503 "
          + "TooManyConnections and closed (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--control-public-url", paramLabel = "URL", defaultValue = "${env:INFERBUS_CONTROL_PUBLIC_URL}",
      description = "The management API's URL as operators reach it (https://host[:port][/path], behind a proxy or "
          + "a DNS name), used in the web console's sign-in links (default: the address each caller used).")
  String controlPublicUrl;

  @Option(names = "--trusted-proxies", paramLabel = "CIDR,...", split = ",",
      defaultValue = "${env:INFERBUS_TRUSTED_PROXIES}",
      description = "Reverse proxies in front of the gateway whose X-Forwarded-For names the caller, for endpoints "
          + "with public_network_access disabled (e.g. 10.0.0.5/32); from any other peer the header is ignored "
          + "(default: none).")
  List<String> trustedProxies;

  /** The trusted proxies as networks; throws naming the flag for one that is not. */
  List<Cidr> trustedProxies() {
    List<Cidr> out = new ArrayList<>();
    if (trustedProxies != null) {
      for (String p : trustedProxies) {
        if (p.isBlank()) {
          continue;
        }
        try {
          out.add(Cidr.parse(p));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--trusted-proxies: " + e.getMessage().replace("network: ", ""));
        }
      }
    }
    return out;
  }

  boolean requestLogging() {
    return "on".equals(requestLogging);
  }

  long maxBodyBytes() {
    return maxBodyMib * 1024L * 1024L;
  }

  /** The trusted issuer the flags describe, or null when none is given; throws when they are incomplete. */
  TrustedIssuerOptions trustedIssuer() {
    if (jwksFile == null && jwksUrl == null && jwtIssuer == null && jwtAudience == null) {
      return null;
    }
    return new TrustedIssuerOptions(jwksFile, jwksUrl, jwtIssuer, jwtAudience);
  }

  /** {@code node} with the values these flags set (ports, host, TLS, cluster config, limits, logging, issuer). */
  NodeConfig.Builder configure(NodeConfig.Builder node) {
    return node.host(host)
        .ports(gatewayPort, controlPort, managementPort)
        .clusterConfig(clusterConfig)
        .tls(tlsCert, tlsKey)
        .trustedIssuer(trustedIssuer())
        .maxBodyBytes(maxBodyBytes())
        .eventLoops(eventLoops)
        .requestLogging(requestLogging())
        .managementHost(managementHost)
        .maxConnections(maxConnections)
        .controlPublicUrl(controlPublicUrl == null ? null : ControlPlaneOptions.checkPublicUrl(controlPublicUrl))
        .trustedProxies(trustedProxies());
  }

  void check() {
    for (int port : new int[] {gatewayPort, controlPort, managementPort}) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
      }
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    if (maxBodyMib < 1 || maxBodyMib > 1024) {
      throw new IllegalArgumentException("--max-body-mib " + maxBodyMib + " is out of range 1-1024");
    }
    if (eventLoops < 0 || eventLoops > 256) {
      throw new IllegalArgumentException("--event-loops " + eventLoops + " is out of range 0-256 (0: Vert.x's default)");
    }
    if (maxConnections < 1 || maxConnections > 1_000_000) {
      throw new IllegalArgumentException("--max-connections " + maxConnections + " is out of range 1-1000000");
    }
    if (!"on".equals(requestLogging) && !"off".equals(requestLogging)) {
      throw new IllegalArgumentException("--request-logging must be on or off, not '" + requestLogging + "'");
    }
    trustedIssuer();
    trustedProxies();
    if (controlPublicUrl != null) {
      try {
        ControlPlaneOptions.checkPublicUrl(controlPublicUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--control-public-url: " + e.getMessage());
      }
    }
  }
}
