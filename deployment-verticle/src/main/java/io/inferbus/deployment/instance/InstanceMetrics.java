package io.inferbus.deployment.instance;

import io.inferbus.deployment.runner.BatchRunner;
import io.inferbus.protocol.FailureKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One deployment's metrics on this node, shared by its instances here and named in Triton's
 * vocabulary (docs/operations.md lists them): requests by outcome, model runs with their duration,
 * how long requests waited in the queue, rows per run, and the requests running and waiting now.
 * Built once per deployment by the node agent and kept across scale and spec changes (a counter
 * that restarted would read as a process restart to Prometheus); {@link #remove()} drops every
 * series once the deployment is gone.
 */
public final class InstanceMetrics {
  /** Model run and queue-wait buckets: 100 µs to 60 s. */
  static final Duration[] TIME_BUCKETS = durations(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500,
      5_000, 10_000, 30_000, 60_000);
  /** Rows per run: powers of two up to the largest max_batch_size worth having. */
  static final double[] ROW_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

  /** What an instance has running and waiting now, read when Prometheus scrapes. */
  public interface Load {
    int running();

    int waiting();
  }

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter answered;
  private final Map<FailureKind, Counter> refused = new EnumMap<>(FailureKind.class);
  private final Counter runs;
  private final Timer runDuration;
  private final Timer queueWait;
  private final DistributionSummary batchRows;
  private final Set<Load> loads = ConcurrentHashMap.newKeySet();
  /** What the instances' batch runners report of each model run. */
  private final BatchRunner.Runs runsListener = new BatchRunner.Runs() {
    @Override
    public void started() {
      runs.increment();
    }

    @Override
    public void ended(long rows, long nanos) {
      batchRows.record(rows);
      runDuration.record(nanos, TimeUnit.NANOSECONDS);
    }
  };

  public InstanceMetrics(MeterRegistry registry, String endpoint, String deployment) {
    this.registry = registry;
    answered = keep(Counter.builder("inferbus.instance.requests").tag("endpoint", endpoint)
        .tag("deployment", deployment).tag("outcome", "ok")
        .description("scoring requests an instance finished, by outcome").register(registry));
    for (FailureKind kind : FailureKind.values()) {
      refused.put(kind, keep(Counter.builder("inferbus.instance.requests").tag("endpoint", endpoint)
          .tag("deployment", deployment).tag("outcome", kind.name().toLowerCase(Locale.ROOT))
          .description("scoring requests an instance finished, by outcome").register(registry)));
    }
    runs = keep(Counter.builder("inferbus.instance.runs").tag("endpoint", endpoint).tag("deployment", deployment)
        .description("ONNX Runtime runs (one per batch)").register(registry));
    runDuration = keep(Timer.builder("inferbus.instance.run.duration").tag("endpoint", endpoint)
        .tag("deployment", deployment).serviceLevelObjectives(TIME_BUCKETS)
        .description("time ONNX Runtime took per run (one per batch), decoding and encoding excluded")
        .register(registry));
    queueWait = keep(Timer.builder("inferbus.instance.queue.wait").tag("endpoint", endpoint)
        .tag("deployment", deployment).serviceLevelObjectives(TIME_BUCKETS)
        .description("time a request waited in its instance's queue before a worker took it").register(registry));
    batchRows = keep(DistributionSummary.builder("inferbus.instance.batch.rows").tag("endpoint", endpoint)
        .tag("deployment", deployment).serviceLevelObjectives(ROW_BUCKETS)
        .description("rows per ONNX Runtime run").register(registry));
    keep(Gauge.builder("inferbus.instance.in_flight", loads, all -> sum(all, true)).tag("endpoint", endpoint)
        .tag("deployment", deployment).description("requests the deployment's instances on this node are running")
        .register(registry));
    keep(Gauge.builder("inferbus.instance.queued", loads, all -> sum(all, false)).tag("endpoint", endpoint)
        .tag("deployment", deployment).description("requests waiting in the queues of the deployment's instances on"
            + " this node").register(registry));
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  private static double sum(Set<Load> loads, boolean running) {
    long n = 0;
    for (Load l : loads) {
      n += running ? l.running() : l.waiting();
    }
    return n;
  }

  /** Counts an instance's running and waiting requests in the gauges, until {@link #detach}. */
  void attach(Load load) {
    loads.add(load);
  }

  void detach(Load load) {
    loads.remove(load);
  }

  /** Drops every series of the deployment on this node (it was deleted). */
  public void remove() {
    loads.clear();
    meters.forEach(registry::remove);
  }

  void answered() {
    answered.increment();
  }

  void refused(FailureKind kind) {
    refused.get(kind).increment();
  }

  /** Counts the model runs of the deployment's batch runners. */
  BatchRunner.Runs runs() {
    return runsListener;
  }

  void waited(long nanos) {
    queueWait.record(nanos, TimeUnit.NANOSECONDS);
  }

  private static Duration[] durations(double... millis) {
    Duration[] out = new Duration[millis.length];
    for (int i = 0; i < millis.length; i++) {
      out[i] = Duration.ofNanos(Math.round(millis[i] * 1_000_000));
    }
    return out;
  }
}
