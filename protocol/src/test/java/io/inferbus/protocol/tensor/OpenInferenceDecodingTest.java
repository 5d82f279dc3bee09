package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.byName;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.json;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Open Inference Protocol (KServe V2) JSON requests. */
class OpenInferenceDecodingTest {
  private final ScoringRequestDecoder oneInput = decoder(spec("x", DataType.FP32, -1, 3));

  private static Tensor single(InferenceRequest r) {
    assertEquals(1, r.inputs().size());
    return r.inputs().get(0);
  }

  @Test
  void flatDataTakesTheDeclaredShape() {
    InferenceRequest r = oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'shape': [2, 3], 'datatype': 'FP32', 'data': [1, 2, 3, 4, 5, 6]}]}"));
    Tensor t = single(r);
    assertEquals("x", t.name());
    assertEquals(DataType.FP32, t.datatype());
    assertArrayEquals(new long[] {2, 3}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) t.data());
  }

  @Test
  void nestedDataIsFlattenedRowMajorUnderTheDeclaredShape() {
    Tensor t = single(oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'shape': [2, 3], 'datatype': 'FP32', 'data': [[1, 2, 3], [4, 5, 6]]}]}")));
    assertArrayEquals(new long[] {2, 3}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) t.data());
  }

  @Test
  void idIsKept() {
    InferenceRequest r = oneInput.decodeOpenInference(json(
        "{'id': 'req-42', 'inputs': [{'name': 'x', 'shape': [1, 3], 'datatype': 'FP32', 'data': [1, 2, 3]}]}"));
    assertEquals("req-42", r.id());
  }

  @Test
  void idIsNullWhenAbsent() {
    InferenceRequest r = oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'shape': [1, 3], 'datatype': 'FP32', 'data': [1, 2, 3]}]}"));
    assertNull(r.id());
    assertEquals(List.of(), r.requestedOutputs());
  }

  @Test
  void idAfterInputsIsKept() {
    InferenceRequest r = oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'shape': [1, 3], 'datatype': 'FP32', 'data': [1, 2, 3]}], 'id': 'late'}"));
    assertEquals("late", r.id());
  }

  @Test
  void requestedOutputsAreReadInOrder() {
    InferenceRequest r = oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'shape': [1, 3], 'datatype': 'FP32', 'data': [1, 2, 3]}],"
            + " 'outputs': [{'name': 'probabilities'}, {'parameters': {'binary_data': false}, 'name': 'label'}]}"));
    assertEquals(List.of("probabilities", "label"), r.requestedOutputs());
  }

  @Test
  void parametersAreIgnoredAtEveryLevel() {
    InferenceRequest r = oneInput.decodeOpenInference(json(
        "{'parameters': {'priority': 1, 'x': [1, {'y': 2}]}, 'inputs': [{'name': 'x', 'parameters':"
            + " {'content_type': 'str', 'z': [1]}, 'shape': [1, 3], 'datatype': 'FP32', 'data': [1, 2, 3]}]}"));
    assertArrayEquals(new float[] {1, 2, 3}, (float[]) single(r).data());
  }

  @Test
  void dataBeforeNameAndDatatypeIsStillDecoded() {
    Tensor t = single(oneInput.decodeOpenInference(json(
        "{'inputs': [{'data': [[1, 2, 3], [4, 5, 6]], 'shape': [2, 3], 'datatype': 'FP32', 'name': 'x'}]}")));
    assertEquals("x", t.name());
    assertEquals(DataType.FP32, t.datatype());
    assertArrayEquals(new long[] {2, 3}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) t.data());
  }

  @Test
  void dataBetweenNameAndDatatypeIsStillDecoded() {
    Tensor t = single(oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'data': [7, 8, 9], 'datatype': 'FP32', 'shape': [1, 3], 'parameters': {}}]}")));
    assertArrayEquals(new long[] {1, 3}, t.shape());
    assertArrayEquals(new float[] {7, 8, 9}, (float[]) t.data());
  }

  @Test
  void reorderedInputKeepsExactValuesOfWideTypes() {
    ScoringRequestDecoder d = decoder(spec("u", DataType.UINT64, -1), spec("f", DataType.FP64, -1),
        spec("s", DataType.FP32, -1));
    Map<String, Tensor> got = byName(d.decodeOpenInference(json(
        "{'inputs': [{'data': [18446744073709551615, 9223372036854775808, 1], 'name': 'u', 'datatype': 'UINT64', 'shape': [3]},"
            + " {'data': [0.1, 1e-300, 123456789.123456789], 'name': 'f', 'datatype': 'FP64', 'shape': [3]},"
            + " {'data': [0.1, 3.4028234663852886e38], 'name': 's', 'datatype': 'FP32', 'shape': [2]}]}")).inputs());
    assertArrayEquals(new long[] {-1L, Long.MIN_VALUE, 1}, (long[]) got.get("u").data());
    assertArrayEquals(new double[] {0.1, 1e-300, 123456789.123456789}, (double[]) got.get("f").data());
    assertArrayEquals(new float[] {0.1f, Float.MAX_VALUE}, (float[]) got.get("s").data());
  }

  @Test
  void multipleInputsInAnyOrder() {
    ScoringRequestDecoder d = decoder(spec("features", DataType.FP32, -1, 3), spec("mask", DataType.BOOL, -1));
    InferenceRequest r = d.decodeOpenInference(json(
        "{'inputs': [{'name': 'mask', 'shape': [2], 'datatype': 'BOOL', 'data': [false, true]},"
            + " {'name': 'features', 'shape': [2, 3], 'datatype': 'FP32', 'data': [1, 2, 3, 4, 5, 6]}]}"));
    Map<String, Tensor> got = byName(r.inputs());
    assertArrayEquals(new boolean[] {false, true}, (boolean[]) got.get("mask").data());
    assertArrayEquals(new long[] {2, 3}, got.get("features").shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) got.get("features").data());
  }

  @Test
  void bytesInputIsStrings() {
    ScoringRequestDecoder d = decoder(spec("text", DataType.BYTES, -1));
    Tensor t = single(d.decodeOpenInference(json(
        "{'inputs': [{'name': 'text', 'shape': [2], 'datatype': 'BYTES', 'data': ['hello', 'world']}]}")));
    assertArrayEquals(new String[] {"hello", "world"}, (String[]) t.data());
  }

  @Test
  void scalarShapeTakesOneElement() {
    ScoringRequestDecoder d = decoder(spec("k", DataType.INT64));
    Tensor t = single(d.decodeOpenInference(json(
        "{'inputs': [{'name': 'k', 'shape': [], 'datatype': 'INT64', 'data': [5]}]}")));
    assertArrayEquals(new long[] {}, t.shape());
    assertArrayEquals(new long[] {5}, (long[]) t.data());
  }

  @Test
  void zeroSizedDimensionTakesNoData() {
    Tensor t = single(oneInput.decodeOpenInference(json(
        "{'inputs': [{'name': 'x', 'shape': [0, 3], 'datatype': 'FP32', 'data': []}]}")));
    assertArrayEquals(new long[] {0, 3}, t.shape());
    assertEquals(0, t.length());
  }

  @Test
  void unsignedAndHalfTypesAreConverted() {
    ScoringRequestDecoder d = decoder(spec("a", DataType.UINT8, -1), spec("h", DataType.FP16, -1),
        spec("b", DataType.BF16, -1));
    Map<String, Tensor> got = byName(d.decodeOpenInference(json(
        "{'inputs': [{'name': 'a', 'shape': [2], 'datatype': 'UINT8', 'data': [255, 0]},"
            + " {'name': 'h', 'shape': [2], 'datatype': 'FP16', 'data': [1.0, -0.5]},"
            + " {'name': 'b', 'shape': [1], 'datatype': 'BF16', 'data': [1.0]}]}")).inputs());
    assertArrayEquals(new byte[] {(byte) 255, 0}, (byte[]) got.get("a").data());
    assertArrayEquals(new short[] {0x3C00, (short) 0xB800}, (short[]) got.get("h").data());
    assertArrayEquals(new short[] {0x3F80}, (short[]) got.get("b").data());
  }
}
