package io.inferbus.protocol.tensor;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A served model's inputs and outputs, as its instances publish it ({@code InstanceState.signature})
 * and the V2 metadata route shows it: {@code {"inputs": [...], "outputs": [...], "map_outputs": {...}}}.
 *
 * @param mapOutputs the outputs that are sequences of maps ({@link MapSequence}), by name, with the
 *     datatype of the maps' values. Such an output is listed in {@code outputs} as the BYTES tensor
 *     of shape [-1] that {@code /v2} answers (it has no map type); {@code /score} answers it as a
 *     list of JSON objects, which only this field tells. Absent in signatures published before it
 *     existed: there every output reads as the tensor it is listed as.
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs, Map<String, DataType> mapOutputs) {

  public ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    mapOutputs = Collections.unmodifiableMap(new LinkedHashMap<>(mapOutputs));
  }

  /** A signature whose outputs are all tensors. */
  public ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    this(inputs, outputs, Map.of());
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("inputs", specsJson(inputs)).put("outputs", specsJson(outputs));
    if (!mapOutputs.isEmpty()) {
      JsonObject maps = new JsonObject();
      mapOutputs.forEach((name, type) -> maps.put(name, type.name()));
      json.put("map_outputs", maps);
    }
    return json;
  }

  public static ModelSignature fromJson(JsonObject json) {
    Map<String, DataType> maps = new LinkedHashMap<>();
    JsonObject mapOutputs = json.getJsonObject("map_outputs", new JsonObject());
    for (String name : mapOutputs.fieldNames()) {
      DataType type = DataType.fromName(mapOutputs.getString(name));
      maps.put(name, type == null ? DataType.BYTES : type);
    }
    return new ModelSignature(specs(json.getJsonArray("inputs")), specs(json.getJsonArray("outputs")), maps);
  }

  private static JsonArray specsJson(List<TensorSpec> specs) {
    JsonArray array = new JsonArray();
    specs.forEach(s -> array.add(s.toJson()));
    return array;
  }

  private static List<TensorSpec> specs(JsonArray array) {
    List<TensorSpec> specs = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        specs.add(TensorSpec.fromJson(array.getJsonObject(i)));
      }
    }
    return specs;
  }
}
