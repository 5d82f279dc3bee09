package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An endpoint's traffic: live weights ({@code traffic}) and the mirrored share
 * ({@code mirror_traffic}), validated against the endpoint's deployments per SPEC's traffic rules.
 * Every change of an endpoint's traffic (PUT, PATCH, rollback) goes through {@link #apply}.
 */
public record TrafficSpec(Map<String, Integer> traffic, Map<String, Integer> mirror) {
  public static final String TRAFFIC = "traffic";
  public static final String MIRROR_TRAFFIC = "mirror_traffic";
  public static final int MAX_MIRROR_PERCENT = 50;
  public static final TrafficSpec NONE = new TrafficSpec(Map.of(), Map.of());

  public TrafficSpec {
    traffic = Collections.unmodifiableMap(new LinkedHashMap<>(traffic));
    mirror = Collections.unmodifiableMap(new LinkedHashMap<>(mirror));
  }

  /** The traffic as stored in an endpoint document (its {@code traffic} and {@code mirror_traffic}). */
  public static TrafficSpec of(JsonObject endpointDoc) {
    return new TrafficSpec(EndpointState.weightsFromJson(endpointDoc.getJsonObject(TRAFFIC)),
        EndpointState.weightsFromJson(endpointDoc.getJsonObject(MIRROR_TRAFFIC)));
  }

  /** True when the body asks to change traffic or mirror traffic. */
  public static boolean requested(JsonObject body) {
    return body.containsKey(TRAFFIC) || body.containsKey(MIRROR_TRAFFIC);
  }

  /**
   * This traffic with the body's {@code traffic} and {@code mirror_traffic} applied, each validated
   * against {@code deployments}; the mirror is checked again against new live weights even when
   * only those change (a deployment that takes live traffic cannot stay mirrored).
   */
  public TrafficSpec apply(JsonObject body, Set<String> deployments) {
    if (!requested(body)) {
      return this;
    }
    Map<String, Integer> live = body.containsKey(TRAFFIC) ? traffic(body.getValue(TRAFFIC), deployments) : traffic;
    Map<String, Integer> mirrored = body.containsKey(MIRROR_TRAFFIC)
        ? mirror(body.getValue(MIRROR_TRAFFIC), deployments, live)
        : mirror(EndpointState.weightsToJson(mirror), deployments, live);
    return new TrafficSpec(live, mirrored);
  }

  /** The same split: live weights equal but for deployments at 0 %, and the same mirror. */
  public boolean sameAs(TrafficSpec other) {
    return withoutZeros(traffic).equals(withoutZeros(other.traffic)) && mirror.equals(other.mirror);
  }

  /** Writes both into an endpoint document. */
  public JsonObject writeTo(JsonObject endpointDoc) {
    return endpointDoc.put(TRAFFIC, EndpointState.weightsToJson(traffic))
        .put(MIRROR_TRAFFIC, EndpointState.weightsToJson(mirror));
  }

  /** Live traffic: integers 0–100 over existing deployments, summing to 100 (or all 0). */
  public static Map<String, Integer> traffic(Object value, Set<String> deployments) {
    Map<String, Integer> weights = weights(value, TRAFFIC, deployments);
    int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (sum != 100 && sum != 0) {
      throw bad(TRAFFIC, "traffic weights sum to " + sum + "; they must sum to 100 (or all be 0), e.g. "
          + "{\"blue\": 90, \"green\": 10}");
    }
    return weights;
  }

  /** Mirror traffic: at most one deployment, at most 50 %, and not one that has live traffic. */
  public static Map<String, Integer> mirror(Object value, Set<String> deployments, Map<String, Integer> traffic) {
    Map<String, Integer> weights = weights(value, MIRROR_TRAFFIC, deployments);
    weights.values().removeIf(w -> w == 0); // "green=0" turns mirroring off
    if (weights.size() > 1) {
      throw bad(MIRROR_TRAFFIC, "mirror_traffic may name one deployment only, got " + weights.keySet());
    }
    for (var e : weights.entrySet()) {
      if (e.getValue() > MAX_MIRROR_PERCENT) {
        throw bad(MIRROR_TRAFFIC, "mirror_traffic to '" + e.getKey() + "' is " + e.getValue()
            + " %; at most " + MAX_MIRROR_PERCENT + " % may be mirrored");
      }
      if (traffic.getOrDefault(e.getKey(), 0) > 0) {
        throw bad(MIRROR_TRAFFIC, "deployment '" + e.getKey() + "' has live traffic ("
            + traffic.get(e.getKey()) + " %); mirror only to a deployment with 0 % live traffic");
      }
    }
    return weights;
  }

  private static Map<String, Integer> weights(Object value, String field, Set<String> deployments) {
    if (!(value instanceof JsonObject json)) {
      throw bad(field, field + " must be an object of deployment name to integer percent, e.g. {\"blue\": 100}");
    }
    Map<String, Integer> weights = new LinkedHashMap<>();
    for (var e : json) {
      if (!deployments.contains(e.getKey())) {
        throw bad(field, field + " names deployment '" + e.getKey() + "', which this endpoint does not have; "
            + "its deployments are " + deployments);
      }
      Object w = e.getValue();
      if (!(w instanceof Integer || w instanceof Long) || ((Number) w).longValue() < 0 || ((Number) w).longValue() > 100) {
        throw bad(field, field + " for '" + e.getKey() + "' is " + w + "; use a whole number from 0 to 100");
      }
      weights.put(e.getKey(), ((Number) w).intValue());
    }
    return weights;
  }

  private static Map<String, Integer> withoutZeros(Map<String, Integer> weights) {
    Map<String, Integer> out = new LinkedHashMap<>(weights);
    out.values().removeIf(w -> w == 0);
    return out;
  }

  private static InferbusException bad(String target, String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message, target);
  }
}
