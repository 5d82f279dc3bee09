package io.inferbus.controlplane.metrics;

import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The control plane's metrics: the management changes it answered, and the desired and running
 * state of every endpoint and deployment, for dashboards that draw a traffic split or a scale-out
 * over time.
 *
 * <p>The gauges show what the control plane has published to the cluster's endpoint and deployment
 * tables (what gateways route by and node agents run), which it watches here, and the instance
 * table as its live view holds it. A scrape reads them from its own thread, so they read immutable
 * snapshots that the control plane's event loop replaces on every change; a scrape never waits for
 * the store or the cluster. A deployment's series are registered when it appears and stay through
 * every traffic or scale change (the gauges read current values: removing and registering them again
 * would read as a reset); they are removed when the deployment is deleted, an endpoint's revision
 * gauge when the endpoint is.
 */
public final class ControlPlaneMetrics {
  static final String CHANGES = "inferbus.controlplane.changes";
  static final String TRAFFIC_WEIGHT = "inferbus.endpoint.traffic.weight";
  static final String MIRROR_TRAFFIC_WEIGHT = "inferbus.endpoint.mirror.traffic.weight";
  static final String TRAFFIC_REVISION = "inferbus.endpoint.traffic.revision";
  static final String DESIRED_INSTANCES = "inferbus.deployment.desired.instances";
  static final String INSTANCES = "inferbus.deployment.instances";
  /** Every deployment has a series for each of these, 0 included. */
  static final List<String> STATES = List.of(InstanceState.LOADING, InstanceState.READY, InstanceState.DRAINING,
      InstanceState.FAILED);

  /** The {@code outcome} label: 2xx, 4xx, 5xx. */
  private enum Outcome {
    OK, REFUSED, FAILED;

    static Outcome of(int status) {
      return status >= 500 ? FAILED : status >= 400 ? REFUSED : OK;
    }
  }

  /** The published endpoints and deployments (deployment key → state), as the gauges read them. */
  private record Published(Map<String, EndpointState> endpoints, Map<String, DeploymentState> deployments) {}

  private final MeterRegistry registry;
  private final Map<ChangeKind, Map<Outcome, Counter>> changes = new EnumMap<>(ChangeKind.class);
  private final ClusterMapView<EndpointState> endpoints;
  private final ClusterMapView<DeploymentState> deployments;
  private volatile Published published = new Published(Map.of(), Map.of());
  /** deployment key → state → instances, every deployment of the instance table (replaced whole). */
  private volatile Map<String, Map<String, Integer>> instances = Map.of();
  /** The gauges registered, by endpoint and by deployment key (context only). */
  private final Map<String, Meter> endpointSeries = new HashMap<>();
  private final Map<String, List<Meter>> deploymentSeries = new HashMap<>();

