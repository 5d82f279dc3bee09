package io.inferbus.conformance;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Converts {@link TensorValue}s to and from ONNX Runtime Java tensors. */
final class OrtBridge {
  private OrtBridge() {}

  /** Thrown for an input ONNX Runtime's Java API cannot create. */
  static final class Unfeedable extends Exception {
    Unfeedable(String message) {
      super(message);
    }
  }

  static OnnxTensor toOnnx(OrtEnvironment env, TensorValue t) throws OrtException, Unfeedable {
    long[] shape = t.dims();
    Object d = t.data();
    switch (t.type()) {
      case TensorValue.FLOAT -> {
        float[] a = (float[]) d;
        ByteBuffer b = direct(a.length * 4);
        b.asFloatBuffer().put(a);
        return OnnxTensor.createTensor(env, b.asFloatBuffer(), shape);
      }
      case TensorValue.DOUBLE -> {
        double[] a = (double[]) d;
        ByteBuffer b = direct(a.length * 8);
        b.asDoubleBuffer().put(a);
        return OnnxTensor.createTensor(env, b.asDoubleBuffer(), shape);
      }
      case TensorValue.FLOAT16, TensorValue.BFLOAT16 -> {
        short[] a = (short[]) d;
        ByteBuffer b = direct(a.length * 2);
        b.asShortBuffer().put(a);
        return OnnxTensor.createTensor(env, b.asShortBuffer(), shape,
            t.type() == TensorValue.FLOAT16 ? OnnxJavaType.FLOAT16 : OnnxJavaType.BFLOAT16);
      }
      case TensorValue.BOOL -> {
        boolean[] a = (boolean[]) d;
        ByteBuffer b = direct(a.length);
        for (boolean v : a) {
          b.put((byte) (v ? 1 : 0));
        }
        b.flip();
        return OnnxTensor.createTensor(env, b, shape, OnnxJavaType.BOOL);
      }
      case TensorValue.STRING -> {
        return OnnxTensor.createTensor(env, (String[]) d, shape);
      }
      case TensorValue.INT8, TensorValue.UINT8 -> {
        long[] a = (long[]) d;
        ByteBuffer b = direct(a.length);
        for (long v : a) {
          b.put((byte) v);
        }
        b.flip();
        return OnnxTensor.createTensor(env, b, shape,
            t.type() == TensorValue.INT8 ? OnnxJavaType.INT8 : OnnxJavaType.UINT8);
      }
      case TensorValue.INT16 -> {
        long[] a = (long[]) d;
        ByteBuffer b = direct(a.length * 2);
        for (long v : a) {
          b.putShort((short) v);
        }
        b.flip();
        return OnnxTensor.createTensor(env, b.asShortBuffer(), shape, OnnxJavaType.INT16);
      }
      case TensorValue.INT32 -> {
        long[] a = (long[]) d;
        ByteBuffer b = direct(a.length * 4);
        for (long v : a) {
          b.putInt((int) v);
        }
        b.flip();
        return OnnxTensor.createTensor(env, b.asIntBuffer(), shape);
      }
      case TensorValue.INT64 -> {
        long[] a = (long[]) d;
        ByteBuffer b = direct(a.length * 8);
        b.asLongBuffer().put(a);
        return OnnxTensor.createTensor(env, b.asLongBuffer(), shape);
      }
      default -> throw new Unfeedable("ONNX Runtime's Java API cannot create " + TensorValue.typeName(t.type())
          + " input tensors (OnnxJavaType has no unsigned type but UINT8)");
    }
  }

  /** The ONNX element type code of an ONNX Runtime tensor type, 0 for one ONNX 1.12 data never uses. */
  static int onnxType(TensorInfo.OnnxTensorType t) {
    return switch (t) {
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> TensorValue.FLOAT;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> TensorValue.UINT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> TensorValue.INT8;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> TensorValue.UINT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> TensorValue.INT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> TensorValue.INT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> TensorValue.INT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> TensorValue.STRING;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> TensorValue.BOOL;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> TensorValue.FLOAT16;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> TensorValue.DOUBLE;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> TensorValue.UINT32;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> TensorValue.UINT64;
      case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> TensorValue.BFLOAT16;
      default -> 0;
    };
  }

  /** An output of ONNX Runtime as a {@link TensorValue}; an exception for a value that is not a tensor. */
  static TensorValue fromOnnx(String name, OnnxValue value) throws OrtException {
    if (!(value instanceof OnnxTensor tensor)) {
      throw new IllegalArgumentException("output '" + name + "' is a " + value.getType());
    }
    TensorInfo info = tensor.getInfo();
    int type = onnxType(info.onnxType);
    long[] dims = info.getShape();
    int n = Math.toIntExact(TensorValue.elementCount(dims));
    if (type == TensorValue.STRING) {
      String[] out = new String[n];
      int[] at = {0};
      flatten(tensor.getValue(), out, at);
      return new TensorValue(name, type, dims, out);
    }
    if (type == 0) {
      throw new IllegalArgumentException("output '" + name + "' has element type " + info.onnxType);
    }
    ByteBuffer raw = n == 0 ? ByteBuffer.allocate(0) : tensor.getByteBuffer().order(ByteOrder.nativeOrder());
    Object data;
    switch (type) {
      case TensorValue.FLOAT -> {
        float[] a = new float[n];
        raw.asFloatBuffer().get(a);
        data = a;
      }
      case TensorValue.DOUBLE -> {
        double[] a = new double[n];
        raw.asDoubleBuffer().get(a);
        data = a;
      }
      case TensorValue.FLOAT16, TensorValue.BFLOAT16 -> {
        short[] a = new short[n];
        raw.asShortBuffer().get(a);
        data = a;
      }
      case TensorValue.BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = raw.get(i) != 0;
        }
        data = a;
      }
      default -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = switch (type) {
            case TensorValue.INT8 -> raw.get(i);
            case TensorValue.UINT8 -> raw.get(i) & 0xFF;
            case TensorValue.INT16 -> raw.getShort(i * 2);
            case TensorValue.UINT16 -> raw.getShort(i * 2) & 0xFFFF;
            case TensorValue.INT32 -> raw.getInt(i * 4);
            case TensorValue.UINT32 -> raw.getInt(i * 4) & 0xFFFF_FFFFL;
            default -> raw.getLong(i * 8);
          };
        }
        data = a;
      }
    }
    return new TensorValue(name, type, dims, data);
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

  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }
}
