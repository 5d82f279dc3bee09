package io.inferbus.controlplane;

import io.inferbus.protocol.net.TlsServerConfig;
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
 */
public record ControlPlaneOptions(String host, int port, TlsServerConfig tls, Path dataDir,
    Supplier<String> scoringBaseUrl) {
  /** Largest model upload accepted (held in memory while it is verified). */
  public static final long MAX_MODEL_BYTES = 512L * 1024 * 1024;
  /** Largest JSON body on the other routes. */
  public static final long MAX_JSON_BYTES = 1024 * 1024;
}
