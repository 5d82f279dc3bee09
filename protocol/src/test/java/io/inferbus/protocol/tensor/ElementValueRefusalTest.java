package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.assertBadInput;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.json;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.InferbusException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Elements that do not fit the input's datatype: refused, naming the input, its type and the element. */
class ElementValueRefusalTest {

  static Stream<Arguments> outOfRangeOrWrongKind() {
    return Stream.of(
        Arguments.of(DataType.UINT8, "300"),
        Arguments.of(DataType.UINT8, "256"),
        Arguments.of(DataType.UINT8, "-1"),
        Arguments.of(DataType.INT8, "128"),
        Arguments.of(DataType.INT8, "-129"),
        Arguments.of(DataType.UINT16, "65536"),
        Arguments.of(DataType.UINT16, "-1"),
        Arguments.of(DataType.INT16, "32768"),
        Arguments.of(DataType.INT16, "-32769"),
        Arguments.of(DataType.UINT32, "-1"),
        Arguments.of(DataType.UINT32, "4294967296"),
        Arguments.of(DataType.INT32, "1.5"),
        Arguments.of(DataType.INT32, "2147483648"),
        Arguments.of(DataType.INT32, "-2147483649"),
        Arguments.of(DataType.INT64, "9223372036854775808"),
        Arguments.of(DataType.INT64, "-9223372036854775809"),
        Arguments.of(DataType.INT64, "0.5"),
        Arguments.of(DataType.UINT64, "-1"),
        Arguments.of(DataType.UINT64, "18446744073709551616"),
        Arguments.of(DataType.UINT64, "-18446744073709551615"),
        Arguments.of(DataType.UINT64, "2.5"),
        Arguments.of(DataType.FP32, "1e39"),
        Arguments.of(DataType.FP32, "-1e39"),
        Arguments.of(DataType.FP32, "1" + "0".repeat(40)),
        Arguments.of(DataType.FP64, "1e309"),
        Arguments.of(DataType.FP64, "-2e308"),
        Arguments.of(DataType.FP16, "70000"),
        Arguments.of(DataType.FP16, "65520"),
        Arguments.of(DataType.FP16, "-1e39"),
        Arguments.of(DataType.BF16, "1e39"),
        Arguments.of(DataType.BF16, "3.4028235e38"),
        Arguments.of(DataType.FP32, "\"3\""),
        Arguments.of(DataType.FP64, "\"abc\""),
        Arguments.of(DataType.INT32, "\"3\""),
        Arguments.of(DataType.UINT64, "\"18446744073709551615\""),
        Arguments.of(DataType.FP32, "true"),
        Arguments.of(DataType.FP32, "null"),
        Arguments.of(DataType.INT8, "false"),
        Arguments.of(DataType.BOOL, "1"),
        Arguments.of(DataType.BOOL, "\"true\""),
        Arguments.of(DataType.BOOL, "null"),
        Arguments.of(DataType.BYTES, "1"),
        Arguments.of(DataType.BYTES, "true"),
        Arguments.of(DataType.BYTES, "null"));
  }

  private static String valid(DataType type) {
    return switch (type) {
      case BOOL -> "true";
      case BYTES -> "\"ok\"";
      default -> "0";
    };
  }

  @ParameterizedTest(name = "{0} refuses {1}")
  @MethodSource("outOfRangeOrWrongKind")
  void azureRefusesElement(DataType type, String value) {
    ScoringRequestDecoder d = decoder(spec("x", type, -1));
    String body = "{\"input_data\": [" + valid(type) + ", " + value + "]}";
    InferbusException e = assertBadInput(() -> d.decodeAzure(json(body)));
    assertEquals("x", e.target());
    String m = e.getMessage();
    assertTrue(m.contains("input 'x'"), m);
    assertTrue(m.contains(type.name()), m);
    assertTrue(m.contains("element 1"), m);
    String shown = value.length() > 40 ? value.substring(0, 40) : value;
    assertTrue(m.contains(shown), m);
  }

  @ParameterizedTest(name = "{0} refuses {1}")
  @MethodSource("outOfRangeOrWrongKind")
  void openInferenceRefusesElement(DataType type, String value) {
    ScoringRequestDecoder d = decoder(spec("x", type, -1));
    String body = "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"" + type + "\", \"shape\": [2], \"data\": ["
        + valid(type) + ", " + value + "]}]}";
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(body)));
    assertTrue(e.getMessage().contains("input 'x'"), e.getMessage());
    assertTrue(e.getMessage().contains(type.name()), e.getMessage());
  }

  @Test
  void elementIndexCountsAcrossRows() {
    ScoringRequestDecoder d = decoder(spec("pixels", DataType.UINT8, -1, 2));
    InferbusException e = assertBadInput(() -> d.decodeAzure(json("{'input_data': [[1, 2], [3, 300]]}")));
    assertEquals("input 'pixels' is UINT8 but element 3 is 300; the model expects pixels: UINT8 [-1, 2]",
        e.getMessage());
    assertEquals("pixels", e.target());
  }

  @Test
  void longStringValueIsShortenedInTheMessage() {
    ScoringRequestDecoder d = decoder(spec("x", DataType.FP32, -1));
    String big = "y".repeat(5000);
    InferbusException e = assertBadInput(() -> d.decodeAzure(json("{'input_data': ['" + big + "']}")));
    assertTrue(e.getMessage().length() < 200, e.getMessage());
    assertTrue(e.getMessage().contains("..."), e.getMessage());
  }

  @Test
  void largestFiniteValuesAreAccepted() {
    ScoringRequestDecoder d = decoder(spec("h", DataType.FP16, -1), spec("b", DataType.BF16, -1),
        spec("f", DataType.FP32, -1));
    var got = Bodies.byName(d.decodeAzure(json(
        "{'input_data': {'h': [65504, 65519, -65504], 'b': [3.3895313892515355e38], 'f': [3.4028235e38]}}")));
    assertArrayEquals(new short[] {0x7BFF, 0x7BFF, (short) 0xFBFF}, (short[]) got.get("h").data());
    assertArrayEquals(new short[] {0x7F7F}, (short[]) got.get("b").data());
    assertArrayEquals(new float[] {Float.MAX_VALUE}, (float[]) got.get("f").data());
  }

  @Test
  void tinyValuesUnderflowToZeroRatherThanFail() {
    ScoringRequestDecoder d = decoder(spec("h", DataType.FP16, -1), spec("f", DataType.FP32, -1));
    var got = Bodies.byName(d.decodeAzure(json("{'input_data': {'h': [1e-10, -1e-10], 'f': [1e-50]}}")));
    assertArrayEquals(new short[] {0, (short) 0x8000}, (short[]) got.get("h").data());
    assertArrayEquals(new float[] {0f}, (float[]) got.get("f").data());
  }
}
