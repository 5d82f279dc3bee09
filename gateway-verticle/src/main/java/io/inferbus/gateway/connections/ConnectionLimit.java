package io.inferbus.gateway.connections;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpConnection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cap on the gateway port's open connections ({@code --max-connections}): each open connection
 * holds a TLS session, buffers and a file descriptor, so a flood of connections must not exhaust the
 * node. A connection over the cap is not counted against it; its first request is answered 503
 * {@code TooManyConnections} and it is closed. Counted in {@code inferbus_gateway_connections_refused_total};
 * {@code inferbus_gateway_connections_open} is the connections counted now. One per node, shared by
 * the gateway's servers on every event loop, so the cap is the node's whatever loop a connection
 * lands on: the count only ever grows by a compare-and-set below the cap (never past it, not even
 * for a moment), and a connection's own calls come from its loop.
 */
public final class ConnectionLimit {
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;
  public static final String TOO_MANY_CONNECTIONS = "TooManyConnections";

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Counter refused;
  /** Connections over the cap, waiting for the request their refusal answers (from any loop). */
  private final Set<HttpConnection> overCap = ConcurrentHashMap.newKeySet();

  public ConnectionLimit(int max, MeterRegistry registry) {
    this.max = max;
    this.refused = Counter.builder("inferbus.gateway.connections.refused")
        .description("connections refused (503 TooManyConnections) because the gateway had --max-connections open")
        .register(registry);
    Gauge.builder("inferbus.gateway.connections.open", open, AtomicInteger::get)
        .description("connections open on the gateway port, counted against --max-connections").register(registry);
  }

  /**
   * A connection opened: counted when under the cap (returns true; call {@link #closed} with that
   * answer when it closes), else remembered as refused.
   */
  public boolean opened(HttpConnection connection) {
    for (int n = open.get(); n < max; n = open.get()) {
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    refused.increment();
    overCap.add(connection);
    return false;
  }

  /** The connection closed; {@code counted}: what {@link #opened} answered for it. */
  public void closed(HttpConnection connection, boolean counted) {
    if (counted) {
      open.decrementAndGet();
    } else {
      overCap.remove(connection);
    }
  }

  /** Whether the connection was opened over the cap (its requests are refused). */
  public boolean refuses(HttpConnection connection) {
    return overCap.contains(connection);
  }

  /** What a refused caller reads. */
  public String message() {
    return "the gateway has " + max + " connections open, its limit (--max-connections " + max
        + "); try again shortly, or reuse a kept-alive connection";
  }
}
