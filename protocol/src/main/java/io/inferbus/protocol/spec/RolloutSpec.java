package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.SpecFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A canary rollout as an operator asks for it: the body of {@code POST /endpoints/{e}/rollout}, and a
 * deployment YAML's {@code rollout:} block (the CLI adds the deployment's name). The canary's share
 * of live traffic moves through {@code steps}; each step lasts {@code step_interval_s} and is judged
 * by {@link RolloutLimits}. Every field but {@code deployment} and {@code steps} has a default; a
 * limit sent as {@code null} is turned off. Unknown fields are refused: a misspelt limit must not
 * silently leave a canary unguarded.
 *
 * @param stepIntervalS how long each step lasts before it is judged as passed
 * @param maxStepExtensionS how much longer a step waits for the canary's {@code min_requests} answers
 *     once its interval is over; a step still short of them then pauses the rollout
 */
public record RolloutSpec(String deployment, List<Integer> steps, int stepIntervalS, int maxStepExtensionS,
    RolloutLimits limits) {
  public static final String DEPLOYMENT = "deployment";
  public static final String STEPS = "steps";
  public static final String STEP_INTERVAL_S = "step_interval_s";
  public static final String MAX_STEP_EXTENSION_S = "max_step_extension_s";
  public static final String MIN_REQUESTS = "min_requests";
  public static final String MAX_ERROR_RATE = "max_error_rate";
  public static final String MAX_P95_MS = "max_p95_ms";
  public static final String MAX_ERROR_RATE_INCREASE = "max_error_rate_increase";
  public static final String MAX_P95_INCREASE_MS = "max_p95_increase_ms";
  public static final String MAX_P95_RATIO = "max_p95_ratio";

  public static final int DEFAULT_STEP_INTERVAL_S = 60;
  /** A step's interval plus its extension stays within the hour that gateways keep statistics for. */
  public static final int MAX_WINDOW_S = 3600;
  /** The extension when none is given: three more intervals (within {@link #MAX_WINDOW_S}). */
  public static final int DEFAULT_EXTENSION_INTERVALS = 3;
  public static final long DEFAULT_MIN_REQUESTS = 100;
  public static final long MAX_MIN_REQUESTS = 1_000_000;
  public static final double DEFAULT_MAX_ERROR_RATE_INCREASE = 1.0;
  public static final double DEFAULT_MAX_P95_RATIO = 2.0;
  public static final double MAX_LATENCY_MS = 180_000;

  public RolloutSpec {
    steps = List.copyOf(steps);
  }

  /**
   * The body of {@code POST /endpoints/{e}/rollout}. Refused as BAD_INPUT naming the field: an unknown
   * field; no deployment or an invalid name; steps missing, empty, not whole numbers from 1 to 100,
   * not increasing, or not ending at 100; an interval or extension out of range; a limit that is not
   * a number in its range; every limit off.
   */
  public static RolloutSpec parse(JsonObject body) {
    SpecValues.onlyKnown(body, "the rollout", SpecFields.ROLLOUT, String.join(", ", SpecFields.ROLLOUT.stream()
        .sorted().toList()));
    Object deployment = body.getValue(DEPLOYMENT);
    if (deployment == null) {
      throw bad(DEPLOYMENT, "deployment is missing: name the deployment to roll out (the canary), e.g."
          + " {\"deployment\": \"green\", \"steps\": [10, 50, 100]}");
    }
    if (!(deployment instanceof String name)) {
      throw bad(DEPLOYMENT, "deployment must be a deployment's name, not " + SpecValues.shown(deployment));
    }
    Names.deployment(name);
    List<Integer> steps = steps(body.getValue(STEPS));
    int interval = SpecValues.wholeNumber(body.getValue(STEP_INTERVAL_S), STEP_INTERVAL_S, DEFAULT_STEP_INTERVAL_S,
        1, MAX_WINDOW_S - 1);
    int extension = SpecValues.wholeNumber(body.getValue(MAX_STEP_EXTENSION_S), MAX_STEP_EXTENSION_S,
        Math.min(DEFAULT_EXTENSION_INTERVALS * interval, MAX_WINDOW_S - interval), 0, MAX_WINDOW_S - interval);
    long minRequests = SpecValues.wholeNumber(body.getValue(MIN_REQUESTS), MIN_REQUESTS, (int) DEFAULT_MIN_REQUESTS,
        1, (int) MAX_MIN_REQUESTS);
    RolloutLimits limits = new RolloutLimits(minRequests,
        limit(body, MAX_ERROR_RATE, null, 0, 100, "a percentage from 0 to 100, e.g. 1 for 1 %"),
        limit(body, MAX_P95_MS, null, 0.001, MAX_LATENCY_MS, "milliseconds, more than 0"),
        limit(body, MAX_ERROR_RATE_INCREASE, DEFAULT_MAX_ERROR_RATE_INCREASE, 0, 100,
            "percentage points from 0 to 100, e.g. 1"),
        limit(body, MAX_P95_INCREASE_MS, null, 0, MAX_LATENCY_MS, "milliseconds, 0 or more"),
        limit(body, MAX_P95_RATIO, DEFAULT_MAX_P95_RATIO, 1, 1000, "a ratio from 1 to 1000, e.g. 1.5"));
    if (!limits.anyLimit()) {
      throw bad(MAX_ERROR_RATE, "every limit is off, so nothing could ever stop this rollout; give at least one of "
          + "max_error_rate, max_p95_ms, max_error_rate_increase, max_p95_increase_ms, max_p95_ratio");
    }
    return new RolloutSpec(name, steps, interval, extension, limits);
  }

  /** As stored and shown: every field with its value in effect, {@code null} for a limit that is off. */
  public JsonObject toJson() {
    return new JsonObject()
        .put(DEPLOYMENT, deployment)
        .put(STEPS, new JsonArray(new ArrayList<>(steps)))
        .put(STEP_INTERVAL_S, stepIntervalS)
        .put(MAX_STEP_EXTENSION_S, maxStepExtensionS)
        .put(MIN_REQUESTS, limits.minRequests())
        .put(MAX_ERROR_RATE, limits.maxErrorRate())
        .put(MAX_P95_MS, limits.maxP95Ms())
        .put(MAX_ERROR_RATE_INCREASE, limits.maxErrorRateIncrease())
        .put(MAX_P95_INCREASE_MS, limits.maxP95IncreaseMs())
        .put(MAX_P95_RATIO, limits.maxP95Ratio());
  }

  /** Reads {@link #toJson}'s form back (a stored rollout): what was valid when stored is taken as it is. */
  public static RolloutSpec fromJson(JsonObject json) {
    List<Integer> steps = new ArrayList<>();
    json.getJsonArray(STEPS).forEach(s -> steps.add(((Number) s).intValue()));
    return new RolloutSpec(json.getString(DEPLOYMENT), steps, json.getInteger(STEP_INTERVAL_S),
        json.getInteger(MAX_STEP_EXTENSION_S), new RolloutLimits(json.getLong(MIN_REQUESTS),
            json.getDouble(MAX_ERROR_RATE), json.getDouble(MAX_P95_MS), json.getDouble(MAX_ERROR_RATE_INCREASE),
            json.getDouble(MAX_P95_INCREASE_MS), json.getDouble(MAX_P95_RATIO)));
  }

  /** The share of step {@code index} (0-based). */
  public int share(int index) {
    return steps.get(index);
  }

  public boolean isLastStep(int index) {
    return index == steps.size() - 1;
  }

  private static List<Integer> steps(Object value) {
    String example = "e.g. [10, 25, 50, 100]";
    if (value == null) {
      throw bad(STEPS, "steps is missing: give the canary's share of live traffic at each step, in percent, ending at"
          + " 100, " + example);
    }
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      throw bad(STEPS, "steps must be a non-empty list of percentages ending at 100, " + example + ", not "
          + SpecValues.shown(value));
    }
    List<Integer> steps = new ArrayList<>();
    for (Object step : array) {
      if (!(step instanceof Integer || step instanceof Long) || ((Number) step).longValue() < 1
          || ((Number) step).longValue() > 100) {
        throw bad(STEPS, "steps: " + SpecValues.shown(step) + " is not a whole number from 1 to 100; " + example);
      }
      int share = ((Number) step).intValue();
      if (!steps.isEmpty() && share <= steps.get(steps.size() - 1)) {
        throw bad(STEPS, "steps " + array.encode() + " must increase: " + share + " follows "
            + steps.get(steps.size() - 1) + "; " + example);
      }
      steps.add(share);
    }
    if (steps.get(steps.size() - 1) != 100) {
      throw bad(STEPS, "steps " + array.encode() + " must end at 100 (the canary takes all live traffic at the "
          + "last step); " + example);
    }
    return steps;
  }

  /** A limit: absent → {@code fallback}, null → off, else a number from {@code min} to {@code max}. */
  private static Double limit(JsonObject body, String field, Double fallback, double min, double max, String what) {
    if (!body.containsKey(field)) {
      return fallback;
    }
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < min
        || n.doubleValue() > max) {
      throw bad(field, field + " is " + SpecValues.shown(value) + "; use " + what + " (or null to turn it off)");
    }
    return n.doubleValue();
  }

  private static InferbusException bad(String field, String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message, field);
  }
}
