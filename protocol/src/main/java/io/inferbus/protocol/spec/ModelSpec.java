package io.inferbus.protocol.spec;

import io.inferbus.protocol.state.ModelRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A registered model version as the registry stores and shows it: its content hash and size, the
 * signature read from the ONNX file, and who registered it when. Versions are immutable.
 */
public record ModelSpec(String name, String version, String sha256, long sizeBytes, JsonArray inputs,
    JsonArray outputs, String createdAt, String createdBy) {

  public ModelRef ref() {
    return new ModelRef(name, version, sha256);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("version", version)
        .put("sha256", sha256)
        .put("size_bytes", sizeBytes)
        .put("inputs", inputs)
        .put("outputs", outputs)
        .put("created_at", createdAt)
        .put("created_by", createdBy);
  }

  public static ModelSpec fromJson(JsonObject json) {
    return new ModelSpec(json.getString("name"), json.getString("version"), json.getString("sha256"),
        json.getLong("size_bytes", 0L), json.getJsonArray("inputs", new JsonArray()),
        json.getJsonArray("outputs", new JsonArray()), json.getString("created_at"), json.getString("created_by"));
  }
}
