package io.inferbus.protocol.tensor;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Encodes output tensors as the scoring answer of either protocol, streaming from primitive arrays. */
public final class ScoringResponseEncoder {
  private ScoringResponseEncoder() {}

  /** Azure ML style: {@code {"<output>": <nested array>, ...}}. */
  public static Buffer encodeAzure(List<? extends OutputValue> outputs) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(256);
    try (JsonGenerator g = TensorJson.FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
      g.writeStartObject();
      for (OutputValue out : outputs) {
        g.writeFieldName(out.name());
        if (out instanceof Tensor t) {
          writeNested(g, t, 0, 0);
        } else {
          writeMaps(g, (MapSequence) out);
        }
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(bytes.toByteArray());
  }

  /** Open Inference Protocol response with flat {@code data} per output. */
  public static Buffer encodeOpenInference(String modelName, String modelVersion, String id,
      List<? extends OutputValue> outputs) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(256);
    try (JsonGenerator g = TensorJson.FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("model_name", modelName);
      if (modelVersion != null) {
        g.writeStringField("model_version", modelVersion);
      }
      if (id != null) {
        g.writeStringField("id", id);
      }
      g.writeArrayFieldStart("outputs");
      for (OutputValue out : outputs) {
        Tensor t = out instanceof Tensor tensor ? tensor : asJsonTexts((MapSequence) out);
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeStringField("datatype", t.datatype().name());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data");
        int n = t.length();
        for (int i = 0; i < n; i++) {
          writeElement(g, t, i);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Buffer.buffer(bytes.toByteArray());
  }

  /** A sequence of maps as a BYTES tensor of the maps' JSON texts (V2 has no map type). */
  private static Tensor asJsonTexts(MapSequence seq) {
    String[] texts = new String[seq.maps().size()];
    for (int i = 0; i < texts.length; i++) {
      ByteArrayBuilder bytes = new ByteArrayBuilder(64);
      try (JsonGenerator g = TensorJson.FACTORY.createGenerator(bytes, JsonEncoding.UTF8)) {
        writeMap(g, seq.maps().get(i));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      texts[i] = new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }
    return new Tensor(seq.name(), DataType.BYTES, new long[] {texts.length}, texts);
  }

  private static void writeMaps(JsonGenerator g, MapSequence seq) throws IOException {
    g.writeStartArray();
    for (java.util.Map<Object, Object> m : seq.maps()) {
      writeMap(g, m);
    }
    g.writeEndArray();
  }

  private static void writeMap(JsonGenerator g, java.util.Map<Object, Object> m) throws IOException {
    g.writeStartObject();
    for (var e : m.entrySet()) {
      g.writeFieldName(String.valueOf(e.getKey()));
      Object v = e.getValue();
      if (v instanceof Float f) {
        g.writeNumber(f);
      } else if (v instanceof Double d) {
        g.writeNumber(d);
      } else if (v instanceof Long l) {
        g.writeNumber(l);
      } else if (v instanceof Integer i) {
        g.writeNumber(i);
      } else {
        g.writeString(String.valueOf(v));
      }
    }
    g.writeEndObject();
  }

  /** Writes dimension {@code dim} of the tensor starting at flat index {@code offset}; returns the next offset. */
  private static int writeNested(JsonGenerator g, Tensor t, int dim, int offset) throws IOException {
    long[] shape = t.shape();
    if (dim == shape.length) {
      writeElement(g, t, offset);
      return offset + 1;
    }
    g.writeStartArray();
    int at = offset;
    if (dim == shape.length - 1) {
      for (long i = 0; i < shape[dim]; i++) {
        writeElement(g, t, at++);
      }
    } else {
      for (long i = 0; i < shape[dim]; i++) {
        at = writeNested(g, t, dim + 1, at);
      }
    }
    g.writeEndArray();
    return at;
  }

  private static void writeElement(JsonGenerator g, Tensor t, int i) throws IOException {
    Object data = t.data();
    switch (t.datatype()) {
      case FP32 -> g.writeNumber(((float[]) data)[i]);
      case FP64 -> g.writeNumber(((double[]) data)[i]);
      case FP16 -> g.writeNumber(HalfFloat.fp16ToFloat(((short[]) data)[i]));
      case BF16 -> g.writeNumber(HalfFloat.bf16ToFloat(((short[]) data)[i]));
      case BOOL -> g.writeBoolean(((boolean[]) data)[i]);
      case BYTES -> g.writeString(((String[]) data)[i]);
      case INT8 -> g.writeNumber(((byte[]) data)[i]);
      case UINT8 -> g.writeNumber(((byte[]) data)[i] & 0xFF);
      case INT16 -> g.writeNumber(((short[]) data)[i]);
      case UINT16 -> g.writeNumber(((short[]) data)[i] & 0xFFFF);
      case INT32 -> g.writeNumber(((int[]) data)[i]);
      case UINT32 -> g.writeNumber(((int[]) data)[i] & 0xFFFF_FFFFL);
      case INT64 -> g.writeNumber(((long[]) data)[i]);
      case UINT64 -> g.writeNumber(new java.math.BigInteger(Long.toUnsignedString(((long[]) data)[i])));
    }
  }
}
