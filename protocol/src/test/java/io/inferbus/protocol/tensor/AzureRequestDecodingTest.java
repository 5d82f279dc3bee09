package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.byName;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.json;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Azure ML style bodies: {"input_data": nested array}, {"input_data": {name: array}}, {"data": ...}. */
class AzureRequestDecodingTest {

  private static Tensor only(TensorSpec spec, String body) {
    List<Tensor> tensors = decoder(spec).decodeAzure(json(body));
    assertEquals(1, tensors.size());
    Tensor t = tensors.get(0);
    assertEquals(spec.name(), t.name());
    assertEquals(spec.datatype(), t.datatype());
    return t;
  }

  @Test
  void fp32MatrixKeepsValuesAndShape() {
    Tensor t = only(spec("x", DataType.FP32, -1, 2), "{'input_data': [[1.5, -2], [0.25, 3e2]]}");
    assertArrayEquals(new long[] {2, 2}, t.shape());
    assertArrayEquals(new float[] {1.5f, -2f, 0.25f, 300f}, (float[]) t.data());
  }

  @Test
  void fp32IsRoundedToNearestFloat() {
    Tensor t = only(spec("x", DataType.FP32, -1), "{'input_data': [0.1, 16777217, 3.4028234663852886e38]}");
    assertArrayEquals(new float[] {0.1f, 16777216f, Float.MAX_VALUE}, (float[]) t.data());
  }

  @Test
  void fp64KeepsFullPrecision() {
    Tensor t = only(spec("x", DataType.FP64, -1), "{'input_data': [0.1, 1e300, -4.9e-324, 9007199254740993]}");
    assertArrayEquals(new double[] {0.1, 1e300, -Double.MIN_VALUE, 9007199254740992d}, (double[]) t.data());
  }

  @Test
  void fp16HoldsIeeeHalfBits() {
    Tensor t = only(spec("x", DataType.FP16, -1), "{'input_data': [1.0, 65504, 0.5, -2, 0]}");
    assertArrayEquals(new short[] {0x3C00, 0x7BFF, 0x3800, (short) 0xC000, 0}, (short[]) t.data());
  }

  @Test
  void bf16HoldsBfloat16Bits() {
    Tensor t = only(spec("x", DataType.BF16, -1), "{'input_data': [1.0, -2, 3.140625, 1e38]}");
    assertArrayEquals(new short[] {0x3F80, (short) 0xC000, 0x4049, 0x7E96}, (short[]) t.data());
  }

  @Test
  void int8TakesItsWholeRange() {
    Tensor t = only(spec("x", DataType.INT8, -1), "{'input_data': [-128, 0, 127]}");
    assertArrayEquals(new byte[] {-128, 0, 127}, (byte[]) t.data());
  }

  @Test
  void int16TakesItsWholeRange() {
    Tensor t = only(spec("x", DataType.INT16, -1), "{'input_data': [-32768, 32767]}");
    assertArrayEquals(new short[] {Short.MIN_VALUE, Short.MAX_VALUE}, (short[]) t.data());
  }

