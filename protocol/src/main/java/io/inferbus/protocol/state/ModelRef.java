package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;

/** A registered model version, addressed by its content hash. */
public record ModelRef(String name, String version, String sha256) {
  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("version", version).put("sha256", sha256);
  }

  public static ModelRef fromJson(JsonObject json) {
    return new ModelRef(json.getString("name"), json.getString("version"), json.getString("sha256"));
  }

  @Override
  public String toString() {
    return name + ":" + version;
  }
}
