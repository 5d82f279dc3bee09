package io.inferbus.gateway;

import io.inferbus.gateway.auth.TrustedIssuer;
import io.inferbus.gateway.connections.ConnectionLimit;
import io.inferbus.protocol.delivery.LocalInstances;
import io.inferbus.protocol.net.Cidr;
import io.inferbus.protocol.net.ReadDeadlines;
import io.inferbus.protocol.net.TlsServerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * Configuration of a node's gateway role.
 *
 * @param host address to listen on
 * @param port HTTPS port for scoring (0: any free port)
 * @param tls certificate and key
 * @param maxBodyBytes largest request body accepted (larger: 413)
 * @param metrics where the gateway records what it measures (mirrored requests)
 * @param trustedIssuer the node's trusted token issuer for {@code aad_token} endpoints, or null
 * @param requestReadTimeoutMs how long a connection may take, from its start or its previous answer,
 *     to send a whole request head, and then to send that request's whole body; a slower one (a
 *     slow-header or slow-body attack, a stalled client) is cut off
 * @param nodeId this node's cluster id: the control plane asks it for its traffic log by it; null
 *     when none (a gateway outside a node, in tests)
 * @param trafficLogDir where the node's logging writes the traffic log ({@code TrafficLog}), read
 *     back for the traffic-log route; null when the traffic log is off
 * @param maxConnections how many connections the scoring port keeps open at once, on all its event
 *     loops together; one more is answered 503 and closed ({@link ConnectionLimit})
 * @param eventLoops how many servers the scoring port runs, one per event loop of the node (its
 *     {@code --event-loops}), so that TLS and HTTP use every loop ({@link ScoringServerVerticle})
 * @param local the instances running in this process, handed their requests without the event bus
 * @param trustedProxies the reverse proxies whose {@code X-Forwarded-For} the gateway believes
 *     ({@code --trusted-proxies}); empty: it believes none and the connection's peer is the caller
 */
public record GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes, MeterRegistry metrics,
    TrustedIssuer trustedIssuer, long requestReadTimeoutMs, String nodeId, Path trafficLogDir, int maxConnections,
    int eventLoops, LocalInstances local, List<Cidr> trustedProxies) {
  public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;
  public static final long DEFAULT_REQUEST_READ_TIMEOUT_MS = ReadDeadlines.DEFAULT_TIMEOUT_MS;

  public GatewayOptions {
    if (eventLoops < 1) {
      throw new IllegalArgumentException("eventLoops must be at least 1, not " + eventLoops);
    }
    trustedProxies = List.copyOf(trustedProxies);
  }

  /** Trusting no proxy's {@code X-Forwarded-For}. */
  public GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes, MeterRegistry metrics,
      TrustedIssuer trustedIssuer, long requestReadTimeoutMs, String nodeId, Path trafficLogDir, int maxConnections,
      int eventLoops, LocalInstances local) {
    this(host, port, tls, maxBodyBytes, metrics, trustedIssuer, requestReadTimeoutMs, nodeId, trafficLogDir,
        maxConnections, eventLoops, local, List.of());
  }

  /**
   * Without a traffic log, with the default connection cap, on as many loops as Vert.x gives a node
   * by default, every request over the event bus.
   */
  public GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes, MeterRegistry metrics,
      TrustedIssuer trustedIssuer, long requestReadTimeoutMs) {
    this(host, port, tls, maxBodyBytes, metrics, trustedIssuer, requestReadTimeoutMs, null, null,
        ConnectionLimit.DEFAULT_MAX_CONNECTIONS, VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE, LocalInstances.NONE);
  }

  /** With the default request read deadline. */
  public GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes, MeterRegistry metrics,
      TrustedIssuer trustedIssuer) {
    this(host, port, tls, maxBodyBytes, metrics, trustedIssuer, DEFAULT_REQUEST_READ_TIMEOUT_MS);
  }

  /** Without a trusted issuer: {@code aad_token} endpoints refuse every caller. */
  public GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes, MeterRegistry metrics) {
    this(host, port, tls, maxBodyBytes, metrics, null);
  }

  /** Without a registry of the node's: measurements stay in memory. */
  public GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes) {
    this(host, port, tls, maxBodyBytes, new SimpleMeterRegistry());
  }
}
