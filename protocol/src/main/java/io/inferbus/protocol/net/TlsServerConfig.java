package io.inferbus.protocol.net;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.Set;

/**
 * The TLS settings every HTTPS port of a node shares: the server certificate and key (PEM), TLS 1.2
 * and 1.3 only, and OpenSSL (BoringSSL, netty-tcnative) as the engine where its native library
 * loads: 20-50 % more throughput than the JDK engine on this stack, which stays the fallback.
 */
public record TlsServerConfig(Path certFile, Path keyFile) {
  public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** Whether the OpenSSL engine is used (its native library loaded). */
  public static boolean openSsl() {
    return OpenSsl.isAvailable();
  }

  /** The engine in use, for the log: {@code OpenSSL (BoringSSL ...)} or why the JDK engine serves. */
  public static String engine() {
    return OpenSsl.isAvailable() ? "OpenSSL (" + OpenSsl.versionString() + ")"
        : "JDK (OpenSSL unavailable: " + OpenSsl.unavailabilityCause() + ")";
  }

  /** HTTPS server options on the given host and port with this certificate. */
  public HttpServerOptions httpsOptions(String host, int port) {
    return new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setSsl(true)
        .setSslEngineOptions(openSsl() ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions())
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString()))
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(10)
        .setIdleTimeout(120)
        .setCompressionSupported(false);
  }
}
