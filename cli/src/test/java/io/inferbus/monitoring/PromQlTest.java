package io.inferbus.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the dashboard and alert tests count as a metric name in an expression. */
class PromQlTest {
  @Test
  void aHistogramQuantileReadsTheBucketSeriesOnly() {
    assertEquals(Set.of("inferbus_gateway_request_duration_seconds_bucket"), PromQl.metricNames(
        "histogram_quantile(0.95, sum by (le, endpoint, deployment) (rate(inferbus_gateway_request_duration_seconds_bucket"
            + "{endpoint=~\"$endpoint\", deployment=~\"$deployment\", deployment!=\"\"}[$__rate_interval])))"));
  }

  @Test
  void labelListsMatchersStringsDurationsAndNumbersAreNotMetrics() {
    assertEquals(List.of("a_total", "b", "c_seconds_count"), List.copyOf(PromQl.metricNames(
        "sum without (instance) (increase(a_total{code=~\"5..\", x='y'}[5m] offset 1h)) / on (endpoint) group_left (team)"
            + " b * 1e3 > bool 0.5 unless c_seconds_count[10m:1m] or vector(0) and Inf")));
  }

  @Test
  void anAggregationWithItsClauseFirstIsACall() {
    assertEquals(Set.of("up", "x"), PromQl.metricNames("max by (job) (up) - count without(a)(x)"));
  }

  @Test
  void aMisspelledFunctionIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("histogram_quantil(0.9, x)"));
  }
}
