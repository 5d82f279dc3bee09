package io.inferbus.protocol.stats;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;

/**
 * What the control plane asks a gateway for ({@link io.inferbus.protocol.Addresses#gatewayStatistics}):
 * the windows of one endpoint (or every endpoint; one deployment, or all of them) whose 10-second
 * slots start in {@code [fromMs, toMs)}, added up per step of {@code stepMs} counted from
 * {@code fromMs}. A step of {@code toMs - fromMs} asks for one window over the whole span.
 *
 * <p>JSON: {@code {"endpoint"?, "deployment"?, "from_ms", "to_ms", "step_ms", "by_revision"?}}, times
 * in epoch milliseconds. {@code by_revision: true} asks for each deployment's answers split by the
 * endpoint's traffic revision that routed them (the control plane's per-minute rollups); without it
 * they are added up over revisions.
 *
 * @param endpoint the endpoint, or null for every endpoint
 * @param deployment one deployment of {@code endpoint}, or null for all of them
 */
public record StatisticsQuery(String endpoint, String deployment, long fromMs, long toMs, long stepMs,
    boolean byRevision) {
  /** Most steps one query may ask for (an hour in 10-second steps is 360). */
  public static final int MAX_STEPS = 1000;

  public StatisticsQuery {
    if (deployment != null && endpoint == null) {
      throw refused("deployment", "a deployment is asked for with its endpoint");
    }
    if (toMs <= fromMs) {
      throw refused("to_ms", "to_ms (" + toMs + ") must be after from_ms (" + fromMs + ")");
    }
    if (stepMs <= 0) {
      throw refused("step_ms", "step_ms must be positive, not " + stepMs);
    }
    if ((toMs - fromMs + stepMs - 1) / stepMs > MAX_STEPS) {
      throw refused("step_ms", "at most " + MAX_STEPS + " steps: step_ms " + stepMs + " over " + (toMs - fromMs)
          + " ms is too many");
    }
  }

  /** Added up over traffic revisions. */
  public StatisticsQuery(String endpoint, String deployment, long fromMs, long toMs, long stepMs) {
    this(endpoint, deployment, fromMs, toMs, stepMs, false);
  }

  /** Every deployment of every endpoint. */
  public static StatisticsQuery all(long fromMs, long toMs, long stepMs) {
    return new StatisticsQuery(null, null, fromMs, toMs, stepMs);
  }

  /** Whether the query asks for this deployment's windows. */
  public boolean asksFor(String endpointName, String deploymentName) {
    return (endpoint == null || endpoint.equals(endpointName))
        && (deployment == null || deployment.equals(deploymentName));
  }

  /** Whether a slot starting at {@code startMs} is in the span. */
  public boolean contains(long startMs) {
    return startMs >= fromMs && startMs < toMs;
  }

  /** The start of the step a slot starting at {@code startMs} (in the span) adds to. */
  public long stepOf(long startMs) {
    return fromMs + Math.floorDiv(startMs - fromMs, stepMs) * stepMs;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    if (endpoint != null) {
      json.put("endpoint", endpoint);
    }
    if (deployment != null) {
      json.put("deployment", deployment);
    }
    json.put("from_ms", fromMs).put("to_ms", toMs).put("step_ms", stepMs);
    if (byRevision) {
      json.put("by_revision", true);
    }
    return json;
  }

  /**
   * Reads {@link #toJson}'s form. Refused, as BAD_INPUT naming the field: anything but an object,
   * an endpoint or deployment that is not a string, a time that is not a whole number, {@code to_ms}
   * not after {@code from_ms}, a step that is not positive or makes more than {@value #MAX_STEPS} steps.
   */
  public static StatisticsQuery fromJson(Object value) {
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "a statistics query must be an object {\"endpoint\","
          + " \"from_ms\", \"to_ms\", \"step_ms\"}, not " + LatencyHistogram.describe(value));
    }
    return new StatisticsQuery(optionalString(json, "endpoint"), optionalString(json, "deployment"),
        epochMillis(json, "from_ms"), epochMillis(json, "to_ms"), epochMillis(json, "step_ms"),
        Boolean.TRUE.equals(json.getValue("by_revision")));
  }

  private static String optionalString(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw refused(field, field + " must be a string, not " + LatencyHistogram.describe(v));
  }

  private static long epochMillis(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    throw refused(field, field + " must be a whole number of milliseconds, not " + LatencyHistogram.describe(v));
  }

  private static InferbusException refused(String field, String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message, field);
  }
}
