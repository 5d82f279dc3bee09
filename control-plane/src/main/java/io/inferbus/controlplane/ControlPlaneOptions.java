package io.inferbus.controlplane;

import io.inferbus.controlplane.auth.TrustedIssuerTokens;
import io.inferbus.protocol.net.ReadDeadlines;
import io.inferbus.protocol.net.TlsServerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Configuration of a node's control-plane role.
 *
 * @param host address to listen on
 * @param port HTTPS port of the management API (0: any free port)
 * @param tls certificate and key
 * @param dataDir where the store, model blobs and secrets live
 * @param scoringBaseUrl the gateway's public base URL, shown as endpoints' scoring_uri
 * @param trustedIssuer the node's trusted external token issuer, whose tokens operators may present;
 *     null when none is configured
 * @param registry where the control plane's metrics go (the node's Prometheus registry)
 * @param requestReadTimeoutMs how long a connection to the management port may take, from its start
 *     or its previous answer, to send a whole request head, and then that request's whole body (a
 *     large declared body gets longer, {@link ReadDeadlines}); a slower one is cut off
 */
public record ControlPlaneOptions(String host, int port, TlsServerConfig tls, Path dataDir,
    Supplier<String> scoringBaseUrl, TrustedIssuerTokens trustedIssuer, MeterRegistry registry,
    long requestReadTimeoutMs) {
  /** Largest model upload accepted (held in memory while it is verified). */
  public static final long MAX_MODEL_BYTES = 512L * 1024 * 1024;
  /** Largest JSON body on the other routes. */
  public static final long MAX_JSON_BYTES = 1024 * 1024;

  /** With the default request read deadline. */
  public ControlPlaneOptions(String host, int port, TlsServerConfig tls, Path dataDir,
      Supplier<String> scoringBaseUrl, TrustedIssuerTokens trustedIssuer, MeterRegistry registry) {
    this(host, port, tls, dataDir, scoringBaseUrl, trustedIssuer, registry, ReadDeadlines.DEFAULT_TIMEOUT_MS);
  }

  /** Without a trusted issuer: only the control plane's own tokens are accepted. */
  public ControlPlaneOptions(String host, int port, TlsServerConfig tls, Path dataDir,
      Supplier<String> scoringBaseUrl) {
    this(host, port, tls, dataDir, scoringBaseUrl, null, new SimpleMeterRegistry());
  }
}
