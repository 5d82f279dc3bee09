package io.inferbus.deployment.instance;

import io.inferbus.protocol.FailureKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deployment's instance metrics, named in Triton's vocabulary: requests by outcome, model runs,
 * and rows per run (1 without batching). Exposed on the node's /metrics as
 * {@code inferbus_instance_requests_total}, {@code inferbus_instance_runs_total},
 * {@code inferbus_instance_batch_rows}.
 */
final class InstanceMetrics {
  private final Counter answered;
  private final Map<FailureKind, Counter> refused = new EnumMap<>(FailureKind.class);
  private final Counter runs;
  private final DistributionSummary batchRows;

  InstanceMetrics(MeterRegistry registry, String endpoint, String deployment) {
    answered = Counter.builder("inferbus.instance.requests").tag("endpoint", endpoint).tag("deployment", deployment)
        .tag("outcome", "ok").description("scoring requests an instance finished, by outcome").register(registry);
    for (FailureKind kind : FailureKind.values()) {
      refused.put(kind, Counter.builder("inferbus.instance.requests").tag("endpoint", endpoint)
          .tag("deployment", deployment).tag("outcome", kind.name().toLowerCase(Locale.ROOT))
          .description("scoring requests an instance finished, by outcome").register(registry));
    }
    runs = Counter.builder("inferbus.instance.runs").tag("endpoint", endpoint).tag("deployment", deployment)
        .description("ONNX Runtime runs (one per batch)").register(registry);
    batchRows = DistributionSummary.builder("inferbus.instance.batch.rows").tag("endpoint", endpoint)
        .tag("deployment", deployment).description("rows per ONNX Runtime run").register(registry);
  }

  void answered() {
    answered.increment();
  }

  void refused(FailureKind kind) {
    refused.get(kind).increment();
  }

  void run(long rows) {
    runs.increment();
    batchRows.record(rows);
  }
}
