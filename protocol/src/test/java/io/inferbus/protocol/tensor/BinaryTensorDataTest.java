package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.assertBadInput;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.InferbusException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The binary tensor data extension (Inference-Header-Content-Length): every datatype round-trips
 * through the response encoder and the request decoder, NaN and infinities included; JSON and binary
 * inputs mix; outputs are binary by request or by output. Refused: binary_data_size without the
 * header, negative or non-integer sizes, a size that disagrees with shape and datatype, data and
 * binary_data_size both given, sizes past the end of the body, bytes left after the last input, a
 * header length past the body, BYTES elements whose length prefix runs past the data.
 */
class BinaryTensorDataTest {

  /** A request whose JSON header is followed by the given binary parts. */
  private static Buffer binaryBody(JsonObject header, Buffer... parts) {
    Buffer body = Buffer.buffer().appendBuffer(header.toBuffer());
    for (Buffer part : parts) {
      body.appendBuffer(part);
    }
    return body;
  }

  private static JsonObject binaryInput(String name, DataType type, int size, long... shape) {
    JsonArray dims = new JsonArray();
    for (long d : shape) {
      dims.add(d);
    }
    return new JsonObject().put("name", name).put("datatype", type.name()).put("shape", dims)
        .put("parameters", new JsonObject().put("binary_data_size", size));
  }