  @Test
  void int32TakesItsWholeRange() {
    Tensor t = only(spec("x", DataType.INT32, -1), "{'input_data': [-2147483648, 2147483647, -0]}");
    assertArrayEquals(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0}, (int[]) t.data());
  }

  @Test
  void int64TakesItsWholeRange() {
    Tensor t = only(spec("x", DataType.INT64, -1),
        "{'input_data': [-9223372036854775808, 9223372036854775807, 3000000000]}");
    assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 3_000_000_000L}, (long[]) t.data());
  }

  @Test
  void uint8AboveSignedRangeIsStoredAsSameBits() {
    Tensor t = only(spec("x", DataType.UINT8, -1), "{'input_data': [0, 128, 255]}");
    assertArrayEquals(new byte[] {0, (byte) 128, (byte) 255}, (byte[]) t.data());
  }

  @Test
  void uint16AboveSignedRangeIsStoredAsSameBits() {
    Tensor t = only(spec("x", DataType.UINT16, -1), "{'input_data': [1, 32768, 65535]}");
    assertArrayEquals(new short[] {1, Short.MIN_VALUE, -1}, (short[]) t.data());
  }

  @Test
  void uint32AboveSignedRangeIsStoredAsSameBits() {
    Tensor t = only(spec("x", DataType.UINT32, -1), "{'input_data': [7, 2147483648, 4294967295]}");
    assertArrayEquals(new int[] {7, Integer.MIN_VALUE, -1}, (int[]) t.data());
  }

  @Test
  void uint64AboveLongMaxIsStoredAsSameBits() {
    Tensor t = only(spec("x", DataType.UINT64, -1),
        "{'input_data': [0, 9223372036854775807, 9223372036854775808, 18446744073709551615]}");
    assertArrayEquals(new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE, -1L}, (long[]) t.data());
  }

  @Test
  void boolMatrix() {
    Tensor t = only(spec("x", DataType.BOOL, -1, 2), "{'input_data': [[true, false], [false, true]]}");
    assertArrayEquals(new long[] {2, 2}, t.shape());
    assertArrayEquals(new boolean[] {true, false, false, true}, (boolean[]) t.data());
  }

  @Test
  void bytesAreStringsWithEscapesResolved() {
    String body = "{\"input_data\": [\"h\u00e9llo\", \"\", \"a\\\"b\", \"\\u20ac\\n\"]}";
    Tensor t = decoder(spec("x", DataType.BYTES, -1)).decodeAzure(Buffer.buffer(body)).get(0);
    assertArrayEquals(new String[] {"h\u00e9llo", "", "a\"b", "\u20ac\n"}, (String[]) t.data());
  }

  @Test
  void shapeFollowsNesting() {
    Tensor t = only(spec("x", DataType.INT32, -1, -1), "{'input_data': [[1, 2], [3, 4]]}");
    assertArrayEquals(new long[] {2, 2}, t.shape());
    assertArrayEquals(new int[] {1, 2, 3, 4}, (int[]) t.data());
  }

  @Test
  void threeDimensionalNestingIsRowMajor() {
    Tensor t = only(spec("x", DataType.INT32, -1, 2, 3),
        "{'input_data': [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]}");
    assertArrayEquals(new long[] {2, 2, 3}, t.shape());
    assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, (int[]) t.data());
  }

  @Test
  void scalarHasEmptyShape() {
    Tensor t = only(spec("x", DataType.FP32), "{'input_data': 7.5}");
    assertArrayEquals(new long[] {}, t.shape());
    assertArrayEquals(new float[] {7.5f}, (float[]) t.data());
  }

  @Test
  void rowsOfNothingHaveZeroInnerDimension() {
    Tensor t = only(spec("x", DataType.FP32, -1, -1), "{'input_data': [[], []]}");
    assertArrayEquals(new long[] {2, 0}, t.shape());
    assertEquals(0, t.length());
  }

  @Test
  void emptyArrayIsZeroLengthVector() {
    Tensor t = only(spec("x", DataType.INT64, -1), "{'input_data': []}");
    assertArrayEquals(new long[] {0}, t.shape());
    assertArrayEquals(new long[0], (long[]) t.data());
  }

  @Test
  void emptyRowsNestedDeeperKeepEveryDimension() {
    Tensor t = only(spec("x", DataType.FP32, -1, -1, -1), "{'input_data': [[[]], [[]], [[]]]}");
    assertArrayEquals(new long[] {3, 1, 0}, t.shape());
  }

  @Test
  void manyElementsGrowTheBufferInOrder() {
    StringBuilder sb = new StringBuilder("{\"input_data\": [");
    int n = 10_000;
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",").append(i);
    }
    sb.append("]}");
    Tensor t = decoder(spec("x", DataType.INT32, -1)).decodeAzure(Buffer.buffer(sb.toString())).get(0);
    int[] data = (int[]) t.data();
    assertEquals(n, data.length);
    for (int i = 0; i < n; i++) {
      assertEquals(i, data[i]);
    }
    assertArrayEquals(new long[] {n}, t.shape());
  }

  @Test
  void fixedDimensionsThatMatchAreAccepted() {
    Tensor t = only(spec("x", DataType.FP32, 1, 3), "{'input_data': [[1, 2, 3]]}");
    assertArrayEquals(new long[] {1, 3}, t.shape());
  }

  @Test
  void namedInputsForMultiInputModel() {
    ScoringRequestDecoder d = decoder(spec("features", DataType.FP32, -1, 3), spec("mask", DataType.BOOL, -1));
    Map<String, Tensor> got = byName(d.decodeAzure(json(
        "{'input_data': {'mask': [true, false], 'features': [[1, 2, 3], [4, 5, 6]]}}")));
    assertEquals(2, got.size());
    assertEquals(DataType.FP32, got.get("features").datatype());
    assertArrayEquals(new long[] {2, 3}, got.get("features").shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, (float[]) got.get("features").data());
    assertEquals(DataType.BOOL, got.get("mask").datatype());
    assertArrayEquals(new long[] {2}, got.get("mask").shape());
    assertArrayEquals(new boolean[] {true, false}, (boolean[]) got.get("mask").data());
  }

  @Test
  void namedInputFormAlsoWorksForOneInputModel() {
    Tensor t = only(spec("x", DataType.INT16, -1), "{'input_data': {'x': [5, 6]}}");
    assertArrayEquals(new short[] {5, 6}, (short[]) t.data());
  }

  @Test
  void dataIsAnAliasOfInputData() {
    Tensor t = only(spec("x", DataType.FP64, -1, 2), "{'data': [[1, 2]]}");
    assertArrayEquals(new long[] {1, 2}, t.shape());
    assertArrayEquals(new double[] {1, 2}, (double[]) t.data());
  }

  @Test
  void dataAliasTakesNamedInputsToo() {
    ScoringRequestDecoder d = decoder(spec("a", DataType.INT8, -1), spec("b", DataType.INT8, -1));
    Map<String, Tensor> got = byName(d.decodeAzure(json("{'data': {'a': [1], 'b': [2, 3]}}")));
    assertArrayEquals(new byte[] {1}, (byte[]) got.get("a").data());
    assertArrayEquals(new byte[] {2, 3}, (byte[]) got.get("b").data());
  }

  @Test
  void paramsAreIgnoredBeforeOrAfterTheInput() {
    TensorSpec s = spec("x", DataType.FP32, -1);
    Tensor before = only(s, "{'params': {'top_k': 3, 'nested': [1, {'a': [2]}]}, 'input_data': [1, 2]}");
    Tensor after = only(s, "{'input_data': [1, 2], 'params': ['anything', null, 4.5]}");
    Tensor scalar = only(s, "{'input_data': [1, 2], 'params': 'text'}");
    assertArrayEquals(new float[] {1, 2}, (float[]) before.data());
    assertArrayEquals(new float[] {1, 2}, (float[]) after.data());
    assertArrayEquals(new float[] {1, 2}, (float[]) scalar.data());
  }

  @Test
  void whitespaceAnywhereIsAccepted() {
    Tensor t = only(spec("x", DataType.INT32, -1, -1), "\n {\r\n\t'input_data' :\n[ [ 1 ,2 ] ,\t[3,4] ]\n}\n ");
    assertArrayEquals(new int[] {1, 2, 3, 4}, (int[]) t.data());
  }
}
