package io.inferbus.deployment.runtime;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.ModelSignature;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.Tensor;
import io.inferbus.protocol.tensor.TensorSpec;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One ONNX model loaded in ONNX Runtime, with its signature. Thread-safe: ONNX Runtime sessions may
 * be run from several threads at once. Every call blocks: run it on a worker thread.
 */
public final class OnnxModel implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final Map<String, DataType> mapOutputs;
  private final Set<String> outputNames;
  private final boolean batchable;

  private OnnxModel(OrtEnvironment env, OrtSession session, List<TensorSpec> inputs, List<TensorSpec> outputs,
      Map<String, DataType> mapOutputs) {
    this.env = env;
    this.session = session;
    this.inputs = inputs;
    this.outputs = outputs;
    this.mapOutputs = mapOutputs;
    this.outputNames = new LinkedHashSet<>(outputs.stream().map(TensorSpec::name).toList());
    this.batchable = !inputs.isEmpty()
        && inputs.stream().allMatch(s -> s.shape().length > 0 && s.shape()[0] < 0)
        && outputs.stream().allMatch(s -> s.shape().length > 0 && s.shape()[0] < 0);
  }

  /**
   * Loads a model file. Fails with BAD_INPUT and ONNX Runtime's own reason when it cannot be loaded
   * or has inputs this server cannot feed.
   *
   * @param intraOpThreads threads ONNX Runtime may use inside one run (0: its default, one per core)
   */
  public static OnnxModel load(Path file, int intraOpThreads) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session = null;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      // Requests already run in parallel on Vert.x workers; a second pool per session only competes.
      options.setInterOpNumThreads(1);
      session = env.createSession(file.toString(), options);
      List<TensorSpec> inputs = specs(session.getInputInfo(), "input");
      List<TensorSpec> outputs = specs(session.getOutputInfo(), "output");
      return new OnnxModel(env, session, inputs, outputs, mapOutputs(session.getOutputInfo()));
    } catch (OrtException e) {
      closeQuietly(session);
      throw new InferbusException(FailureKind.BAD_INPUT, "ONNX Runtime cannot load the model: " + e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(session);
      throw e;
    }
  }

  /**
   * Whether requests can be stacked along the first dimension: every input's and every tensor
   * output's first dimension is dynamic (sequence outputs have one element per row).
   */
  public boolean batchable() {
    return batchable;
  }

  public List<TensorSpec> inputs() {
    return inputs;
  }

  public List<TensorSpec> outputs() {
    return outputs;
  }

  /** The signature instances publish: what the V2 metadata route and the OpenAPI document show. */
  public JsonObject signatureJson() {
    return new ModelSignature(inputs, outputs, mapOutputs).toJson();
  }

  /**
   * Runs the model. Inputs must already be validated against {@link #inputs()}.
   *
   * @param requested output names to return, empty for all
   */
  public List<OutputValue> run(List<Tensor> inputTensors, List<String> requested) {
    for (String name : requested) {
      if (!outputNames.contains(name)) {
        throw new InferbusException(FailureKind.BAD_INPUT,
            "unknown output '" + name + "'; the model's outputs are " + outputNames, name);
      }
    }
    Set<String> wanted = requested.isEmpty() ? outputNames : new LinkedHashSet<>(requested);
    Map<String, OnnxTensorLike> feed = new HashMap<>();
    try {
      int total = 0;
      for (Tensor t : inputTensors) {
        total += align(TensorConversion.inputBytes(t));
      }
      ByteBuffer scratch = scratch(total);
      int at = 0;
      for (Tensor t : inputTensors) {
        int bytes = TensorConversion.inputBytes(t);
        ByteBuffer slice = scratch.slice(at, bytes).order(ByteOrder.nativeOrder());
        at += align(bytes);
        feed.put(t.name(), TensorConversion.toOnnx(env, t, slice));
      }
      try (OrtSession.Result result = session.run(feed, wanted)) {
        List<OutputValue> out = new ArrayList<>(wanted.size());
        for (String name : wanted) {
          Optional<OnnxValue> value = result.get(name);
          if (value.isEmpty()) {
            throw new InferbusException(FailureKind.MODEL_FAILED, "the model produced no output '" + name + "'");
          }
          out.add(TensorConversion.fromOnnx(name, value.get()));
        }
        return out;
      }
    } catch (OrtException e) {
      throw new InferbusException(FailureKind.MODEL_FAILED, "ONNX Runtime failed to run the model: " + e.getMessage());
    } finally {
      feed.values().forEach(v -> ((OnnxTensor) v).close());
    }
  }

  /**
   * One inference on zero-filled inputs (dynamic dimensions = 1), so the first caller pays no
   * warm-up. Some models cannot take zeros (a Reshape's target shape, a divisor, a OneHot depth):
   * their warm-up fails although they serve real inputs, so a failure is returned, not thrown.
   *
   * @return empty when the warm-up ran, else ONNX Runtime's reason
   */
  public Optional<String> warmUp() {
    List<Tensor> zeros = new ArrayList<>();
    for (TensorSpec spec : inputs) {
      long[] shape = Arrays.stream(spec.shape()).map(d -> d < 0 ? 1 : d).toArray();
      zeros.add(TensorConversion.zeros(spec.name(), spec.datatype(), shape));
    }
    try {
      run(zeros, List.of());
      return Optional.empty();
    } catch (InferbusException e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public void close() {
    closeQuietly(session);
  }

  private static void closeQuietly(OrtSession session) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException ignored) {
        // closing frees native memory; nothing useful to do if it reports a failure
      }
    }
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> infos, String what) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : infos.values()) {
      ValueInfo info = node.getInfo();
      if (!(info instanceof TensorInfo tensor)) {
        if (what.equals("input")) {
          throw new InferbusException(FailureKind.BAD_INPUT,
              "input '" + node.getName() + "' is not a tensor (" + info + "); only tensor inputs can be served");
        }
        // A sequence of maps is listed as the BYTES tensor /v2 answers it as (V2 has no map type);
        // mapOutputs tells /score's list of objects apart.
        specs.add(new TensorSpec(node.getName(), DataType.BYTES, new long[] {-1}));
        continue;
      }
      DataType type = TensorConversion.dataType(tensor);
      if (type == null) {
        throw new InferbusException(FailureKind.BAD_INPUT,
            what + " '" + node.getName() + "' has element type " + tensor.onnxType + ", which Inferbus cannot serve yet");
      }
      if (what.equals("input") && (type == DataType.UINT16 || type == DataType.UINT32 || type == DataType.UINT64)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "input '" + node.getName() + "' is " + type
            + ", which ONNX Runtime's Java API cannot create (its only unsigned input type is UINT8)");
      }
      specs.add(new TensorSpec(node.getName(), type, tensor.getShape()));
    }
    return List.copyOf(specs);
  }

  /**
   * The outputs that are maps or sequences of maps (answered as {@link io.inferbus.protocol.tensor.MapSequence}),
   * with the datatype of the maps' values.
   */
  private static Map<String, DataType> mapOutputs(Map<String, NodeInfo> outputs) {
    Map<String, DataType> maps = new LinkedHashMap<>();
    for (NodeInfo node : outputs.values()) {
      MapInfo map = node.getInfo() instanceof SequenceInfo seq && seq.sequenceOfMaps ? seq.mapInfo
          : node.getInfo() instanceof MapInfo m ? m : null;
      if (map != null) {
        maps.put(node.getName(), mapValueType(map.valueType));
      }
    }
    return maps;
  }

  /** The datatype of a map's values as the answer writes them: numbers as numbers, anything else as text. */
  private static DataType mapValueType(OnnxJavaType type) {
    return switch (type) {
      case FLOAT -> DataType.FP32;
      case DOUBLE -> DataType.FP64;
      case INT64 -> DataType.INT64;
      case INT32 -> DataType.INT32;
      default -> DataType.BYTES;
    };
  }

  /** Inputs up to this many bytes in all reuse their worker thread's scratch buffer. */
  static final int SCRATCH_BYTES = 1 << 20;
  private static final ThreadLocal<ByteBuffer> SCRATCH =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder()));

  /**
   * A direct buffer for one run's inputs. Allocating direct memory per request costs microseconds
   * and a cleaner, so each worker thread keeps one (up to {@link #SCRATCH_BYTES}) and reuses it:
   * ONNX Runtime reads inputs in place and the input tensors are closed before the run returns.
   */
  private static ByteBuffer scratch(int bytes) {
    if (bytes > SCRATCH_BYTES) {
      return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
    ByteBuffer b = SCRATCH.get();
    if (b.capacity() < bytes) {
      b = ByteBuffer.allocateDirect(Math.max(bytes, b.capacity() * 2)).order(ByteOrder.nativeOrder());
      SCRATCH.set(b);
    }
    return b;
  }

  /** Each input starts on a 64-byte boundary, as ONNX Runtime's own allocations do. */
  private static int align(int bytes) {
    return (bytes + 63) & ~63;
  }

  static boolean isString(TensorInfo info) {
    return info.type == OnnxJavaType.STRING;
  }
}
