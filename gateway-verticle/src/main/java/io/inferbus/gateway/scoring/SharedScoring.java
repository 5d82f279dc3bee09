package io.inferbus.gateway.scoring;

import io.inferbus.gateway.auth.EndpointAuthenticator;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.gateway.statistics.RecentStatistics;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.inferbus.protocol.delivery.LocalInstances;
import io.inferbus.protocol.net.Cidr;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The part of the scoring path a node's gateway has once, whichever event loop serves a request:
 * the meters (each series registered once, so requests on every loop count into it, and a deleted
 * deployment's series are removed once, not by one loop under another's feet), the recent
 * statistics the control plane gathers (every loop counting into the same slots), the authenticator
 * with its caches of verified tokens (a token verified on one loop is not verified again on the
 * next), the traffic log, the instances running in this process, and the requests held while a
 * deployment scaled to zero wakes ({@link ColdStartHold}). Each {@link ScoringHandler} (one per
 * loop) uses it; every part is safe
 * to use from any thread: concurrent maps, Micrometer's meters, atomic counters, a volatile
 * verifier, a lock around the traffic log's pending chunk.
 */
public final class SharedScoring {
  final ScoringMetrics metrics;
  final Mirroring mirroring;
  final EndpointAuthenticator authenticator;
  final TrafficLog trafficLog;
  final LocalInstances local;
  final RecentStatistics statistics;
  final List<Cidr> trustedProxies;
  private final TrafficRevisionGauges revisions;
  final ColdStartHold coldStarts;

  /**
   * @param local the instances in this process, reached without the event bus
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} names the caller
   * @param nodeId this gateway's node id, named in its wake requests (null outside a node)
   * @param table the node's current routing table, which releases requests held for an instance to start
   */
  public SharedScoring(Vertx vertx, MeterRegistry registry, EndpointAuthenticator authenticator,
      TrafficLog trafficLog, LocalInstances local, List<Cidr> trustedProxies, String nodeId,
      Supplier<RoutingTable> table) {
    this.trustedProxies = List.copyOf(trustedProxies);
    this.metrics = new ScoringMetrics(registry);
    this.coldStarts = new ColdStartHold(vertx, nodeId, metrics, table, ColdStartHold.DEFAULT_MAX_WAITING);
    this.statistics = new RecentStatistics(System::currentTimeMillis);
    this.mirroring = new Mirroring(vertx, registry, trafficLog, statistics);
    this.authenticator = authenticator;
    this.trafficLog = trafficLog;
    this.local = local;
    this.revisions = new TrafficRevisionGauges(registry);
  }

  /** Each deployment's answers of the last hour in 10-second slots, for the control plane. */
  public RecentStatistics statistics() {
    return statistics;
  }

  /** Requests held for deployments with no ready instance yet (scale to zero). */
  public ColdStartHold coldStarts() {
    return coldStarts;
  }

  /**
   * The routing table changed: the series of endpoints and deployments that no longer exist go
   * (those that remain keep counting through traffic and scale changes). Called once per change, by
   * the gateway that rebuilt the table.
   */
  public void tableChanged(RoutingTable now) {
    Map<String, Set<String>> names = now.names();
    metrics.retain(names);
    mirroring.retain(names);
    revisions.tableChanged(now);
    coldStarts.tableChanged(now);
  }
}
