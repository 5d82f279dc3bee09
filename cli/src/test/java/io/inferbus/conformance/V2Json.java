package io.inferbus.conformance;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.List;

/** Open Inference Protocol (V2) JSON: requests from {@link TensorValue}s, outputs back into them. */
final class V2Json {
  private static final JsonFactory FACTORY = new JsonFactory();

  private V2Json() {}

  /** The protocol's datatype name of an ONNX element type. */
  static String datatype(int onnxType) {
    return switch (onnxType) {
      case TensorValue.FLOAT -> "FP32";
      case TensorValue.DOUBLE -> "FP64";
      case TensorValue.FLOAT16 -> "FP16";
      case TensorValue.BFLOAT16 -> "BF16";
      case TensorValue.INT8 -> "INT8";
      case TensorValue.INT16 -> "INT16";
      case TensorValue.INT32 -> "INT32";
      case TensorValue.INT64 -> "INT64";
      case TensorValue.UINT8 -> "UINT8";
      case TensorValue.UINT16 -> "UINT16";
      case TensorValue.UINT32 -> "UINT32";
      case TensorValue.UINT64 -> "UINT64";
      case TensorValue.BOOL -> "BOOL";
      case TensorValue.STRING -> "BYTES";
      default -> throw new IllegalArgumentException("no protocol datatype for " + TensorValue.typeName(onnxType));
    };
  }

  /** The ONNX element type of a protocol datatype name, 0 when unknown. */
  static int onnxType(String datatype) {
    return switch (datatype == null ? "" : datatype) {
      case "FP32" -> TensorValue.FLOAT;
      case "FP64" -> TensorValue.DOUBLE;
      case "FP16" -> TensorValue.FLOAT16;
      case "BF16" -> TensorValue.BFLOAT16;
      case "INT8" -> TensorValue.INT8;
      case "INT16" -> TensorValue.INT16;
      case "INT32" -> TensorValue.INT32;
      case "INT64" -> TensorValue.INT64;
      case "UINT8" -> TensorValue.UINT8;
      case "UINT16" -> TensorValue.UINT16;
      case "UINT32" -> TensorValue.UINT32;
      case "UINT64" -> TensorValue.UINT64;
      case "BOOL" -> TensorValue.BOOL;
      case "BYTES" -> TensorValue.STRING;
      default -> 0;
    };
  }

  /** {@code {"id": ..., "inputs": [{"name", "datatype", "shape", "data": [flat]}, ...]}}. */
  static byte[] request(String id, List<String> names, List<TensorValue> inputs) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeArrayFieldStart("inputs");
      for (int k = 0; k < inputs.size(); k++) {
        TensorValue t = inputs.get(k);
        g.writeStartObject();
        g.writeStringField("name", names.get(k));
        g.writeStringField("datatype", datatype(t.type()));
        g.writeArrayFieldStart("shape");
        for (long d : t.dims()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        writeElements(g, t);
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void writeElements(JsonGenerator g, TensorValue t) throws IOException {
    Object d = t.data();
    int n = t.count();
    switch (t.type()) {
      case TensorValue.FLOAT -> {
        for (float v : (float[]) d) {
          g.writeNumber(v);
        }
      }
      case TensorValue.DOUBLE -> {
        for (double v : (double[]) d) {
          g.writeNumber(v);
        }
      }
      case TensorValue.FLOAT16, TensorValue.BFLOAT16 -> {
        for (int i = 0; i < n; i++) {
          g.writeNumber((float) t.real(i));
        }
      }
      case TensorValue.BOOL -> {
        for (boolean v : (boolean[]) d) {
          g.writeBoolean(v);
        }
      }
      case TensorValue.STRING -> {
        for (String v : (String[]) d) {
          g.writeString(v);
        }
      }
      case TensorValue.UINT64 -> {
        for (long v : (long[]) d) {
          g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
        }
      }
      default -> {
        for (long v : (long[]) d) {
          g.writeNumber(v);
        }
      }
    }
  }

  /**
   * An output of a V2 answer as a {@link TensorValue}. Floating-point elements may be the strings
   * "NaN", "Infinity" and "-Infinity" (JSON has no such numbers); FP16 and BF16 elements arrive as
   * decimal numbers and are kept as the nearest 16-bit value.
   */
  static TensorValue output(JsonObject out) {
    String name = out.getString("name");
    int type = onnxType(out.getString("datatype"));
    if (type == 0) {
      throw new IllegalArgumentException("output '" + name + "' has datatype " + out.getValue("datatype"));
    }
    JsonArray shape = out.getJsonArray("shape");
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = ((Number) shape.getValue(i)).longValue();
    }
    JsonArray data = out.getJsonArray("data");
    int n = data.size();
    Object values;
    switch (type) {
      case TensorValue.FLOAT -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = (float) real(data.getValue(i));
        }
        values = a;
      }
      case TensorValue.DOUBLE -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = real(data.getValue(i));
        }
        values = a;
      }
      case TensorValue.FLOAT16, TensorValue.BFLOAT16 -> {
        short[] a = new short[n];
        for (int i = 0; i < n; i++) {
          float f = (float) real(data.getValue(i));
          a[i] = type == TensorValue.FLOAT16 ? io.inferbus.protocol.tensor.HalfFloat.toFp16Bits(f)
              : io.inferbus.protocol.tensor.HalfFloat.toBf16Bits(f);
        }
        values = a;
      }
      case TensorValue.BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          Object v = data.getValue(i);
          if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("output '" + name + "' is BOOL but element " + i + " is " + v);
          }
          a[i] = b;
        }
        values = a;
      }
      case TensorValue.STRING -> {
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
          Object v = data.getValue(i);
          if (!(v instanceof String s)) {
            throw new IllegalArgumentException("output '" + name + "' is BYTES but element " + i + " is " + v);
          }
          a[i] = s;
        }
        values = a;
      }
      default -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          Object v = data.getValue(i);
          if (!(v instanceof Integer || v instanceof Long || v instanceof BigInteger)) {
            throw new IllegalArgumentException("output '" + name + "' is " + out.getString("datatype") + " but element "
                + i + " is " + v);
          }
          a[i] = ((Number) v).longValue(); // BigInteger (UINT64 above 2^63): its low 64 bits
        }
        values = a;
      }
    }
    return new TensorValue(name, type, dims, values);
  }

  private static double real(Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    if (v instanceof String s) {
      switch (s) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {
        }
      }
    }
    throw new IllegalArgumentException("not a floating-point element: " + v);
  }
}
