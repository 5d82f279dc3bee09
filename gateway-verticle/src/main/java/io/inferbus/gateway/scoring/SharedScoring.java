package io.inferbus.gateway.scoring;

import io.inferbus.gateway.auth.EndpointAuthenticator;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.gateway.statistics.RecentStatistics;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.inferbus.protocol.delivery.LocalInstances;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.inferbus.protocol.net.Cidr;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of the scoring path a node's gateway has once, whichever event loop serves a request:
 * the meters (each series registered once, so requests on every loop count into it, and a deleted
 * deployment's series are removed once, not by one loop under another's feet), the recent
 * statistics the control plane gathers (every loop counting into the same slots), the authenticator
 * with its caches of verified tokens (a token verified on one loop is not verified again on the
 * next), the traffic log, and the instances running in this process. Each {@link ScoringHandler} (one per loop) uses it; every part is safe
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

  /**
   * @param local the instances in this process, reached without the event bus
   * @param trustedProxies the proxies whose {@code X-Forwarded-For} names the caller
   */
  public SharedScoring(Vertx vertx, MeterRegistry registry, EndpointAuthenticator authenticator,
      TrafficLog trafficLog, LocalInstances local, List<Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
    this.metrics = new ScoringMetrics(registry);
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
  }
}
