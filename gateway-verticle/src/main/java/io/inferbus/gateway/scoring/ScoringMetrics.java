package io.inferbus.gateway.scoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What callers of an endpoint see, as Azure ML shows it per endpoint and deployment: scoring
 * requests by status code ({@code inferbus_gateway_requests_total{endpoint, deployment, code}}) and
 * their latency from the request's head to the end of its answer
 * ({@code inferbus_gateway_request_duration_seconds{endpoint, deployment}}). {@code deployment} is
 * the one that answered, empty for requests refused before one was chosen (401, 403, 404). Only
 * existing endpoints are measured, so callers cannot grow the label set with made-up names. Meters
 * are built once per endpoint, deployment and code, not looked up in the registry per request.
 */
final class ScoringMetrics {
  private final MeterRegistry registry;
  private final Map<String, Map<String, DeploymentMeters>> byEndpoint = new ConcurrentHashMap<>();

  ScoringMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void record(String endpoint, String deployment, int status, long nanos) {
    byEndpoint.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>())
        .computeIfAbsent(deployment == null ? "" : deployment, d -> new DeploymentMeters(endpoint, d))
        .record(status, nanos);
  }

  private final class DeploymentMeters {
    private final String endpoint;
    private final String deployment;
    private final Timer latency;
    private final Map<Integer, Counter> byStatus = new ConcurrentHashMap<>();

    DeploymentMeters(String endpoint, String deployment) {
      this.endpoint = endpoint;
      this.deployment = deployment;
      latency = Timer.builder("inferbus.gateway.request.duration").tag("endpoint", endpoint)
          .tag("deployment", deployment).description("scoring requests, from their head to the end of the answer")
          .register(registry);
    }

    void record(int status, long nanos) {
      latency.record(nanos, TimeUnit.NANOSECONDS);
      byStatus.computeIfAbsent(status, s -> Counter.builder("inferbus.gateway.requests").tag("endpoint", endpoint)
          .tag("deployment", deployment).tag("code", Integer.toString(s))
          .description("scoring requests answered, by status code").register(registry)).increment();
    }
  }
}
