package io.inferbus.controlplane.rollout;

import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SortedMap;

/**
 * What {@link RolloutJudge} found of a canary over a window: the outcome, the figures of the canary
 * and of the stable deployment(s) it was compared with, and every limit breached (the first is the
 * one named as {@link #limit}).
 *
 * @param relativeLimitsApplied false when the stable deployment(s) had fewer than {@code min_requests}
 *     answers in the window (at the last step they have none), so only the absolute limits judged
 */
public record Verdict(Outcome outcome, Figures canary, Figures stable, List<Breach> breaches,
    boolean relativeLimitsApplied) {
  public Verdict {
    breaches = List.copyOf(breaches);
  }

  /** What the window shows. */
  public enum Outcome {
    /** Enough answers, no limit breached. */
    PASS("pass"),
    /** Enough answers, at least one limit breached. */
    BREACH("breach"),
    /** Fewer answers than {@code min_requests}: not judged. */
    INSUFFICIENT_DATA("insufficient_data");

    private final String wireName;

    Outcome(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /**
   * One limit breached: the figure measured against the limit.
   *
   * @param limit the rollout field, such as {@code max_p95_ms}
   * @param value what was measured (for a relative limit: the difference or ratio to the stable)
   * @param threshold the limit's value
   */
  public record Breach(String limit, double value, double threshold, String message) {
    public JsonObject toJson() {
      return new JsonObject().put("limit", limit).put("value", Figures.round(value)).put("threshold", threshold)
          .put("message", message);
    }
  }

  /** The first limit breached, or null. */
  public String limit() {
    return breaches.isEmpty() ? null : breaches.get(0).limit();
  }

  /**
   * One side's figures over the window. {@code errorRatePercent} counts the service's failures (5xx,
   * 408, 429) as {@link WindowStats#isFailure} does; quantiles in milliseconds, null without answers.
   */
  public record Figures(long requests, long failures, SortedMap<Integer, Long> errors, double errorRatePercent,
      Double p50Ms, Double p95Ms, Double p99Ms) {
    public static Figures of(WindowStats w) {
      return new Figures(w.requests(), w.failures(), w.errors(), w.errorRate() * 100,
          quantile(w, 0.5), quantile(w, 0.95), quantile(w, 0.99));
    }

    public JsonObject toJson() {
      JsonObject errorsByStatus = new JsonObject();
      for (Map.Entry<Integer, Long> e : errors.entrySet()) {
        errorsByStatus.put(Integer.toString(e.getKey()), e.getValue());
      }
      return new JsonObject()
          .put("requests", requests)
          .put("failures", failures)
          .put("errors", errorsByStatus)
          .put("error_rate_percent", round(errorRatePercent))
          .put("p50_ms", p50Ms == null ? null : round(p50Ms))
          .put("p95_ms", p95Ms == null ? null : round(p95Ms))
          .put("p99_ms", p99Ms == null ? null : round(p99Ms));
    }

    private static Double quantile(WindowStats w, double q) {
      OptionalDouble ms = w.latency().quantileMs(q);
      return ms.isPresent() ? ms.getAsDouble() : null;
    }

    /** To the thousandth: quantiles are within 4 % anyway, rates are shown as percentages. */
    static double round(double value) {
      return Math.round(value * 1000) / 1000.0;
    }
  }

  /** {@code {"outcome", "limit", "breaches", "canary", "stable", "relative_limits_applied"}}. */
  public JsonObject toJson() {
    JsonArray shown = new JsonArray();
    breaches.forEach(b -> shown.add(b.toJson()));
    return new JsonObject()
        .put("outcome", outcome.wireName())
        .put("limit", limit())
        .put("breaches", shown)
        .put("canary", canary.toJson())
        .put("stable", stable.toJson())
        .put("relative_limits_applied", relativeLimitsApplied);
  }
}
