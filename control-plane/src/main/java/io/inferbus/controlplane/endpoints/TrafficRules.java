package io.inferbus.controlplane.endpoints;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Validates traffic and mirror weights against an endpoint's deployments, per SPEC's traffic rules. */
public final class TrafficRules {
  public static final int MAX_MIRROR_PERCENT = 50;

  private TrafficRules() {}

  /** Live traffic: integers 0–100 over existing deployments, summing to 100 (or all 0). */
  public static Map<String, Integer> traffic(Object value, Set<String> deployments) {
    Map<String, Integer> weights = weights(value, "traffic", deployments);
    int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (sum != 100 && sum != 0) {
      throw bad("traffic", "traffic weights sum to " + sum + "; they must sum to 100 (or all be 0), e.g. "
          + "{\"blue\": 90, \"green\": 10}");
    }
    return weights;
  }

  /** Mirror traffic: at most one deployment, at most 50 %, and not one that has live traffic. */
  public static Map<String, Integer> mirror(Object value, Set<String> deployments, Map<String, Integer> traffic) {
    Map<String, Integer> weights = weights(value, "mirror_traffic", deployments);
    weights.values().removeIf(w -> w == 0); // "green=0" turns mirroring off
    if (weights.size() > 1) {
      throw bad("mirror_traffic", "mirror_traffic may name one deployment only, got " + weights.keySet());
    }
    for (var e : weights.entrySet()) {
      if (e.getValue() > MAX_MIRROR_PERCENT) {
        throw bad("mirror_traffic", "mirror_traffic to '" + e.getKey() + "' is " + e.getValue()
            + " %; at most " + MAX_MIRROR_PERCENT + " % may be mirrored");
      }
      if (traffic.getOrDefault(e.getKey(), 0) > 0) {
        throw bad("mirror_traffic", "deployment '" + e.getKey() + "' has live traffic ("
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

  private static InferbusException bad(String target, String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message, target);
  }
}
