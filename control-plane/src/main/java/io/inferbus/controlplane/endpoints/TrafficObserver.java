package io.inferbus.controlplane.endpoints;

import io.inferbus.controlplane.operations.Actor;

/**
 * Told of an endpoint's traffic revisions made by operators (PUT, PATCH, rollback) and of its
 * deletion, on the store thread inside the change's own transaction, so that what it writes is
 * durable together with the change or not at all. A rollout pauses itself this way when someone
 * else moves its traffic. Revisions made through {@link EndpointService#reviseTraffic} are not told:
 * their caller decided them.
 */
public interface TrafficObserver {
  /** The endpoint's traffic became {@code revision}, by {@code actor}. */
  void trafficRevised(String endpoint, long revision, Actor actor);

  /** The endpoint is being deleted with its deployments and traffic history. */
  void endpointDeleted(String endpoint);
}
