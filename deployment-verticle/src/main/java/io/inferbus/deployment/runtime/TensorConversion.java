package io.inferbus.deployment.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.MapSequence;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Converts between the protocol's flat {@link Tensor} and ONNX Runtime's {@link OnnxTensor}. */
final class TensorConversion {
  private TensorConversion() {}

  static DataType dataType(TensorInfo info) {
    return DataType.fromOnnxTypeName(info.onnxType.name());
  }

  /** Bytes a tensor takes as an ONNX Runtime input buffer (0 for strings, which ORT copies itself). */
  static int inputBytes(Tensor t) {
    return t.datatype() == DataType.BYTES ? 0 : t.length() * Math.max(1, io.inferbus.protocol.tensor.BinaryTensorData.width(t.datatype()));
  }

  /**
   * An ONNX Runtime tensor over {@code scratch} (direct, native order, at least
   * {@link #inputBytes} long): ONNX Runtime reads it in place, so the caller must keep the buffer
   * untouched until the tensor is closed.
   */
  static OnnxTensor toOnnx(OrtEnvironment env, Tensor t, ByteBuffer scratch) throws OrtException {
    long[] shape = t.shape();
    Object data = t.data();
    return switch (t.datatype()) {
      case FP32 -> {
        float[] a = (float[]) data;
        ByteBuffer b = scratch;
        b.asFloatBuffer().put(a);
        yield OnnxTensor.createTensor(env, b.asFloatBuffer(), shape);
      }
      case FP64 -> {
        double[] a = (double[]) data;
        ByteBuffer b = scratch;
        b.asDoubleBuffer().put(a);
        yield OnnxTensor.createTensor(env, b.asDoubleBuffer(), shape);
      }
      case INT64 -> {
        long[] a = (long[]) data;
        ByteBuffer b = scratch;
        b.asLongBuffer().put(a);
        yield OnnxTensor.createTensor(env, b.asLongBuffer(), shape);
      }
      case INT32 -> {
        int[] a = (int[]) data;
        ByteBuffer b = scratch;
        b.asIntBuffer().put(a);
        yield OnnxTensor.createTensor(env, b.asIntBuffer(), shape);
      }
      case INT16, FP16, BF16 -> {
        short[] a = (short[]) data;
        ByteBuffer b = scratch;
        b.asShortBuffer().put(a);
        OnnxJavaType type = switch (t.datatype()) {
          case FP16 -> OnnxJavaType.FLOAT16;
          case BF16 -> OnnxJavaType.BFLOAT16;
          default -> OnnxJavaType.INT16;
        };
        yield OnnxTensor.createTensor(env, b.asShortBuffer(), shape, type);
      }
      case INT8, UINT8 -> {
        byte[] a = (byte[]) data;
        ByteBuffer b = scratch;
        b.put(a).flip();
        yield OnnxTensor.createTensor(env, b, shape, t.datatype() == DataType.INT8 ? OnnxJavaType.INT8 : OnnxJavaType.UINT8);
      }
      case BOOL -> {
        boolean[] a = (boolean[]) data;
        ByteBuffer b = scratch;
        for (boolean v : a) {
          b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        yield OnnxTensor.createTensor(env, b, shape, OnnxJavaType.BOOL);
      }
      case BYTES -> OnnxTensor.createTensor(env, (String[]) data, shape);
      case UINT16, UINT32, UINT64 -> throw new InferbusException(FailureKind.BAD_INPUT,
          "input '" + t.name() + "' is " + t.datatype() + ", which ONNX Runtime's Java API cannot take as an input");
    };
  }

  /** An output value: a tensor, or a sequence of maps (one map: a sequence of one). */
  static OutputValue fromOnnx(String name, OnnxValue value) throws OrtException {
    if (value instanceof OnnxSequence seq) {
      List<Map<Object, Object>> maps = new ArrayList<>();
      for (OnnxValue element : seq.getValue()) {
        if (!(element instanceof OnnxMap map)) {
          throw new InferbusException(FailureKind.MODEL_FAILED,
              "output '" + name + "' is a sequence of " + element.getType() + ", which is not served yet");
        }
        maps.add(new LinkedHashMap<>(map.getValue()));
      }
      return new MapSequence(name, maps);
    }
    if (value instanceof OnnxMap map) {
      return new MapSequence(name, List.of(new LinkedHashMap<>(map.getValue())));
    }
    if (!(value instanceof OnnxTensor tensor)) {
      throw new InferbusException(FailureKind.MODEL_FAILED,
          "output '" + name + "' is a " + value.getType() + ", which is not served yet");
    }
    TensorInfo info = tensor.getInfo();
    DataType type = dataType(info);
    long[] shape = info.getShape();
    if (type == null) {
      throw new InferbusException(FailureKind.MODEL_FAILED,
          "output '" + name + "' has element type " + info.onnxType + ", which is not served yet");
    }
    if (type == DataType.BYTES) {
      return new Tensor(name, type, shape, flattenStrings(tensor.getValue(), (int) info.getNumElements()));
    }
    // The typed getters copy once into a heap buffer of exactly the elements: take its array.
    switch (info.type) {
      case FLOAT -> {
        return new Tensor(name, type, shape, tensor.getFloatBuffer().array());
      }
      case DOUBLE -> {
        return new Tensor(name, type, shape, tensor.getDoubleBuffer().array());
      }
      case INT64 -> {
        return new Tensor(name, type, shape, tensor.getLongBuffer().array());
      }
      case INT32 -> {
        return new Tensor(name, type, shape, tensor.getIntBuffer().array());
      }
      default -> {
        // below: one copy of the raw bytes, then into the array
      }
    }
    ByteBuffer raw = tensor.getByteBuffer().order(ByteOrder.nativeOrder());
    Object data = switch (type) {
      case FP32 -> {
        float[] a = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(a);
        yield a;
      }
      case FP64 -> {
        double[] a = new double[raw.remaining() / 8];
        raw.asDoubleBuffer().get(a);
        yield a;
      }
      case INT64, UINT64 -> {
        long[] a = new long[raw.remaining() / 8];
        raw.asLongBuffer().get(a);
        yield a;
      }
      case INT32, UINT32 -> {
        int[] a = new int[raw.remaining() / 4];
        raw.asIntBuffer().get(a);
        yield a;
      }
      case INT16, UINT16, FP16, BF16 -> {
        short[] a = new short[raw.remaining() / 2];
        raw.asShortBuffer().get(a);
        yield a;
      }
      case INT8, UINT8 -> {
        byte[] a = new byte[raw.remaining()];
        raw.get(a);
        yield a;
      }
      case BOOL -> {
        boolean[] a = new boolean[raw.remaining()];
        for (int i = 0; i < a.length; i++) {
          a[i] = raw.get(i) != 0;
        }
        yield a;
      }
      case BYTES -> throw new IllegalStateException("handled above");
    };
    return new Tensor(name, type, shape, data);
  }

  /** A tensor of zeros (false, empty strings) of the given type and shape. */
  static Tensor zeros(String name, DataType type, long[] shape) {
    int n = (int) Tensor.elementCount(shape);
    Object data = switch (type) {
      case FP32 -> new float[n];
      case FP64 -> new double[n];
      case INT64, UINT64 -> new long[n];
      case INT32, UINT32 -> new int[n];
      case INT16, UINT16, FP16, BF16 -> new short[n];
      case INT8, UINT8 -> new byte[n];
      case BOOL -> new boolean[n];
      case BYTES -> {
        String[] s = new String[n];
        Arrays.fill(s, "");
        yield s;
      }
    };
    return new Tensor(name, type, shape, data);
  }

  private static String[] flattenStrings(Object nested, int count) {
    String[] out = new String[count];
    int[] at = {0};
    flatten(nested, out, at);
    return out;
  }

  private static void flatten(Object value, String[] out, int[] at) {
    if (value instanceof String s) {
      out[at[0]++] = s;
    } else if (value instanceof Object[] arr) {
      for (Object o : arr) {
        flatten(o, out, at);
      }
    }
  }
}
