package io.inferbus.protocol.tensor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/** One input or output of a model's signature; -1 in {@code shape} marks a dynamic dimension. */
public record TensorSpec(String name, DataType datatype, long[] shape) {

  public JsonObject toJson() {
    JsonArray dims = new JsonArray();
    for (long d : shape) {
      dims.add(d);
    }
    return new JsonObject().put("name", name).put("datatype", datatype.name()).put("shape", dims);
  }

  public static TensorSpec fromJson(JsonObject json) {
    JsonArray dims = json.getJsonArray("shape", new JsonArray());
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.getLong(i);
    }
    return new TensorSpec(json.getString("name"), DataType.fromName(json.getString("datatype")), shape);
  }

  /** Human-readable form used in error messages, e.g. {@code features: FP32 [-1, 6]}. */
  public String describe() {
    return name + ": " + datatype + " " + Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t
        && name.equals(t.name)
        && datatype == t.datatype
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return describe();
  }
}
