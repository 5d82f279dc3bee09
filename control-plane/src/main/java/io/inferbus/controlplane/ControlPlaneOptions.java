package io.inferbus.controlplane;

import io.inferbus.controlplane.auth.TrustedIssuerTokens;
import io.inferbus.protocol.net.ReadDeadlines;
import io.inferbus.protocol.net.TlsServerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.URISyntaxException;
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
 * @param publicUrl the management API's base URL as operators reach it (behind a proxy or a DNS name),
 *     which links to the web console use; null: the address each caller used (its Host header).
 *     Checked by {@link #checkPublicUrl}
 */
public record ControlPlaneOptions(String host, int port, TlsServerConfig tls, Path dataDir,
    Supplier<String> scoringBaseUrl, TrustedIssuerTokens trustedIssuer, MeterRegistry registry,
    long requestReadTimeoutMs, String publicUrl) {
  /** Largest model upload accepted (held in memory while it is verified). */
  public static final long MAX_MODEL_BYTES = 512L * 1024 * 1024;
  /** Largest JSON body on the other routes. */
  public static final long MAX_JSON_BYTES = 1024 * 1024;

  public ControlPlaneOptions {
    publicUrl = publicUrl == null ? null : checkPublicUrl(publicUrl);
  }

  /** Without a public URL: links use the address each caller used. */
  public ControlPlaneOptions(String host, int port, TlsServerConfig tls, Path dataDir,
      Supplier<String> scoringBaseUrl, TrustedIssuerTokens trustedIssuer, MeterRegistry registry,
      long requestReadTimeoutMs) {
    this(host, port, tls, dataDir, scoringBaseUrl, trustedIssuer, registry, requestReadTimeoutMs, null);
  }

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

  /**
   * A public URL as the control plane uses it: {@code https://host[:port][/path]}, without a trailing
   * slash, query or fragment.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code url}
   */
  public static String checkPublicUrl(String url) {
    String trimmed = url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the control plane's public URL '" + url + "' is not a URL: "
          + e.getReason());
    }
    if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawQuery() != null
        || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the control plane's public URL '" + url + "' must be https://host[:port]"
          + "[/path], such as https://inferbus.example.com or https://proxy.example.com:8444/inferbus");
    }
    return trimmed;
  }
}
