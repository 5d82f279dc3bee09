package io.inferbus.protocol.autoscale;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What the control plane's autoscaler asks each gateway ({@link io.inferbus.protocol.Addresses#gatewayDemand}):
 * the demand on these deployments, each averaged over its own window (its polling interval).
 *
 * <p>JSON: {@code {"deployments": [{"endpoint", "deployment", "window_ms"}, ...]}}.
 */
public record DemandQuery(List<Asked> deployments) {
  /** The longest window a gateway keeps samples for. */
  public static final long MAX_WINDOW_MS = 60_000;

  /** One deployment, averaged over the last {@code windowMs}. */
  public record Asked(String endpoint, String deployment, long windowMs) {}

  public DemandQuery {
    deployments = List.copyOf(deployments);
  }

  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    for (Asked a : deployments) {
      list.add(new JsonObject().put("endpoint", a.endpoint()).put("deployment", a.deployment())
          .put("window_ms", a.windowMs()));
    }
    return new JsonObject().put("deployments", list);
  }

  /** Reads {@link #toJson}'s form; refused as BAD_INPUT when it is not that. Windows are kept within 1 ms to a minute. */
  public static DemandQuery fromJson(Object value) {
    if (!(value instanceof JsonObject json) || !(json.getValue("deployments") instanceof JsonArray list)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "a demand query must be {\"deployments\": [...]}");
    }
    List<Asked> asked = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof JsonObject a) || !(a.getValue("endpoint") instanceof String e)
          || !(a.getValue("deployment") instanceof String d) || !(a.getValue("window_ms") instanceof Number w)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "each asked deployment must be {\"endpoint\","
            + " \"deployment\", \"window_ms\"}, not " + o);
      }
      asked.add(new Asked(e, d, Math.max(1, Math.min(MAX_WINDOW_MS, w.longValue()))));
    }
    return new DemandQuery(asked);
  }
}