  /** @param context the control plane's context: the views apply changes there, and are read there */
  public ControlPlaneMetrics(MeterRegistry registry, ClusterRecords records, Context context) {
    this.registry = registry;
    // Every kind and outcome from the start: a counter that first appears at 1 loses that change
    // to Prometheus's increase() and rate().
    for (ChangeKind kind : ChangeKind.values()) {
      Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
      for (Outcome outcome : Outcome.values()) {
        byOutcome.put(outcome, Counter.builder(CHANGES)
            .description("Mutating management calls answered, by what they change and how they ended")
            .tag("kind", kind.label()).tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
            .register(registry));
      }
      changes.put(kind, byOutcome);
    }
    this.endpoints = records.view(ClusterMaps.ENDPOINTS, context, EndpointState::fromJson,
        this::publishedChanged);
    this.deployments = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson,
        this::publishedChanged);
  }

  /** Starts watching the endpoint and deployment tables; completes once both are loaded. */
  public Future<Void> start() {
    return endpoints.start().compose(v -> deployments.start());
  }

  /** Stops watching and removes the gauges (the counters stay: they count for the node's whole life). */
  public void stop() {
    endpoints.stop();
    deployments.stop();
    endpointSeries.values().forEach(registry::remove);
    endpointSeries.clear();
    deploymentSeries.values().forEach(meters -> meters.forEach(registry::remove));
    deploymentSeries.clear();
  }

  /** Counts a mutating call once answered with {@code status}. */
  public void changeAnswered(ChangeKind kind, int status) {
    changes.get(kind).get(Outcome.of(status)).increment();
  }

  /** Whether the endpoint is in the cluster's endpoint table (read on the context). */
  public boolean endpointExists(String endpoint) {
    return endpoints.entries().containsKey(endpoint);
  }

  /** Whether the deployment is in the cluster's deployment table (read on the context). */
  public boolean deploymentExists(String endpoint, String deployment) {
    return deployments.entries().containsKey(ClusterMaps.deploymentKey(endpoint, deployment));
  }

  /** Call on the context with the whole instance table after every change of it. */
  public void instancesChanged(Collection<InstanceState> all) {
    Map<String, Map<String, Integer>> counts = new HashMap<>();
    for (InstanceState i : all) {
      counts.computeIfAbsent(ClusterMaps.deploymentKey(i.endpoint(), i.deployment()), k -> new HashMap<>())
          .merge(String.valueOf(i.state()), 1, Integer::sum);
    }
    instances = counts;
  }

  /** On the context: takes the new snapshot, registers the series of what appeared, removes those of what went. */
  private void publishedChanged() {
    Published now = new Published(Map.copyOf(endpoints.entries()), Map.copyOf(deployments.entries()));
    published = now;
    endpointSeries.entrySet().removeIf(e -> {
      boolean gone = !now.endpoints().containsKey(e.getKey());
      if (gone) {
        registry.remove(e.getValue());
      }
      return gone;
    });
    deploymentSeries.entrySet().removeIf(e -> {
      boolean gone = !now.deployments().containsKey(e.getKey());
      if (gone) {
        e.getValue().forEach(registry::remove);
      }
      return gone;
    });
    now.endpoints().keySet().forEach(name -> endpointSeries.computeIfAbsent(name, this::endpointGauges));
    now.deployments().forEach((key, d) ->
        deploymentSeries.computeIfAbsent(key, k -> deploymentGauges(d.endpoint(), d.name())));
  }

  private Meter endpointGauges(String endpoint) {
    return Gauge.builder(TRAFFIC_REVISION, () -> {
      EndpointState e = published.endpoints().get(endpoint);
      return e == null ? 0 : e.trafficRevision();
    }).description("The endpoint's current traffic revision").tag("endpoint", endpoint).register(registry);
  }

  private List<Meter> deploymentGauges(String endpoint, String deployment) {
    String key = ClusterMaps.deploymentKey(endpoint, deployment);
    List<Meter> meters = new ArrayList<>();
    meters.add(Gauge.builder(TRAFFIC_WEIGHT, () -> weight(endpoint, deployment, false))
        .description("Percent of the endpoint's live traffic the deployment gets (current revision)")
        .tag("endpoint", endpoint).tag("deployment", deployment).register(registry));
    meters.add(Gauge.builder(MIRROR_TRAFFIC_WEIGHT, () -> weight(endpoint, deployment, true))
        .description("Percent of the endpoint's live traffic copied to the deployment (current revision)")
        .tag("endpoint", endpoint).tag("deployment", deployment).register(registry));
    meters.add(Gauge.builder(DESIRED_INSTANCES, () -> {
      DeploymentState d = published.deployments().get(key);
      return d == null ? 0 : d.instanceCount();
    }).description("The deployment's instance_count").tag("endpoint", endpoint).tag("deployment", deployment)
        .register(registry));
    for (String state : STATES) {
      meters.add(Gauge.builder(INSTANCES, () -> instances.getOrDefault(key, Map.of()).getOrDefault(state, 0))
          .description("The deployment's instances in the cluster by state")
          .tag("endpoint", endpoint).tag("deployment", deployment).tag("state", state).register(registry));
    }
    return meters;
  }

  private int weight(String endpoint, String deployment, boolean mirror) {
    EndpointState e = published.endpoints().get(endpoint);
    if (e == null) {
      return 0;
    }
    return (mirror ? e.mirrorTraffic() : e.traffic()).getOrDefault(deployment, 0);
  }
}
