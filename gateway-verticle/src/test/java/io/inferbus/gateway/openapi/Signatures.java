package io.inferbus.gateway.openapi;

import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.ModelSignature;
import io.inferbus.protocol.tensor.TensorSpec;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The signatures of the example and test models (testdata/models), as their instances publish them. */
final class Signatures {
  private Signatures() {}

  static final String BASE_URL = "https://scoring.example:8443";

  /** examples/credit-scoring: one input, a batch of rows of 7 features. */
  static final ModelSignature CREDIT = new ModelSignature(
      List.of(spec("features", DataType.FP32, -1, 7)),
      List.of(spec("probabilities", DataType.FP32, -1, 2), spec("label", DataType.INT64, -1)));

  /** two-inputs.onnx: several inputs and outputs of different types. */
  static final ModelSignature TWO_INPUTS = new ModelSignature(
      List.of(spec("a", DataType.FP64, -1, 3), spec("b", DataType.FP64, -1, 3)),
      List.of(spec("sum", DataType.FP64, -1, 3), spec("flag", DataType.BOOL, -1, 3),
          spec("count", DataType.INT32, -1, 3)));

  /** fixed-shape.onnx: no dynamic dimension. */
  static final ModelSignature FIXED = new ModelSignature(
      List.of(spec("x", DataType.FP32, 2, 3)), List.of(spec("y", DataType.FP32, 2, 3)));

  /** zipmap-classifier.onnx: a sequence-of-maps output, listed as the BYTES tensor /v2 answers. */
  static final ModelSignature ZIPMAP = new ModelSignature(
      List.of(spec("p", DataType.FP32, -1, 2)),
      List.of(spec("probabilities", DataType.BYTES, -1), spec("label", DataType.INT64, -1)),
      Map.of("probabilities", DataType.FP32));

  static TensorSpec spec(String name, DataType type, long... shape) {
    return new TensorSpec(name, type, shape);
  }

  /** The document of endpoint {@code credit} (auth_mode key) whose deployments serve these signatures. */
  static JsonObject document(Object... deploymentsAndSignatures) {
    Map<String, ModelSignature> signatures = new LinkedHashMap<>();
    for (int i = 0; i < deploymentsAndSignatures.length; i += 2) {
      signatures.put((String) deploymentsAndSignatures[i], (ModelSignature) deploymentsAndSignatures[i + 1]);
    }
    return OpenApiDocument.build("credit", "key", BASE_URL, signatures);
  }

  static JsonObject schema(JsonObject document, String name) {
    return document.getJsonObject("components").getJsonObject("schemas").getJsonObject(name);
  }
}
