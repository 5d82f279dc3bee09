package io.inferbus.protocol.net;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.Set;

/**
 * The TLS settings every HTTPS port of a node shares: the server certificate and key (PEM), TLS 1.2
 * and 1.3 only.
 */
public record TlsServerConfig(Path certFile, Path keyFile) {
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** HTTPS server options on the given host and port with this certificate. */
  public HttpServerOptions httpsOptions(String host, int port) {
    return new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString()))
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(10)
        .setIdleTimeout(120)
        .setCompressionSupported(false);
  }
}
