package io.inferbus.protocol.state;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.spec.SpecValues;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;

/**
 * A deployment's autoscaling (Azure's Kubernetes online deployment {@code scale_settings} with
 * {@code type: target_utilization}, plus Inferbus's delays): the control plane keeps
 * {@code instance_count} between {@code minInstances} and {@code maxInstances} so that the requests
 * in flight over the concurrency its ready instances admit stay near {@code targetUtilizationPercentage}.
 * {@code type: default} (Azure's managed endpoints) is a fixed {@code instance_count}: no settings,
 * null wherever a {@code ScaleSettings} is expected.
 *
 * @param minInstances never fewer instances; 0 lets an idle deployment scale to zero
 * @param maxInstances never more (at most the instance cap, 64)
 * @param pollingIntervalS how often utilisation is sampled, seconds (Azure's {@code polling_interval})
 * @param targetUtilizationPercentage the utilisation the count aims at, 1 to 100
 * @param scaleUpDelayS how long utilisation must stay above target before instances are added (Inferbus)
 * @param scaleDownDelayS how long it must stay below target before instances are removed (Inferbus)
 * @param scaleToZeroIdlePeriodS with {@code minInstances} 0: how long without any request before the
 *     last instance is retired (Inferbus)
 */
public record ScaleSettings(int minInstances, int maxInstances, int pollingIntervalS,
    int targetUtilizationPercentage, int scaleUpDelayS, int scaleDownDelayS, int scaleToZeroIdlePeriodS) {
  public static final String FIELD = "scale_settings";
  public static final String TYPE = "type";
  public static final String DEFAULT = "default";
  public static final String TARGET_UTILIZATION = "target_utilization";
  public static final String MIN_INSTANCES = "min_instances";
  public static final String MAX_INSTANCES = "max_instances";
  public static final String POLLING_INTERVAL = "polling_interval";
  public static final String TARGET_UTILIZATION_PERCENTAGE = "target_utilization_percentage";
  public static final String SCALE_UP_DELAY = "scale_up_delay";
  public static final String SCALE_DOWN_DELAY = "scale_down_delay";
  public static final String SCALE_TO_ZERO_IDLE_PERIOD = "scale_to_zero_idle_period";

  /** Azure's defaults (its Kubernetes deployment schema), then Inferbus's; plain constants the CLI and docs can name. */
  public static final int DEFAULT_MIN_INSTANCES = 1;
  public static final int DEFAULT_MAX_INSTANCES = 1;
  public static final int DEFAULT_POLLING_INTERVAL_S = 1;
  public static final int DEFAULT_TARGET_UTILIZATION_PERCENTAGE = 70;
  /** A few samples above target, so one burst does not start instances. */
  public static final int DEFAULT_SCALE_UP_DELAY_S = 5;
  /** A minute below target, so a dip between bursts does not stop instances that will be needed again. */
  public static final int DEFAULT_SCALE_DOWN_DELAY_S = 60;
  /** Five idle minutes before the last instance goes (as Azure Container Apps' cool-down). */
  public static final int DEFAULT_SCALE_TO_ZERO_IDLE_PERIOD_S = 300;

  /** The instance cap ({@code DeploymentSpec.MAX_INSTANCE_COUNT}). */
  public static final int MAX_INSTANCES_CAP = 64;
  private static final int MAX_DELAY_S = 3600;
  private static final int MAX_IDLE_PERIOD_S = 86_400;
  private static final Set<String> FIELDS = Set.of(TYPE, MIN_INSTANCES, MAX_INSTANCES, POLLING_INTERVAL,
      TARGET_UTILIZATION_PERCENTAGE, SCALE_UP_DELAY, SCALE_DOWN_DELAY, SCALE_TO_ZERO_IDLE_PERIOD);
  private static final String TAKES = "type, min_instances, max_instances, polling_interval,"
      + " target_utilization_percentage, scale_up_delay, scale_down_delay, scale_to_zero_idle_period";

  /**
   * A spec's {@code scale_settings}, validated; null for {@code type: default} (or absent). Fields
   * the value leaves out come from {@code base} (the current settings, for a PATCH), else the
   * defaults; without a base, {@code type} must be given. Refused as BAD_INPUT naming the field: not
   * an object, an unknown type or field, {@code type: default} with other fields, a number out of its
   * range or not a whole number, {@code min_instances} above {@code max_instances}.
   */
  public static ScaleSettings parse(Object value, ScaleSettings base) {
    if (value == null) {
      return base;
    }
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, FIELD + " is " + SpecValues.shown(value)
          + "; use an object such as {\"type\": \"target_utilization\", \"min_instances\": 1, \"max_instances\": 4}",
          FIELD);
    }
    SpecValues.onlyKnown(json, FIELD, FIELDS, TAKES);
    boolean autoscaled = type(json.getValue(TYPE), base);
    if (!autoscaled) {
      for (String f : json.fieldNames()) {
        if (!f.equals(TYPE)) {
          throw new InferbusException(FailureKind.BAD_INPUT, FIELD + "." + f + " applies to type "
              + TARGET_UTILIZATION + " only; type " + DEFAULT + " keeps a fixed instance_count", FIELD + "." + f);
        }
      }
      return null;
    }
    ScaleSettings b = base != null ? base : defaults();
    int min = number(json, MIN_INSTANCES, b.minInstances, 0, MAX_INSTANCES_CAP);
    int max = number(json, MAX_INSTANCES, b.maxInstances, 1, MAX_INSTANCES_CAP);
    if (min > max) {
      throw new InferbusException(FailureKind.BAD_INPUT, FIELD + ".min_instances (" + min
          + ") is above max_instances (" + max + "); use min_instances <= max_instances",
          FIELD + "." + (json.containsKey(MIN_INSTANCES) ? MIN_INSTANCES : MAX_INSTANCES));
    }
    return new ScaleSettings(min, max, pollingInterval(json.getValue(POLLING_INTERVAL), b.pollingIntervalS),
        number(json, TARGET_UTILIZATION_PERCENTAGE, b.targetUtilizationPercentage, 1, 100),
        number(json, SCALE_UP_DELAY, b.scaleUpDelayS, 0, MAX_DELAY_S),
        number(json, SCALE_DOWN_DELAY, b.scaleDownDelayS, 0, MAX_DELAY_S),
        number(json, SCALE_TO_ZERO_IDLE_PERIOD, b.scaleToZeroIdlePeriodS, 1, MAX_IDLE_PERIOD_S));
  }

  /** Azure's and Inferbus's defaults for {@code type: target_utilization}. */
  public static ScaleSettings defaults() {
    return new ScaleSettings(DEFAULT_MIN_INSTANCES, DEFAULT_MAX_INSTANCES, DEFAULT_POLLING_INTERVAL_S,
        DEFAULT_TARGET_UTILIZATION_PERCENTAGE, DEFAULT_SCALE_UP_DELAY_S, DEFAULT_SCALE_DOWN_DELAY_S,
        DEFAULT_SCALE_TO_ZERO_IDLE_PERIOD_S);
  }

  /**
   * Whether the type is {@code target_utilization}. Azure's YAML spells it {@code target_utilization},
   * its REST API {@code TargetUtilization}: both are taken, in any case. Absent: the base's type (a
   * PATCH changing only a bound); without a base it must be given.
   */
  private static boolean type(Object value, ScaleSettings base) {
    if (value == null) {
      if (base != null) {
        return true;
      }
      throw new InferbusException(FailureKind.BAD_INPUT, FIELD + ".type is missing; use " + DEFAULT + " (a fixed"
          + " instance_count) or " + TARGET_UTILIZATION + " (autoscaling)", FIELD + "." + TYPE);
    }
    String normalized = value instanceof String s ? s.replace("_", "").toLowerCase(Locale.ROOT) : "";
    return switch (normalized) {
      case "default" -> false;
      case "targetutilization" -> true;
      default -> throw new InferbusException(FailureKind.BAD_INPUT, FIELD + ".type is " + SpecValues.shown(value)
          + "; use " + DEFAULT + " or " + TARGET_UTILIZATION, FIELD + "." + TYPE);
    };
  }

  private static int number(JsonObject json, String field, int fallback, int min, int max) {
    return SpecValues.wholeNumber(json.getValue(field), FIELD + "." + field, fallback, min, max);
  }

  /** Whole seconds, or an ISO 8601 duration of whole seconds as Azure's REST API writes it ({@code "PT5S"}). */
  private static int pollingInterval(Object value, int fallback) {
    if (value instanceof String s && s.toUpperCase(Locale.ROOT).startsWith("PT")) {
      try {
        Duration d = Duration.parse(s);
        if (d.toNanosPart() == 0 && d.getSeconds() >= 1 && d.getSeconds() <= MAX_DELAY_S) {
          return (int) d.getSeconds();
        }
      } catch (DateTimeParseException e) {
        // refused below, with the message every other value gets
      }
      throw new InferbusException(FailureKind.BAD_INPUT, FIELD + ".polling_interval is " + SpecValues.shown(value)
          + "; use whole seconds from 1 to " + MAX_DELAY_S + " (a number, or an ISO 8601 duration such as \"PT5S\")",
          FIELD + "." + POLLING_INTERVAL);
    }
    return SpecValues.wholeNumber(value, FIELD + "." + POLLING_INTERVAL, fallback, 1, MAX_DELAY_S);
  }

  /**
   * The instance count a spec with these settings starts from: the count it asks for, or the count
   * the autoscaler had reached when the deployment was autoscaled already, brought within
   * {@code [minInstances, maxInstances]}.
   */
  public int startingCount(int count) {
    return Math.max(minInstances, Math.min(maxInstances, count));
  }

  /** The count a wake brings a deployment scaled to zero to: one instance, or the minimum if more. */
  public int wakeCount() {
    return Math.max(1, minInstances);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put(TYPE, TARGET_UTILIZATION)
        .put(MIN_INSTANCES, minInstances)
        .put(MAX_INSTANCES, maxInstances)
        .put(POLLING_INTERVAL, pollingIntervalS)
        .put(TARGET_UTILIZATION_PERCENTAGE, targetUtilizationPercentage)
        .put(SCALE_UP_DELAY, scaleUpDelayS)
        .put(SCALE_DOWN_DELAY, scaleDownDelayS)
        .put(SCALE_TO_ZERO_IDLE_PERIOD, scaleToZeroIdlePeriodS);
  }

  /** Reads {@link #toJson}'s form (a stored or published document); null (a fixed count) when absent. */
  public static ScaleSettings fromJson(JsonObject json) {
    if (json == null || !TARGET_UTILIZATION.equals(json.getString(TYPE))) {
      return null;
    }
    ScaleSettings d = defaults();
    return new ScaleSettings(
        json.getInteger(MIN_INSTANCES, d.minInstances),
        json.getInteger(MAX_INSTANCES, d.maxInstances),
        json.getInteger(POLLING_INTERVAL, d.pollingIntervalS),
        json.getInteger(TARGET_UTILIZATION_PERCENTAGE, d.targetUtilizationPercentage),
        json.getInteger(SCALE_UP_DELAY, d.scaleUpDelayS),
        json.getInteger(SCALE_DOWN_DELAY, d.scaleDownDelayS),
        json.getInteger(SCALE_TO_ZERO_IDLE_PERIOD, d.scaleToZeroIdlePeriodS));
  }
}
