package io.inferbus.gateway.scoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What callers of an endpoint see, per endpoint and deployment (docs/operations.md lists the
 * series): requests by status code, a latency histogram from the request's head to the end of its
 * answer (buckets from 0.5 ms to 60 s, so Prometheus computes quantiles across gateways), request
 * and response body sizes, authentication refusals by reason, and retries. {@code deployment} is the
 * one that answered, empty for requests refused before one was chosen (401, 403, 404). Only existing
 * endpoints and deployments are measured, so callers cannot grow the label set with made-up names;
 * {@link #retain} drops the series of deleted ones. Meters are built once per label set, not looked
 * up in the registry per request.
 */
final class ScoringMetrics {
  /** Latency buckets, 0.5 ms to 60 s. */
  static final Duration[] LATENCY_BUCKETS = durations(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
      10_000, 30_000, 60_000);
  /** Body-size buckets, 256 B to the 16 MiB default limit (and beyond, up to 1 GiB). */
  static final double[] BYTE_BUCKETS = {256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216,
      67_108_864, 1_073_741_824};

  private final MeterRegistry registry;
  /** endpoint → deployment ("" for refusals) → meters. */
  private final Map<String, Map<String, DeploymentMeters>> byEndpoint = new ConcurrentHashMap<>();
  /** endpoint → reason → counter. */
  private final Map<String, Map<String, Counter>> authRefusals = new ConcurrentHashMap<>();

  /** Requests handed to an instance in this process, and sent over the event bus (retries and mirrors apart). */
  private final Counter deliveredLocally;
  private final Counter deliveredOverEventBus;

  ScoringMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.deliveredLocally = delivered(registry, "local");
    this.deliveredOverEventBus = delivered(registry, "event_bus");
  }

  private static Counter delivered(MeterRegistry registry, String path) {
    return Counter.builder("inferbus.gateway.deliveries").tag("path", path)
        .description("scoring requests sent to an instance, by path: local (an instance in this process, no"
            + " event-bus message) or event_bus (an instance on another node)").register(registry);
  }

  /** A request (or its retry) was sent to an instance, locally or over the event bus. */
  void delivered(boolean locally) {
    (locally ? deliveredLocally : deliveredOverEventBus).increment();
  }

  void record(String endpoint, String deployment, int status, long nanos, long bytesIn, long bytesOut) {
    meters(endpoint, deployment).record(status, nanos, bytesIn, bytesOut);
  }

  void retried(String endpoint, String deployment, String reason) {
    DeploymentMeters m = meters(endpoint, deployment);
    m.retries.computeIfAbsent(reason, r -> m.add(Counter.builder("inferbus.gateway.retries").tag("endpoint", endpoint)
        .tag("deployment", deployment).tag("reason", r)
        .description("requests sent once more to another instance because theirs was gone").register(registry)))
        .increment();
  }

  // ------------------------------------------------------------ scale to zero (ColdStartHold)

  /** Outcomes of a request held for a deployment without a ready instance. */
  static final String WAIT_SERVED = "served";
  static final String WAIT_TIMED_OUT = "timed_out";
  static final String WAIT_REFUSED = "refused";
  static final String WAIT_UNAVAILABLE = "unavailable";

  /**
   * A request waited {@code nanos} for the deployment to have a ready instance (it was scaled to zero,
   * or starting), and then was sent on ({@link #WAIT_SERVED}) or answered with a failure.
   */
  void waited(String endpoint, String deployment, String outcome, long nanos) {
    DeploymentMeters m = meters(endpoint, deployment);
    m.waits.computeIfAbsent(outcome, o -> m.add(Counter.builder("inferbus.gateway.cold_start.waits")
        .tag("endpoint", endpoint).tag("deployment", deployment).tag("outcome", o)
        .description("scoring requests held while their deployment had no ready instance (scaled to zero, or"
            + " starting), by outcome: served once an instance was ready, timed_out, refused (too many waiting),"
            + " unavailable (the deployment was not woken)").register(registry))).increment();
    if (!WAIT_REFUSED.equals(outcome)) {
      m.waitTime().record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  void authRefused(String endpoint, String reason) {
    authRefusals.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>())
        .computeIfAbsent(reason, r -> Counter.builder("inferbus.gateway.auth.refusals").tag("endpoint", endpoint)
            .tag("reason", r).description("scoring requests refused by authentication (401, 403), by reason")
            .register(registry)).increment();
  }

  /**
   * Drops the series of endpoints and deployments that no longer exist ({@code live}: endpoint →
   * its deployments); those of live ones stay, whatever changes in their traffic or scale.
   */
  void retain(Map<String, Set<String>> live) {
    byEndpoint.forEach((endpoint, deployments) -> {
      Set<String> names = live.get(endpoint);
      deployments.entrySet().removeIf(d -> {
        boolean gone = names == null || (!d.getKey().isEmpty() && !names.contains(d.getKey()));
        if (gone) {
          d.getValue().meters.forEach(registry::remove);
        }
        return gone;
      });
      if (names == null) {
        byEndpoint.remove(endpoint);
      }
    });
    authRefusals.entrySet().removeIf(e -> {
      if (live.containsKey(e.getKey())) {
        return false;
      }
      e.getValue().values().forEach(registry::remove);
      return true;
    });
  }

  private DeploymentMeters meters(String endpoint, String deployment) {
    return byEndpoint.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>())
        .computeIfAbsent(deployment == null ? "" : deployment, d -> new DeploymentMeters(endpoint, d));
  }

  private final class DeploymentMeters {
    private final String endpoint;
    private final String deployment;
    final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Timer latency;
    private final DistributionSummary requestBytes;
    private final DistributionSummary responseBytes;
    private final Map<Integer, Counter> byStatus = new ConcurrentHashMap<>();
    final Map<String, Counter> retries = new ConcurrentHashMap<>();
    final Map<String, Counter> waits = new ConcurrentHashMap<>();
    private volatile Timer waitTime;

    DeploymentMeters(String endpoint, String deployment) {
      this.endpoint = endpoint;
      this.deployment = deployment;
      latency = add(Timer.builder("inferbus.gateway.request.duration").tag("endpoint", endpoint)
          .tag("deployment", deployment).serviceLevelObjectives(LATENCY_BUCKETS)
          .description("scoring requests, from their head to the end of the answer").register(registry));
      requestBytes = add(DistributionSummary.builder("inferbus.gateway.request.bytes").baseUnit("bytes")
          .tag("endpoint", endpoint).tag("deployment", deployment).serviceLevelObjectives(BYTE_BUCKETS)
          .description("scoring request body sizes").register(registry));
      responseBytes = add(DistributionSummary.builder("inferbus.gateway.response.bytes").baseUnit("bytes")
          .tag("endpoint", endpoint).tag("deployment", deployment).serviceLevelObjectives(BYTE_BUCKETS)
          .description("scoring response body sizes").register(registry));
    }

    /** How long held requests waited for an instance; created with the first, as few deployments ever wait. */
    Timer waitTime() {
      Timer t = waitTime;
      if (t == null) {
        synchronized (this) {
          if (waitTime == null) {
            waitTime = add(Timer.builder("inferbus.gateway.cold_start.wait").tag("endpoint", endpoint)
                .tag("deployment", deployment).serviceLevelObjectives(LATENCY_BUCKETS)
                .description("how long scoring requests waited for their deployment's first ready instance")
                .register(registry));
          }
          t = waitTime;
        }
      }
      return t;
    }

    <M extends Meter> M add(M meter) {
      meters.add(meter);
      return meter;
    }

    void record(int status, long nanos, long bytesIn, long bytesOut) {
      latency.record(nanos, TimeUnit.NANOSECONDS);
      requestBytes.record(bytesIn);
      responseBytes.record(bytesOut);
      byStatus.computeIfAbsent(status, s -> add(Counter.builder("inferbus.gateway.requests").tag("endpoint", endpoint)
          .tag("deployment", deployment).tag("code", Integer.toString(s))
          .description("scoring requests answered, by status code").register(registry))).increment();
    }
  }

  private static Duration[] durations(double... millis) {
    Duration[] out = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      out[i] = Duration.ofNanos(Math.round(millis[i] * 1_000_000));
    }
    return out;
  }
}
