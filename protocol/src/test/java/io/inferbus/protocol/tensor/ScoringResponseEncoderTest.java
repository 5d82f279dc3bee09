package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.byName;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Answers in both protocols: Azure nesting, V2 flat data, datatype names, unsigned and half rendering. */
class ScoringResponseEncoderTest {

  private static Tensor t(String name, DataType type, long[] shape, Object data) {
    return new Tensor(name, type, shape, data);
  }

  private static long[] shape(long... dims) {
    return dims;
  }

  private static String azure(Tensor... outputs) {
    return ScoringResponseEncoder.encodeAzure(List.of(outputs)).toString();
  }

  private static String v2Data(Tensor output) {
    Buffer b = ScoringResponseEncoder.encodeOpenInference("m", null, null, List.of(output));
    return new JsonObject(b).getJsonArray("outputs").getJsonObject(0).getJsonArray("data").encode();
  }

  // ---- Azure nesting

  @Test
  void azureScalarIsABareNumber() {
    assertEquals("{\"y\":2.5}", azure(t("y", DataType.FP32, shape(), new float[] {2.5f})));
  }

  @Test
  void azureVector() {
    assertEquals("{\"y\":[1,2,3]}", azure(t("y", DataType.INT32, shape(3), new int[] {1, 2, 3})));
  }

  @Test
  void azureMatrixIsRowMajor() {
    assertEquals("{\"y\":[[1,2,3],[4,5,6]]}",
        azure(t("y", DataType.INT64, shape(2, 3), new long[] {1, 2, 3, 4, 5, 6})));
  }

  @Test
  void azureRowsOfNothing() {
    assertEquals("{\"y\":[[],[]]}", azure(t("y", DataType.FP32, shape(2, 0), new float[0])));
  }

  @Test
  void azureEmptyVectorAndEmptyBatch() {
    assertEquals("{\"y\":[]}", azure(t("y", DataType.FP32, shape(0), new float[0])));
    assertEquals("{\"y\":[]}", azure(t("y", DataType.FP32, shape(0, 3), new float[0])));
  }

  @Test
  void azureThreeDimensions() {
    assertEquals("{\"y\":[[[1,2]],[[3,4]]]}", azure(t("y", DataType.INT8, shape(2, 1, 2), new byte[] {1, 2, 3, 4})));
    assertEquals("{\"y\":[[[7]]]}", azure(t("y", DataType.INT8, shape(1, 1, 1), new byte[] {7})));
  }

  @Test
  void azureKeepsOutputOrder() {
    assertEquals("{\"label\":[1,0],\"probabilities\":[[0.25,0.75],[0.5,0.5]]}", azure(
        t("label", DataType.INT64, shape(2), new long[] {1, 0}),
        t("probabilities", DataType.FP32, shape(2, 2), new float[] {0.25f, 0.75f, 0.5f, 0.5f})));
  }

  @Test
  void azureNoOutputsIsAnEmptyObject() {
    assertEquals("{}", ScoringResponseEncoder.encodeAzure(List.of()).toString());
  }

  @Test
  void azureRendersUnsignedBoolAndStrings() {
    assertEquals("{\"u\":[[255,0],[128,1]],\"b\":[true,false],\"s\":[\"a\\\"b\",\"\u00e9\"]}", azure(
        t("u", DataType.UINT8, shape(2, 2), new byte[] {-1, 0, -128, 1}),
        t("b", DataType.BOOL, shape(2), new boolean[] {true, false}),
        t("s", DataType.BYTES, shape(2), new String[] {"a\"b", "\u00e9"})));
  }

  // ---- Open Inference Protocol

  @Test
  void v2EnvelopeWithFlatData() {
    Buffer b = ScoringResponseEncoder.encodeOpenInference("m", "3", "r1",
        List.of(t("y", DataType.FP32, shape(2, 2), new float[] {1.5f, -2f, 0f, 4f})));
    assertEquals("{\"model_name\":\"m\",\"model_version\":\"3\",\"id\":\"r1\",\"outputs\":[{\"name\":\"y\","
        + "\"datatype\":\"FP32\",\"shape\":[2,2],\"data\":[1.5,-2.0,0.0,4.0]}]}", b.toString());
  }

  @Test
  void v2OmitsVersionAndIdWhenUnknown() {
    JsonObject o = new JsonObject(ScoringResponseEncoder.encodeOpenInference("m", null, null, List.of()));
    assertEquals("m", o.getString("model_name"));
    assertFalse(o.containsKey("model_version"));
    assertFalse(o.containsKey("id"));
    assertEquals(new JsonArray(), o.getJsonArray("outputs"));
  }

  @Test
  void v2ScalarHasEmptyShapeAndOneElement() {
    JsonObject out = new JsonObject(ScoringResponseEncoder.encodeOpenInference("m", null, null,
        List.of(t("k", DataType.INT32, shape(), new int[] {9})))).getJsonArray("outputs").getJsonObject(0);
    assertEquals(new JsonArray(), out.getJsonArray("shape"));
    assertEquals("[9]", out.getJsonArray("data").encode());
  }

