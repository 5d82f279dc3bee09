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

  /** A request in the binary tensor data extension's layout: {@code jsonLength} bytes of JSON, then the data. */
  record BinaryRequest(byte[] body, int jsonLength) {}

  /**
   * Every input as binary data after the JSON header, and every output asked for as binary data
   * ({@code parameters.binary_data_output}): NaN and the infinities travel as they are.
   */
  static BinaryRequest binaryRequest(String id, List<String> names, List<TensorValue> inputs) {
    List<byte[]> parts = new java.util.ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("id", id);
      g.writeObjectFieldStart("parameters");
      g.writeBooleanField("binary_data_output", true);
      g.writeEndObject();
      g.writeArrayFieldStart("inputs");
      for (int k = 0; k < inputs.size(); k++) {
        TensorValue t = inputs.get(k);
        byte[] part = binary(t);
        parts.add(part);
        g.writeStartObject();
        g.writeStringField("name", names.get(k));
        g.writeStringField("datatype", datatype(t.type()));
        g.writeArrayFieldStart("shape");
        for (long d : t.dims()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("parameters");
        g.writeNumberField("binary_data_size", part.length);
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int jsonLength = bytes.size();
    for (byte[] part : parts) {
      bytes.writeBytes(part);
    }
    return new BinaryRequest(bytes.toByteArray(), jsonLength);
  }

  /** A tensor's elements as the extension lays them out: little-endian, BOOL a byte, BYTES length-prefixed. */
  private static byte[] binary(TensorValue t) {
    int n = t.count();
    if (t.type() == TensorValue.STRING) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (String v : (String[]) t.data()) {
        byte[] b = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
      }
      return out.toByteArray();
    }
    int width = width(t.type());
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(width * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    Object d = t.data();
    for (int i = 0; i < n; i++) {
      switch (t.type()) {
        case TensorValue.FLOAT -> b.putFloat(((float[]) d)[i]);
        case TensorValue.DOUBLE -> b.putDouble(((double[]) d)[i]);
        case TensorValue.FLOAT16, TensorValue.BFLOAT16 -> b.putShort(((short[]) d)[i]);
        case TensorValue.BOOL -> b.put(((boolean[]) d)[i] ? (byte) 1 : 0);
        default -> {
          long v = ((long[]) d)[i];
          switch (width) {
            case 1 -> b.put((byte) v);
            case 2 -> b.putShort((short) v);
            case 4 -> b.putInt((int) v);
            default -> b.putLong(v);
          }
        }
      }
    }
    return b.array();
  }

  private static int width(int type) {
    return switch (type) {
      case TensorValue.DOUBLE, TensorValue.INT64, TensorValue.UINT64 -> 8;
      case TensorValue.FLOAT, TensorValue.INT32, TensorValue.UINT32 -> 4;
      case TensorValue.FLOAT16, TensorValue.BFLOAT16, TensorValue.INT16, TensorValue.UINT16 -> 2;
      default -> 1;
    };
  }

  /**
   * The outputs of a binary answer: {@code jsonLength} bytes of JSON, then each output that has
   * {@code parameters.binary_data_size}, in order. Outputs without it are read from their JSON data.
   */
  static java.util.Map<String, TensorValue> binaryOutputs(byte[] body, int jsonLength) {
    JsonObject header = new JsonObject(io.vertx.core.buffer.Buffer.buffer(java.util.Arrays.copyOf(body, jsonLength)));
    java.util.Map<String, TensorValue> byName = new java.util.LinkedHashMap<>();
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(body, jsonLength, body.length - jsonLength)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (Object o : header.getJsonArray("outputs")) {
      JsonObject out = (JsonObject) o;
      JsonObject params = out.getJsonObject("parameters");
      if (params == null || !params.containsKey("binary_data_size")) {
        byName.put(out.getString("name"), output(out));
        continue;
      }
      String name = out.getString("name");
      int type = onnxType(out.getString("datatype"));
      JsonArray shape = out.getJsonArray("shape");
      long[] dims = new long[shape.size()];
      long count = 1;
      for (int i = 0; i < dims.length; i++) {
        dims[i] = ((Number) shape.getValue(i)).longValue();
        count *= dims[i];
      }
      int size = params.getInteger("binary_data_size");
      if (size > in.remaining()) {
        throw new IllegalArgumentException("output '" + name + "' has binary_data_size " + size + " but only "
            + in.remaining() + " bytes remain");
      }
      int n = (int) count;
      int end = in.position() + size;
      Object values = switch (type) {
        case TensorValue.FLOAT -> {
          float[] a = new float[n];
          for (int i = 0; i < n; i++) {
            a[i] = in.getFloat();
          }
          yield a;
        }
        case TensorValue.DOUBLE -> {
          double[] a = new double[n];
          for (int i = 0; i < n; i++) {
            a[i] = in.getDouble();
          }
          yield a;
        }
        case TensorValue.FLOAT16, TensorValue.BFLOAT16 -> {
          short[] a = new short[n];
          for (int i = 0; i < n; i++) {
            a[i] = in.getShort();
          }
          yield a;
        }
        case TensorValue.BOOL -> {
          boolean[] a = new boolean[n];
          for (int i = 0; i < n; i++) {
            a[i] = in.get() != 0;
          }
          yield a;
        }
        case TensorValue.STRING -> {
          String[] a = new String[n];
          for (int i = 0; i < n; i++) {
            byte[] b = new byte[in.getInt()];
            in.get(b);
            a[i] = new String(b, java.nio.charset.StandardCharsets.UTF_8);
          }
          yield a;
        }
        default -> {
          long[] a = new long[n];
          boolean unsigned = type == TensorValue.UINT8 || type == TensorValue.UINT16 || type == TensorValue.UINT32;
          for (int i = 0; i < n; i++) {
            a[i] = switch (width(type)) {
              case 1 -> unsigned ? in.get() & 0xFFL : in.get();
              case 2 -> unsigned ? in.getShort() & 0xFFFFL : in.getShort();
              case 4 -> unsigned ? in.getInt() & 0xFFFF_FFFFL : in.getInt();
              default -> in.getLong();
            };
          }
          yield a;
        }
      };
      if (in.position() != end) {
        throw new IllegalArgumentException("output '" + name + "': binary_data_size " + size + " does not match its "
            + n + " " + out.getString("datatype") + " elements");
      }
      byName.put(name, new TensorValue(name, type, dims, values));
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes after the last binary output");
    }
    return byName;
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
