package io.inferbus.gateway.routing;

import io.inferbus.protocol.state.InstanceState;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ready instance as the gateway routes to it, with the gateway's count of requests outstanding
 * there: {@link #sent()} before the request goes out, {@link #answered()} when its answer (or
 * failure) comes back.
 */
public record InstanceRoute(InstanceState state, AtomicInteger outstanding) {
  public void sent() {
    outstanding.incrementAndGet();
  }

  public void answered() {
    outstanding.decrementAndGet();
  }
}