  @Test
  void v2DatatypeNames() {
    List<Tensor> outs = List.of(
        t("a", DataType.BOOL, shape(1), new boolean[] {true}),
        t("b", DataType.UINT8, shape(1), new byte[] {1}),
        t("c", DataType.UINT16, shape(1), new short[] {1}),
        t("d", DataType.UINT32, shape(1), new int[] {1}),
        t("e", DataType.UINT64, shape(1), new long[] {1}),
        t("f", DataType.INT8, shape(1), new byte[] {1}),
        t("g", DataType.INT16, shape(1), new short[] {1}),
        t("h", DataType.INT32, shape(1), new int[] {1}),
        t("i", DataType.INT64, shape(1), new long[] {1}),
        t("j", DataType.FP16, shape(1), new short[] {0x3C00}),
        t("k", DataType.BF16, shape(1), new short[] {0x3F80}),
        t("l", DataType.FP32, shape(1), new float[] {1}),
        t("m", DataType.FP64, shape(1), new double[] {1}),
        t("n", DataType.BYTES, shape(1), new String[] {"1"}));
    JsonArray arr = new JsonObject(ScoringResponseEncoder.encodeOpenInference("m", "1", null, outs))
        .getJsonArray("outputs");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      names.add(arr.getJsonObject(i).getString("datatype"));
    }
    assertEquals(List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
        "FP16", "BF16", "FP32", "FP64", "BYTES"), names);
  }

  @Test
  void v2Uint8RendersAbove127() {
    assertEquals("[255,0,128,127]", v2Data(t("y", DataType.UINT8, shape(4), new byte[] {-1, 0, -128, 127})));
  }

  @Test
  void v2Uint16RendersAbove32767() {
    assertEquals("[65535,32768]", v2Data(t("y", DataType.UINT16, shape(2), new short[] {-1, Short.MIN_VALUE})));
  }

  @Test
  void v2Uint32RendersAboveIntMax() {
    assertEquals("[4294967295,2147483648]",
        v2Data(t("y", DataType.UINT32, shape(2), new int[] {-1, Integer.MIN_VALUE})));
  }

  @Test
  void v2Uint64RendersAboveLongMax() {
    Buffer b = ScoringResponseEncoder.encodeOpenInference("m", null, null,
        List.of(t("y", DataType.UINT64, shape(3), new long[] {-1L, Long.MIN_VALUE, 1})));
    assertEquals("{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"UINT64\",\"shape\":[3],"
        + "\"data\":[18446744073709551615,9223372036854775808,1]}]}", b.toString());
  }

  @Test
  void v2SignedTypesStayNegative() {
    assertEquals("[-1,-128]", v2Data(t("y", DataType.INT8, shape(2), new byte[] {-1, -128})));
    assertEquals("[-1]", v2Data(t("y", DataType.INT16, shape(1), new short[] {-1})));
    assertEquals("[-1]", v2Data(t("y", DataType.INT32, shape(1), new int[] {-1})));
    assertEquals("[-9223372036854775808]", v2Data(t("y", DataType.INT64, shape(1), new long[] {Long.MIN_VALUE})));
  }

  @Test
  void v2Fp16RendersAsFloatsNotBits() {
    assertEquals("[1.0,-2.0,0.33325195,65504.0,5.9604645E-8]", v2Data(t("y", DataType.FP16, shape(5),
        new short[] {0x3C00, (short) 0xC000, 0x3555, 0x7BFF, 0x0001})));
  }

  @Test
  void v2Bf16RendersAsFloatsNotBits() {
    assertEquals("[1.0,3.140625,-123.5]", v2Data(t("y", DataType.BF16, shape(3),
        new short[] {0x3F80, 0x4049, (short) 0xC2F7})));
  }

  @Test
  void v2BoolAndBytes() {
    assertEquals("[true,false]", v2Data(t("y", DataType.BOOL, shape(2), new boolean[] {true, false})));
    JsonArray s = new JsonArray(v2Data(t("y", DataType.BYTES, shape(3), new String[] {"a\"b", "\u00e9\n", ""})));
    assertEquals(List.of("a\"b", "\u00e9\n", ""), s.getList());
  }

  @Test
  void v2Fp64KeepsFullPrecision() {
    assertEquals("[0.1,4.9E-324,1.7976931348623157E308]",
        v2Data(t("y", DataType.FP64, shape(3), new double[] {0.1, Double.MIN_VALUE, Double.MAX_VALUE})));
  }

  // ---- round trips through the decoder

  private static List<Tensor> everyType() {
    return List.of(
        t("f32", DataType.FP32, shape(2, 3),
            new float[] {0.1f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 1f / 3f, -123456.79f}),
        t("f64", DataType.FP64, shape(3), new double[] {0.1, Math.PI, -Double.MIN_VALUE}),
        t("f16", DataType.FP16, shape(2, 2), new short[] {0x3C00, 0x0001, (short) 0xFBFF, 0x3555}),
        t("b16", DataType.BF16, shape(4), new short[] {0x3F80, 0x0001, (short) 0xFF7F, 0x4049}),
        t("i8", DataType.INT8, shape(2), new byte[] {-128, 127}),
        t("i16", DataType.INT16, shape(2), new short[] {Short.MIN_VALUE, Short.MAX_VALUE}),
        t("i32", DataType.INT32, shape(2), new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}),
        t("i64", DataType.INT64, shape(2), new long[] {Long.MIN_VALUE, Long.MAX_VALUE}),
        t("u8", DataType.UINT8, shape(3), new byte[] {0, -1, -128}),
        t("u16", DataType.UINT16, shape(2), new short[] {-1, Short.MIN_VALUE}),
        t("u32", DataType.UINT32, shape(2), new int[] {-1, Integer.MIN_VALUE}),
        t("u64", DataType.UINT64, shape(3), new long[] {-1L, Long.MIN_VALUE, 0}),
        t("flags", DataType.BOOL, shape(1, 2), new boolean[] {false, true}),
        t("text", DataType.BYTES, shape(2), new String[] {"x\ty", "\u20ac"}),
        t("empty", DataType.FP32, shape(2, 0), new float[0]),
        t("scalar", DataType.INT32, shape(), new int[] {42}));
  }

  private static ScoringRequestDecoder decoderFor(List<Tensor> tensors) {
    List<TensorSpec> specs = new ArrayList<>();
    for (Tensor x : tensors) {
      long[] dims = new long[x.shape().length];
      Arrays.fill(dims, -1);
      specs.add(spec(x.name(), x.datatype(), dims));
    }
    return new ScoringRequestDecoder(specs);
  }

  private static void assertSameTensors(List<Tensor> expected, Map<String, Tensor> actual) {
    assertEquals(expected.size(), actual.size());
    for (Tensor e : expected) {
      Tensor a = actual.get(e.name());
      assertEquals(e.datatype(), a.datatype(), e.name());
      assertArrayEquals(e.shape(), a.shape(), e.name());
      assertEquals(e.data().getClass(), a.data().getClass(), e.name());
      switch (e.datatype()) {
        case FP32 -> assertArrayEquals((float[]) e.data(), (float[]) a.data(), e.name());
        case FP64 -> assertArrayEquals((double[]) e.data(), (double[]) a.data(), e.name());
        case FP16, BF16, INT16, UINT16 -> assertArrayEquals((short[]) e.data(), (short[]) a.data(), e.name());
        case INT8, UINT8 -> assertArrayEquals((byte[]) e.data(), (byte[]) a.data(), e.name());
        case INT32, UINT32 -> assertArrayEquals((int[]) e.data(), (int[]) a.data(), e.name());
        case INT64, UINT64 -> assertArrayEquals((long[]) e.data(), (long[]) a.data(), e.name());
        case BOOL -> assertArrayEquals((boolean[]) e.data(), (boolean[]) a.data(), e.name());
        case BYTES -> assertArrayEquals((String[]) e.data(), (String[]) a.data(), e.name());
      }
    }
  }

  @Test
  void openInferenceRoundTripKeepsEveryValue() {
    List<Tensor> tensors = everyType();
    JsonObject response = new JsonObject(ScoringResponseEncoder.encodeOpenInference("m", "1", "rt", tensors));
    JsonObject request = new JsonObject().put("id", response.getString("id"))
        .put("inputs", response.getJsonArray("outputs"));
    InferenceRequest decoded = decoderFor(tensors).decodeOpenInference(request.toBuffer());
    assertEquals("rt", decoded.id());
    assertSameTensors(tensors, byName(decoded.inputs()));
  }

  @Test
  void openInferenceRoundTripOfRawBytesWithoutVertxJson() {
    // the encoder's bytes, spliced as they are, so no JSON library re-renders the numbers
    List<Tensor> tensors = everyType();
    String response = ScoringResponseEncoder.encodeOpenInference("m", null, null, tensors).toString();
    String outputs = response.substring(response.indexOf("\"outputs\":") + "\"outputs\":".length(),
        response.length() - 1);
    InferenceRequest decoded = decoderFor(tensors).decodeOpenInference(Buffer.buffer("{\"inputs\":" + outputs + "}"));
    assertSameTensors(tensors, byName(decoded.inputs()));
  }

  @Test
  void azureRoundTripKeepsValuesAndShapes() {
    List<Tensor> tensors = everyType();
    String answer = ScoringResponseEncoder.encodeAzure(tensors).toString();
    List<Tensor> decoded = decoderFor(tensors).decodeAzure(Buffer.buffer("{\"input_data\":" + answer + "}"));
    assertSameTensors(tensors, byName(decoded));
  }
}
