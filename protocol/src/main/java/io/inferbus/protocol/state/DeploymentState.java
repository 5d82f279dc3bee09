package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;

/**
 * The desired state of one deployment, as node agents need it: which model, how many instances,
 * with which request settings and batching (null: off). {@code generation} grows with every change of the spec, so an
 * agent can tell a running instance from an outdated one. {@code scaleSettings} (null: a fixed count)
 * tells gateways that a deployment without a ready instance is starting, or can be woken, rather
 * than unavailable, and the control plane's autoscaler what to keep the count within.
 */
public record DeploymentState(
    String endpoint,
    String name,
    ModelRef model,
    int instanceCount,
    RequestSettings requestSettings,
    BatchingSettings batching,
    long generation,
    ScaleSettings scaleSettings) {

  /** A deployment with a fixed instance count. */
  public DeploymentState(String endpoint, String name, ModelRef model, int instanceCount,
      RequestSettings requestSettings, BatchingSettings batching, long generation) {
    this(endpoint, name, model, instanceCount, requestSettings, batching, generation, null);
  }

  /** Whether the autoscaler sets its instance count ({@code scale_settings.type: target_utilization}). */
  public boolean autoscaled() {
    return scaleSettings != null;
  }

  public String key() {
    return endpoint + "/" + name;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("endpoint", endpoint)
        .put("name", name)
        .put("model", model.toJson())
        .put("instance_count", instanceCount)
        .put("request_settings", requestSettings.toJson())
        .put("batching", batching == null ? null : batching.toJson())
        .put("generation", generation);
    if (scaleSettings != null) { // a fixed deployment's record is what it was before autoscaling existed
      json.put(ScaleSettings.FIELD, scaleSettings.toJson());
    }
    return json;
  }

  public static DeploymentState fromJson(JsonObject json) {
    return new DeploymentState(
        json.getString("endpoint"),
        json.getString("name"),
        ModelRef.fromJson(json.getJsonObject("model")),
        json.getInteger("instance_count", 1),
        RequestSettings.fromJson(json.getJsonObject("request_settings")),
        BatchingSettings.fromJson(json.getJsonObject("batching")),
        json.getLong("generation", 0L),
        ScaleSettings.fromJson(json.getJsonObject(ScaleSettings.FIELD)));
  }
}
