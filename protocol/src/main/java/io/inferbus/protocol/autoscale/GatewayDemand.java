package io.inferbus.protocol.autoscale;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway's answer to a {@link DemandQuery}: for each deployment asked that it routes, the
 * requests it had in flight at the deployment's instances (sampled every
 * {@value #SAMPLE_INTERVAL_MS} ms, averaged over the asked window, and at the moment it answers),
 * the requests it holds waiting for an instance to start, and how long ago it last answered one of
 * the deployment's requests, by its own clock (so no two clocks are compared).
 *
 * <p>JSON: {@code {"node", "deployments": [{"endpoint", "deployment", "in_flight", "in_flight_now",
 * "waiting", "idle_ms"}, ...]}}; {@code idle_ms} is -1 when the gateway answered none in the last hour.
 */
public record GatewayDemand(String node, List<Demand> deployments) {
  /** How often a gateway samples its requests in flight per autoscaled deployment. */
  public static final long SAMPLE_INTERVAL_MS = 100;

  /**
   * @param inFlight mean requests in flight at the deployment's ready instances over the window
   * @param inFlightNow requests in flight there as the gateway answered
   * @param waiting requests held for the deployment while it has no ready instance
   * @param idleMs milliseconds since the gateway last answered a request of the deployment; -1: none in the last hour
   */
  public record Demand(String endpoint, String deployment, double inFlight, int inFlightNow, int waiting,
      long idleMs) {
    JsonObject toJson() {
      return new JsonObject().put("endpoint", endpoint).put("deployment", deployment).put("in_flight", inFlight)
          .put("in_flight_now", inFlightNow).put("waiting", waiting).put("idle_ms", idleMs);
    }
  }

  public GatewayDemand {
    deployments = List.copyOf(deployments);
  }

  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    deployments.forEach(d -> list.add(d.toJson()));
    return new JsonObject().put("node", node).put("deployments", list);
  }

  /** Reads {@link #toJson}'s form; refused as BAD_INPUT when it is not that. */
  public static GatewayDemand fromJson(Object value) {
    if (!(value instanceof JsonObject json) || !(json.getValue("node") instanceof String node)
        || !(json.getValue("deployments") instanceof JsonArray list)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "a gateway's demand must be {\"node\", \"deployments\"}");
    }
    List<Demand> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof JsonObject d) || !(d.getValue("endpoint") instanceof String e)
          || !(d.getValue("deployment") instanceof String name) || !(d.getValue("in_flight") instanceof Number inFlight)
          || !(d.getValue("in_flight_now") instanceof Number now) || !(d.getValue("waiting") instanceof Number waiting)
          || !(d.getValue("idle_ms") instanceof Number idle)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "each deployment's demand must be {\"endpoint\","
            + " \"deployment\", \"in_flight\", \"in_flight_now\", \"waiting\", \"idle_ms\"}, not " + o);
      }
      out.add(new Demand(e, name, inFlight.doubleValue(), now.intValue(), waiting.intValue(), idle.longValue()));
    }
    return new GatewayDemand(node, out);
  }
}
