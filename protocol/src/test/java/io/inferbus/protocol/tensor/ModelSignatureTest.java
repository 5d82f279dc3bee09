package io.inferbus.protocol.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The signature instances publish: V2 metadata's inputs and outputs as they were, plus which outputs
 * are sequences of maps; a signature from a node that predates {@code map_outputs} still reads.
 */
class ModelSignatureTest {
  private static final ModelSignature ZIPMAP = new ModelSignature(
      List.of(new TensorSpec("p", DataType.FP32, new long[] {-1, 2})),
      List.of(new TensorSpec("probabilities", DataType.BYTES, new long[] {-1}),
          new TensorSpec("label", DataType.INT64, new long[] {-1})),
      Map.of("probabilities", DataType.FP32));

  @Test
  void aSignatureReadsBackAsItWasWritten() {
    JsonObject json = ZIPMAP.toJson();
    assertEquals(new JsonObject().put("probabilities", "FP32"), json.getJsonObject("map_outputs"));
    assertEquals("probabilities", json.getJsonArray("outputs").getJsonObject(0).getString("name"));
    assertEquals(ZIPMAP, ModelSignature.fromJson(json));
  }

  @Test
  void aTensorOnlySignatureHasNoMapOutputsField() {
    ModelSignature tensors = new ModelSignature(ZIPMAP.inputs(), ZIPMAP.outputs());
    assertEquals(java.util.Set.of("inputs", "outputs"), tensors.toJson().fieldNames(),
        "exactly what instances published before map_outputs existed");
    assertEquals(tensors, ModelSignature.fromJson(tensors.toJson()));
  }
}
