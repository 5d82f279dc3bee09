package io.inferbus.protocol.autoscale;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;

/**
 * A gateway asks the control plane to wake a deployment that has no ready instance because it was
 * scaled to zero ({@link io.inferbus.protocol.Addresses#AUTOSCALE_WAKE}): it holds {@code waiting}
 * requests for it. The control plane answers {@code {"instance_count": n}}, the count the deployment
 * has now (0 when it is not autoscaled, or gone: the gateway then answers its requests 503).
 *
 * <p>JSON: {@code {"endpoint", "deployment", "gateway", "waiting"}}.
 */
public record WakeRequest(String endpoint, String deployment, String gateway, int waiting) {
  public JsonObject toJson() {
    return new JsonObject().put("endpoint", endpoint).put("deployment", deployment).put("gateway", gateway)
        .put("waiting", waiting);
  }

  /** Reads {@link #toJson}'s form; refused as BAD_INPUT when it is not that. */
  public static WakeRequest fromJson(Object value) {
    if (!(value instanceof JsonObject json) || !(json.getValue("endpoint") instanceof String e)
        || !(json.getValue("deployment") instanceof String d) || !(json.getValue("waiting") instanceof Number w)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "a wake request must be {\"endpoint\", \"deployment\","
          + " \"gateway\", \"waiting\"}");
    }
    return new WakeRequest(e, d, json.getValue("gateway") instanceof String g ? g : null, w.intValue());
  }
}
