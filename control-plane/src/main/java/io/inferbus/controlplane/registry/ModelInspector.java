package io.inferbus.controlplane.registry;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.TensorSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads an uploaded model with ONNX Runtime to prove it can be served and to read its signature.
 * Blocking: call from a worker.
 */
public final class ModelInspector {
  private ModelInspector() {}

  /** {@code {"inputs": [...], "outputs": [...]}}; BAD_INPUT with ONNX Runtime's reason if it cannot load. */
  public static JsonObject inspect(Path file) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(file.toString(), options)) {
        return new JsonObject()
            .put("inputs", specs(session.getInputInfo()))
            .put("outputs", specs(session.getOutputInfo()));
      }
    } catch (OrtException e) {
      throw new InferbusException(FailureKind.BAD_INPUT, "ONNX Runtime cannot load the model: " + e.getMessage());
    }
  }

  private static JsonArray specs(Map<String, NodeInfo> infos) {
    JsonArray out = new JsonArray();
    for (NodeInfo node : infos.values()) {
      if (node.getInfo() instanceof TensorInfo t) {
        DataType type = DataType.fromOnnxTypeName(t.onnxType.name());
        if (type != null) {
          out.add(new TensorSpec(node.getName(), type, t.getShape()).toJson());
          continue;
        }
      }
      // not a tensor of a protocol datatype (a sequence, a map, a complex tensor): shown as ONNX describes it
      out.add(new JsonObject().put("name", node.getName()).put("type", node.getInfo().toString()));
    }
    return out;
  }
}