  private static Object sample(DataType type) {
    return switch (type) {
      case FP32 -> new float[] {1.5f, Float.NaN, Float.POSITIVE_INFINITY, -0.25f, Float.NEGATIVE_INFINITY, 7f};
      case FP64 -> new double[] {1.5, Double.NaN, Double.NEGATIVE_INFINITY, 1e300, -2, 0};
      case INT64, UINT64 -> new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 42};
      case INT32, UINT32 -> new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 42};
      case INT16, UINT16, FP16, BF16 -> new short[] {Short.MIN_VALUE, -1, 0, 1, Short.MAX_VALUE, 0x3C00};
      case INT8, UINT8 -> new byte[] {Byte.MIN_VALUE, -1, 0, 1, Byte.MAX_VALUE, 42};
      case BOOL -> new boolean[] {true, false, false, true, true, false};
      case BYTES -> new String[] {"", "a", "naïve", "日本", "\uD83D\uDE00", "x\u0000y"};
    };
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyDatatypeRoundTripsThroughBinaryOutputAndBinaryInput(DataType type) {
    Tensor out = new Tensor("y", type, new long[] {2, 3}, sample(type));
    InferenceRequest wantsBinary = new InferenceRequest("r1", List.of(), List.of(), true, java.util.Map.of());
    ScoringResponseEncoder.Encoded answer = ScoringResponseEncoder.encodeOpenInferenceFor("m", "d", wantsBinary,
        List.of(out));
    assertTrue(answer.jsonLength() > 0);
    JsonObject header = new JsonObject(answer.body().getBuffer(0, answer.jsonLength()));
    JsonObject described = header.getJsonArray("outputs").getJsonObject(0);
    assertFalse(described.containsKey("data"), "binary outputs carry no JSON data");
    int size = described.getJsonObject("parameters").getInteger("binary_data_size");
    assertEquals(answer.body().length() - answer.jsonLength(), size);
    assertEquals("r1", header.getString("id"));

    // feed the answer's binary part back as a request
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(binaryInput("y", type, size, 2, 3)));
    Buffer json = request.toBuffer();
    Buffer body = binaryBody(request, answer.body().getBuffer(answer.jsonLength(), answer.body().length()));
    InferenceRequest decoded = decoder(spec("y", type, -1, 3)).decodeOpenInference(body, json.length());
    Tensor back = decoded.inputs().get(0);
    assertArrayEquals(new long[] {2, 3}, back.shape());
    assertEquals(type, back.datatype());
    switch (type) {
      case FP32 -> assertArrayEquals((float[]) out.data(), (float[]) back.data());
      case FP64 -> assertArrayEquals((double[]) out.data(), (double[]) back.data());
      case INT64, UINT64 -> assertArrayEquals((long[]) out.data(), (long[]) back.data());
      case INT32, UINT32 -> assertArrayEquals((int[]) out.data(), (int[]) back.data());
      case INT16, UINT16, FP16, BF16 -> assertArrayEquals((short[]) out.data(), (short[]) back.data());
      case INT8, UINT8 -> assertArrayEquals((byte[]) out.data(), (byte[]) back.data());
      case BOOL -> assertArrayEquals((boolean[]) out.data(), (boolean[]) back.data());
      case BYTES -> assertArrayEquals((String[]) out.data(), (String[]) back.data());
    }
  }

  @Test
  void binaryLayoutIsLittleEndianRowMajor() {
    Buffer fp32 = Buffer.buffer().appendFloatLE(1.0f).appendFloatLE(-2.0f);
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(binaryInput("x", DataType.FP32, 8, 1, 2)));
    Tensor t = decoder(spec("x", DataType.FP32, -1, 2))
        .decodeOpenInference(binaryBody(request, fp32), request.toBuffer().length()).inputs().get(0);
    assertArrayEquals(new float[] {1.0f, -2.0f}, (float[]) t.data());

    Buffer strings = Buffer.buffer().appendIntLE(2).appendString("hi").appendIntLE(0);
    request = new JsonObject().put("inputs", new JsonArray().add(binaryInput("s", DataType.BYTES, 10, 2)));
    t = decoder(spec("s", DataType.BYTES, -1))
        .decodeOpenInference(binaryBody(request, strings), request.toBuffer().length()).inputs().get(0);
    assertArrayEquals(new String[] {"hi", ""}, (String[]) t.data());
  }

  @Test
  void jsonAndBinaryInputsMixAndBinaryPartsFollowInInputOrder() {
    JsonObject request = new JsonObject().put("inputs", new JsonArray()
        .add(binaryInput("b", DataType.INT64, 16, 2))
        .add(new JsonObject().put("name", "a").put("datatype", "FP32").put("shape", new JsonArray().add(1))
            .put("data", new JsonArray().add(0.5)))
        .add(binaryInput("c", DataType.INT8, 3, 3)));
    Buffer body = binaryBody(request, Buffer.buffer().appendLongLE(7).appendLongLE(-8),
        Buffer.buffer().appendByte((byte) 1).appendByte((byte) 2).appendByte((byte) 3));
    List<Tensor> in = decoder(spec("a", DataType.FP32, -1), spec("b", DataType.INT64, -1), spec("c", DataType.INT8, -1))
        .decodeOpenInference(body, request.toBuffer().length()).inputs();
    var byName = Bodies.byName(in);
    assertArrayEquals(new float[] {0.5f}, (float[]) byName.get("a").data());
    assertArrayEquals(new long[] {7, -8}, (long[]) byName.get("b").data());
    assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) byName.get("c").data());
  }

  @Test
  void outputsAreBinaryByRequestOrByOutputAndJsonOtherwise() {
    Buffer json = Buffer.buffer("{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1],"
        + " \"data\": [1]}], \"parameters\": {\"binary_data_output\": true},"
        + " \"outputs\": [{\"name\": \"p\"}, {\"name\": \"q\", \"parameters\": {\"binary_data\": false}}]}");
    InferenceRequest r = decoder(spec("x", DataType.FP32, -1)).decodeOpenInference(json);
    assertTrue(r.binary("p"));
    assertFalse(r.binary("q"));
    ScoringResponseEncoder.Encoded answer = ScoringResponseEncoder.encodeOpenInferenceFor("m", null, r, List.of(
        new Tensor("p", DataType.FP32, new long[] {1}, new float[] {Float.NaN}),
        new Tensor("q", DataType.INT64, new long[] {1}, new long[] {3})));
    JsonObject header = new JsonObject(answer.body().getBuffer(0, answer.jsonLength()));
    assertEquals(4, header.getJsonArray("outputs").getJsonObject(0).getJsonObject("parameters")
        .getInteger("binary_data_size"));
    assertEquals(new JsonArray().add(3), header.getJsonArray("outputs").getJsonObject(1).getJsonArray("data"));
    assertTrue(Float.isNaN(answer.body().getFloatLE(answer.jsonLength())));
    assertEquals(answer.jsonLength() + 4, answer.body().length());

    InferenceRequest plain = decoder(spec("x", DataType.FP32, -1)).decodeOpenInference(Buffer.buffer(
        "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}]}"));
    assertEquals(-1, ScoringResponseEncoder.encodeOpenInferenceFor("m", null, plain,
        List.of(new Tensor("p", DataType.FP32, new long[] {1}, new float[] {1}))).jsonLength(),
        "without a request for binary data the answer is all JSON");
  }

  private static InferbusException refuse(JsonObject request, Buffer binary, int jsonLength) {
    Buffer body = binaryBody(request, binary);
    return assertBadInput(() -> decoder(spec("x", DataType.FP32, -1)).decodeOpenInference(body, jsonLength));
  }

  private static void assertMentions(InferbusException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "message lacks <" + part + ">: " + e.getMessage());
    }
  }

  @Test
  void binaryDataSizeWithoutTheHeaderIsRefused() {
    JsonObject r = new JsonObject().put("inputs", new JsonArray().add(binaryInput("x", DataType.FP32, 4, 1)));
    assertMentions(refuse(r, Buffer.buffer(), -1), "input 'x'", "Inference-Header-Content-Length");
  }

  @Test
  void aSizeThatDisagreesWithShapeAndDatatypeIsRefused() {
    JsonObject r = new JsonObject().put("inputs", new JsonArray().add(binaryInput("x", DataType.FP32, 6, 2)));
    assertMentions(refuse(r, Buffer.buffer(new byte[6]), r.toBuffer().length()), "input 'x'", "8 bytes", "6");
  }

  @Test
  void sizesPastTheBodyAndBytesLeftOverAreRefused() {
    JsonObject r = new JsonObject().put("inputs", new JsonArray().add(binaryInput("x", DataType.FP32, 8, 2)));
    assertMentions(refuse(r, Buffer.buffer(new byte[4]), r.toBuffer().length()), "input 'x'", "only 4 bytes");
    assertMentions(refuse(r, Buffer.buffer(new byte[12]), r.toBuffer().length()), "4 bytes follow");
  }

  @Test
  void aHeaderLengthPastTheBodyIsRefused() {
    JsonObject r = new JsonObject().put("inputs", new JsonArray().add(binaryInput("x", DataType.FP32, 4, 1)));
    assertMentions(refuse(r, Buffer.buffer(new byte[4]), 10_000), "Inference-Header-Content-Length", "10000");
  }

  @Test
  void dataAndBinaryDataSizeTogetherAreRefused() {
    JsonObject input = binaryInput("x", DataType.FP32, 4, 1).put("data", new JsonArray().add(1));
    JsonObject r = new JsonObject().put("inputs", new JsonArray().add(input));
    assertMentions(refuse(r, Buffer.buffer(new byte[4]), r.toBuffer().length()), "input 'x'", "both");
  }

  @Test
  void negativeOrFractionalSizesAreRefused() {
    for (Object size : List.of(-1, 2.5, "4", Long.MAX_VALUE)) {
      JsonObject input = binaryInput("x", DataType.FP32, 0, 1);
      input.getJsonObject("parameters").put("binary_data_size", size);
      JsonObject r = new JsonObject().put("inputs", new JsonArray().add(input));
      assertMentions(refuse(r, Buffer.buffer(new byte[4]), r.toBuffer().length()), "binary_data_size");
    }
  }

  @Test
  void bytesElementsThatRunPastTheirDataAreRefused() {
    ScoringRequestDecoder d = decoder(spec("s", DataType.BYTES, -1));
    JsonObject r = new JsonObject().put("inputs", new JsonArray().add(binaryInput("s", DataType.BYTES, 6, 1)));
    Buffer body = binaryBody(r, Buffer.buffer().appendIntLE(100).appendString("ab"));
    assertMentions(assertBadInput(() -> d.decodeOpenInference(body, r.toBuffer().length())), "input 's'", "100");

    JsonObject two = new JsonObject().put("inputs", new JsonArray().add(binaryInput("s", DataType.BYTES, 4, 2)));
    Buffer shortBody = binaryBody(two, Buffer.buffer().appendIntLE(0));
    assertMentions(assertBadInput(() -> d.decodeOpenInference(shortBody, two.toBuffer().length())), "input 's'");
  }
}
