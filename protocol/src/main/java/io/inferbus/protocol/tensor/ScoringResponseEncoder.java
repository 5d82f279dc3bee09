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
    Buffer answer = Buffer.buffer(128);
    try (JsonGenerator g = TensorJson.FACTORY.createGenerator(new BufferOutput(answer), JsonEncoding.UTF8)) {
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
    return answer;
  }

  /** Jackson writes its own buffered chunks straight into the answer's Buffer: no second copy. */
  private static final class BufferOutput extends java.io.OutputStream {
    private final Buffer out;

    BufferOutput(Buffer out) {
      this.out = out;
    }

    @Override
    public void write(int b) {
      out.appendByte((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      out.appendBytes(b, off, len);
    }
  }

  /** Open Inference Protocol response with flat {@code data} per output. */
  public static Buffer encodeOpenInference(String modelName, String modelVersion, String id,
      List<? extends OutputValue> outputs) {
    return Buffer.buffer(openInferenceJson(modelName, modelVersion, id, outputs, null));
  }

  /** An encoded answer; {@code jsonLength >= 0}: binary tensor data follows that many bytes of JSON. */
  public record Encoded(Buffer body, int jsonLength) {}

  /**
   * Open Inference Protocol response in the layout the request asked for: outputs it wants binary
   * (see {@link InferenceRequest#binary}) carry {@code parameters.binary_data_size} in the JSON and
   * their elements after it.
   */
  public static Encoded encodeOpenInferenceFor(String modelName, String modelVersion, InferenceRequest request,
      List<? extends OutputValue> outputs) {
    if (!request.mayBeBinary()) {
      return new Encoded(encodeOpenInference(modelName, modelVersion, request.id(), outputs), -1);
    }
    List<Tensor> tensors = new java.util.ArrayList<>(outputs.size());
    for (OutputValue out : outputs) {
      tensors.add(out instanceof Tensor t ? t : asJsonTexts((MapSequence) out));
    }
    byte[] json = openInferenceJson(modelName, modelVersion, request.id(), tensors, request);
    int total = json.length;
    for (Tensor t : tensors) {
      if (request.binary(t.name())) {
        total += BinaryTensorData.size(t);
      }
    }
    Buffer body = Buffer.buffer(total).appendBytes(json);
    for (Tensor t : tensors) {
      if (request.binary(t.name())) {
        BinaryTensorData.write(t, body);
      }
    }
    return new Encoded(body, json.length);
  }

  /** The JSON of a V2 answer; outputs {@code binary} names (null: none) get binary_data_size instead of data. */
  private static byte[] openInferenceJson(String modelName, String modelVersion, String id,
      List<? extends OutputValue> outputs, InferenceRequest binary) {
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
        if (binary != null && binary.binary(t.name())) {
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", BinaryTensorData.size(t));
          g.writeEndObject();
        } else {
          g.writeArrayFieldStart("data");
          int n = t.length();
          for (int i = 0; i < n; i++) {
            writeElement(g, t, i);
          }
          g.writeEndArray();
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
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
