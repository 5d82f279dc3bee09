package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;

/**
 * The desired state of one deployment, as node agents need it: which model, how many instances,
 * with which request settings and batching (null: off). {@code generation} grows with every change of the spec, so an
 * agent can tell a running instance from an outdated one.
 */
public record DeploymentState(
    String endpoint,
    String name,
    ModelRef model,
    int instanceCount,
    RequestSettings requestSettings,
    BatchingSettings batching,
    long generation) {

  public String key() {
    return endpoint + "/" + name;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("endpoint", endpoint)
        .put("name", name)
        .put("model", model.toJson())
        .put("instance_count", instanceCount)
        .put("request_settings", requestSettings.toJson())
        .put("batching", batching == null ? null : batching.toJson())
        .put("generation", generation);
  }

  public static DeploymentState fromJson(JsonObject json) {
    return new DeploymentState(
        json.getString("endpoint"),
        json.getString("name"),
        ModelRef.fromJson(json.getJsonObject("model")),
        json.getInteger("instance_count", 1),
        RequestSettings.fromJson(json.getJsonObject("request_settings")),
        BatchingSettings.fromJson(json.getJsonObject("batching")),
        json.getLong("generation", 0L));
  }
}
