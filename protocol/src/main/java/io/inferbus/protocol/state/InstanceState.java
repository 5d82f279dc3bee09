package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;

/**
 * One running model instance as its node agent publishes it. Gateways route only to instances in
 * state {@link #READY}; the control plane derives a deployment's provisioning state from these.
 *
 * @param signature the model's inputs and outputs ({@code {"inputs":[...],"outputs":[...]}} with
 *     name, datatype, shape), or null while loading
 */
public record InstanceState(
    String id,
    String endpoint,
    String deployment,
    long generation,
    String node,
    String address,
    String state,
    String failureReason,
    long since,
    JsonObject signature) {

  public static final String LOADING = "Loading";
  public static final String READY = "Ready";
  public static final String FAILED = "Failed";
  public static final String DRAINING = "Draining";

  public boolean ready() {
    return READY.equals(state);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("endpoint", endpoint)
        .put("deployment", deployment)
        .put("generation", generation)
        .put("node", node)
        .put("address", address)
        .put("state", state)
        .put("failure_reason", failureReason)
        .put("since", since)
        .put("signature", signature);
  }

  public static InstanceState fromJson(JsonObject json) {
    return new InstanceState(
        json.getString("id"),
        json.getString("endpoint"),
        json.getString("deployment"),
        json.getLong("generation", 0L),
        json.getString("node"),
        json.getString("address"),
        json.getString("state"),
        json.getString("failure_reason"),
        json.getLong("since", 0L),
        json.getJsonObject("signature"));
  }
}
