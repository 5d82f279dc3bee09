package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.assertBadInput;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.json;
import static io.inferbus.protocol.tensor.Bodies.nested;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.InferbusException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Shapes that do not fit: ragged arrays, too deep, wrong rank or fixed dimension, V2 shape vs data. */
class ShapeRefusalTest {
  private static final String SIGNATURE = "x: FP32 [-1, 7]";
  private final ScoringRequestDecoder d = decoder(spec("x", DataType.FP32, -1, 7));
  private final ScoringRequestDecoder any = decoder(spec("x", DataType.FP32, -1, -1, -1));

  private static void assertMentions(InferbusException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "message lacks <" + part + ">: " + e.getMessage());
    }
  }

  private static String row(int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(i);
    }
    return sb.append("]").toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[[1, 2], [3]]",
      "[[1], [2, 3]]",
      "[1, [2]]",
      "[[1], 2]",
      "[[], [1]]",
      "[[1], []]",
      "[[], 1]",
      "[[[1]], [2]]",
      "[[1], [[2]]]",
      "[[[1, 2]], [[3]]]",
      "[[[]], [1]]",
      "[[[]], []]",
      "[[], [[]]]"})
  void raggedArrayIsRefused(String array) {
    ScoringRequestDecoder d4 = decoder(spec("x", DataType.FP32, -1, -1, -1, -1));
    InferbusException e = assertBadInput(() -> d4.decodeAzure(json("{'input_data': " + array + "}")));
    assertMentions(e, "input 'x'", "ragged");
    assertEquals("x", e.target());
  }

  @Test
  void raggedOpenInferenceDataIsRefused() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [2, 7], 'data': [" + row(7) + ", " + row(6)
            + ", [1]]}]}")));
    assertMentions(e, "input 'x'", "ragged");
  }

  @Test
  void hundredLevelsOfNestingIsACleanRefusal() {
    InferbusException e = assertBadInput(() -> any.decodeAzure(json("{'input_data': " + nested(100) + "}")));
    assertMentions(e, "input 'x'", "nested deeper than 32 levels", "x: FP32 [-1, -1, -1]");
  }

  @Test
  void tenThousandLevelsOfNestingIsACleanRefusal() {
    assertBadInput(() -> any.decodeAzure(json("{'input_data': " + nested(10_000) + "}")));
  }

  @Test
  void deepNestingInOpenInferenceDataIsACleanRefusal() {
    assertBadInput(() -> any.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [1], 'data': " + nested(100) + "}]}")));
  }

  @Test
  void deepNestingInReorderedOpenInferenceDataIsACleanRefusal() {
    assertBadInput(() -> any.decodeOpenInference(json(
        "{'inputs': [{'data': " + nested(100) + ", 'name': 'x', 'datatype': 'FP32', 'shape': [1]}]}")));
  }

  @Test
  void deepNestingInParamsIsACleanRefusal() {
    InferbusException e = assertBadInput(() -> any.decodeAzure(json(
        "{'params': " + nested(100) + ", 'input_data': [[[1]]]}")));
    assertMentions(e, "nested too deeply", "x: FP32 [-1, -1, -1]");
  }

  @Test
  void nestingBeyondMaximumRankNamesTheInput() {
    InferbusException e = assertBadInput(() -> any.decodeAzure(json("{'input_data': " + nested(35) + "}")));
    assertMentions(e, "input 'x'", "32");
  }

  @Test
  void maximumRankIsAccepted() {
    long[] dims = new long[32];
    Arrays.fill(dims, -1);
    Tensor t = decoder(spec("x", DataType.INT8, dims)).decodeAzure(json("{'input_data': " + nested(32) + "}")).get(0);
    long[] ones = new long[32];
    Arrays.fill(ones, 1);
    assertArrayEquals(ones, t.shape());
    assertArrayEquals(new byte[] {1}, (byte[]) t.data());
  }

  @Test
  void wrongFixedDimension() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(json(
        "{'input_data': [" + row(6) + ", " + row(6) + "]}")));
    assertEquals("input 'x' has shape [2, 6] but the model expects " + SIGNATURE + " (-1: any size)", e.getMessage());
    assertEquals("x", e.target());
  }

  @Test
  void vectorWhereMatrixExpected() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(json("{'input_data': " + row(7) + "}")));
    assertMentions(e, "input 'x'", "[7]", SIGNATURE);
  }

  @Test
  void scalarWhereMatrixExpected() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(json("{'input_data': 3}")));
    assertMentions(e, "input 'x'", "[]", SIGNATURE);
  }

  @Test
  void extraDimension() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(json("{'input_data': [[" + row(7) + "]]}")));
    assertMentions(e, "input 'x'", "[1, 1, 7]", SIGNATURE);
  }

  @Test
  void emptyBatchStillNeedsTheFixedDimension() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(json("{'input_data': [[], []]}")));
    assertMentions(e, "[2, 0]", SIGNATURE);
  }

  @Test
  void openInferenceShapeAgainstSignature() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [2, 6], 'data': " + row(12) + "}]}")));
    assertMentions(e, "input 'x'", "[2, 6]", SIGNATURE);
  }

  @Test
  void openInferenceShapeLongerThanData() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [2, 7], 'data': " + row(13) + "}]}")));
    assertEquals("input 'x' has shape [2, 7] (14 elements) but 13 data elements; the model expects " + SIGNATURE,
        e.getMessage());
  }

  @Test
  void openInferenceDataLongerThanShape() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [1, 7], 'data': " + row(8) + "}]}")));
    assertMentions(e, "input 'x'", "[1, 7]", "8 data elements");
  }

  @Test
  void openInferenceNestedDataCountMismatch() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [2, 7], 'data': [" + row(7) + "]}]}")));
    assertMentions(e, "input 'x'", "14 elements", "7 data elements");
  }

  @Test
  void openInferenceShapeThatOverflowsIsRefused() {
    // 2^62 * 4 overflows a long to 0, which must not pass for the 0 elements sent
    InferbusException e = assertBadInput(() -> decoder(spec("x", DataType.FP32, -1, 4)).decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [4611686018427387904, 4], 'data': []}]}")));
    assertMentions(e, "input 'x'", "4611686018427387904");
  }

  @Test
  void openInferenceShapeOverflowingToTheDataLengthIsRefused() {
    // 3 * 6148914691236517206 = 2^64 + 2: wraps to exactly the 2 elements sent
    InferbusException e = assertBadInput(() -> decoder(spec("x", DataType.FP32, -1, -1, -1)).decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [3, 6148914691236517206, 1], 'data': [1, 2]}]}")));
    assertMentions(e, "input 'x'");
  }

  @Test
  void openInferenceNegativeDimension() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [-1, 7], 'data': " + row(7) + "}]}")));
    assertMentions(e, "input 'x'", "shape", "non-negative");
  }

  @Test
  void openInferenceFractionalDimension() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [1.5, 7], 'data': " + row(7) + "}]}")));
    assertMentions(e, "input 'x'", "shape");
  }

  @Test
  void openInferenceShapeNotAnArray() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': '1x7', 'data': " + row(7) + "}]}")));
    assertMentions(e, "input 'x'", "shape");
  }

  @Test
  void openInferenceTooManyDimensions() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [" + "1, ".repeat(32) + "1], 'data': [1]}]}")));
    assertMentions(e, "input 'x'", "32");
  }
}
