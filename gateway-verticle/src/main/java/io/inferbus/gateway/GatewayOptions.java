package io.inferbus.gateway;

import io.inferbus.protocol.net.TlsServerConfig;

/**
 * Configuration of a node's gateway role.
 *
 * @param host address to listen on
 * @param port HTTPS port for scoring (0: any free port)
 * @param tls certificate and key
 * @param maxBodyBytes largest request body accepted (larger: 413)
 */
public record GatewayOptions(String host, int port, TlsServerConfig tls, long maxBodyBytes) {
  public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;
}
