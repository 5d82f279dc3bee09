package io.inferbus.protocol.net;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;

/**
 * The HTTPS base URL a caller reached a server at, for URLs handed back to that caller (a gateway's
 * OpenAPI document, the control plane's console sign-in link). Taken from the request's Host (or
 * HTTP/2 {@code :authority}), which is the one that works for the caller: behind a port mapping or a
 * DNS name the server's own address would not. Only ever shown to the caller that sent it.
 */
public final class CallerUrls {
  private CallerUrls() {}

  /** {@code https://host[:port]} as the request addressed this server; its local address without a Host. */
  public static String baseUrl(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    if (authority != null) {
      return baseUrl(authority.host(), authority.port());
    }
    SocketAddress local = request.localAddress(); // HTTP/1.0 without Host
    return baseUrl(local.hostAddress(), local.port());
  }

  /** {@code https://host[:port]}: an IPv6 literal in brackets, no port for 443 or none ({@code port <= 0}). */
  public static String baseUrl(String host, int port) {
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return "https://" + host + (port > 0 && port != 443 ? ":" + port : "");
  }
}
