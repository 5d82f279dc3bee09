package io.inferbus.gateway.routing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own count of requests outstanding at each instance (sent, not yet answered). It
 * outlives routing-table rebuilds, so a request sent before a rebuild is still counted after it.
 */
public final class InstanceLoad {
  private final ConcurrentHashMap<String, AtomicInteger> outstanding = new ConcurrentHashMap<>();

  /** The counter of an instance, created at 0. */
  AtomicInteger counter(String instanceId) {
    return outstanding.computeIfAbsent(instanceId, id -> new AtomicInteger());
  }

  /** Requests outstanding at an instance. */
  public int outstanding(String instanceId) {
    AtomicInteger c = outstanding.get(instanceId);
    return c == null ? 0 : c.get();
  }

  /** Forgets instances that are gone and hold nothing. */
  void retainOnly(Set<String> instanceIds) {
    outstanding.entrySet().removeIf(e -> !instanceIds.contains(e.getKey()) && e.getValue().get() == 0);
  }
}
