package io.inferbus.deployment.batching;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.MapSequence;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stacking requests into one batch and splitting its outputs back: rows of a request, the batch key
 * (which requests may share a run), concat/split for every datatype's array family, sequences of
 * maps. Edge inputs tried: inputs whose first dimensions disagree, scalar and zero-row inputs,
 * inputs listed in different orders, shapes with the same element count but other dimensions
 * ([n,2,3] / [n,3,2] / [n,6], [n,12] / [n,1,2], [n] / [n,1]), other datatypes and requested outputs,
 * outputs that do not have one row per request row (tensor, scalar, sequence of maps).
 */
class TensorBatchesTest {

  private static Tensor t(String name, DataType type, long[] shape, Object data) {
    return new Tensor(name, type, shape, data);
  }

  private static long[] shape(long... dims) {
    return dims;
  }

  /** {@code n} distinct elements in the flat array family of {@code type}, starting at {@code from}. */
  static Object elements(DataType type, int from, int n) {
    return switch (type) {
      case FP32 -> {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
          a[i] = from + i + 0.5f;
        }
        yield a;
      }
      case FP64 -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = from + i + 0.25;
        }
        yield a;
      }
      case FP16, BF16, INT16, UINT16 -> {
        short[] a = new short[n];
        for (int i = 0; i < n; i++) {
          a[i] = (short) (from + i);
        }
        yield a;
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = (from + i) % 3 == 0;
        }
        yield a;
      }
      case BYTES -> {
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
          a[i] = "s" + (from + i);
        }
        yield a;
      }
      case INT8, UINT8 -> {
        byte[] a = new byte[n];
        for (int i = 0; i < n; i++) {
          a[i] = (byte) (from + i);
        }
        yield a;
      }
      case INT32, UINT32 -> {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
          a[i] = from + i;
        }
        yield a;
      }
      case INT64, UINT64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = 10_000_000_000L + from + i;
        }
        yield a;
      }
    };
  }

  private static void assertSameTensor(Tensor expected, OutputValue actual) {
    Tensor a = (Tensor) actual;
    assertEquals(expected.name(), a.name());
    assertEquals(expected.datatype(), a.datatype(), expected.name());
    assertArrayEquals(expected.shape(), a.shape(), "shape of " + expected.name());
    assertSame(expected.data().getClass(), a.data().getClass(), "array family of " + expected.datatype());
    assertTrue(Arrays.deepEquals(new Object[] {expected.data()}, new Object[] {a.data()}),
        () -> expected.name() + ": expected " + Arrays.deepToString(new Object[] {expected.data()}) + " but was "
            + Arrays.deepToString(new Object[] {a.data()}));
  }

  // ---------------------------------------------------------------- rows

  @Test
  void rowsAreTheFirstDimensionOfTheInputs() {
    assertEquals(3, TensorBatches.rows(List.of(t("x", DataType.FP32, shape(3, 7), new float[21]))));
    assertEquals(2, TensorBatches.rows(List.of(t("a", DataType.FP64, shape(2, 3), new double[6]),
        t("b", DataType.FP64, shape(2, 3), new double[6]))));
  }

  @Test
  void inputsWhoseFirstDimensionsDisagreeHaveNoRows() {
    assertEquals(-1, TensorBatches.rows(List.of(t("a", DataType.FP64, shape(2, 3), new double[6]),
        t("b", DataType.FP64, shape(3, 3), new double[9]))));
  }

  @Test
  void aScalarInputHasNoRows() {
    assertEquals(-1, TensorBatches.rows(List.of(t("x", DataType.FP32, shape(4), new float[4]),
        t("scale", DataType.FP32, shape(), new float[1]))));
  }

  @Test
  void aZeroRowRequestHasZeroRows() {
    assertEquals(0, TensorBatches.rows(List.of(t("x", DataType.FP32, shape(0, 7), new float[0]))));
  }

  // ---------------------------------------------------------------- batch key

  private static String key(DataType type, long... dims) {
    return TensorBatches.key(List.of(t("x", type, dims, null)), List.of());
  }

  @Test
  void requestsDifferingOnlyInRowCountShareAKey() {
    assertEquals(key(DataType.FP32, 1, 7), key(DataType.FP32, 3, 7));
    assertEquals(key(DataType.FP32, 1, 2, 3), key(DataType.FP32, 64, 2, 3));
  }

  @Test
  void theOrderInputsAreListedInDoesNotChangeTheKey() {
    Tensor a = t("a", DataType.FP64, shape(1, 3), null);
    Tensor b = t("b", DataType.FP64, shape(1, 3), null);
    assertEquals(TensorBatches.key(List.of(a, b), List.of()), TensorBatches.key(List.of(b, a), List.of()));
  }

  @Test
  void differentShapesNeverShareAKey() {
    List<long[]> shapes = List.of(shape(1, 6), shape(1, 2, 3), shape(1, 3, 2), shape(1, 12), shape(1, 1, 2),
        shape(1, 1), shape(1), shape(1, 6, 1), shape(1, 1, 6), shape(1, 61), shape(1, 6, 1, 1));
    for (int i = 0; i < shapes.size(); i++) {
      for (int j = i + 1; j < shapes.size(); j++) {
        assertNotEquals(key(DataType.FP32, shapes.get(i)), key(DataType.FP32, shapes.get(j)),
            Arrays.toString(shapes.get(i)) + " and " + Arrays.toString(shapes.get(j)) + " must not share a run");
      }
    }
  }

  @Test
  void differentShapesOfOneOfSeveralInputsNeverShareAKey() {
    Tensor a = t("a", DataType.FP64, shape(1, 3), null);
    assertNotEquals(TensorBatches.key(List.of(a, t("b", DataType.FP64, shape(1, 3), null)), List.of()),
        TensorBatches.key(List.of(a, t("b", DataType.FP64, shape(1, 4), null)), List.of()));
  }

  @Test
  void differentDatatypesNamesOrRequestedOutputsNeverShareAKey() {
    assertNotEquals(key(DataType.FP32, 1, 7), key(DataType.FP64, 1, 7));
    assertNotEquals(TensorBatches.key(List.of(t("x", DataType.FP32, shape(1, 7), null)), List.of()),
        TensorBatches.key(List.of(t("y", DataType.FP32, shape(1, 7), null)), List.of()));
    Tensor x = t("x", DataType.FP32, shape(1, 7), null);
    assertNotEquals(TensorBatches.key(List.of(x), List.of()), TensorBatches.key(List.of(x), List.of("label")),
        "a request for some outputs does not share a run with one for all");
    assertNotEquals(TensorBatches.key(List.of(x), List.of("label")),
        TensorBatches.key(List.of(x), List.of("probabilities")));
  }

  // ---------------------------------------------------------------- concat and split

  @ParameterizedTest
  @EnumSource(DataType.class)
  void concatStacksRowsInRequestOrderAndSplitGivesEachRequestItsOwnRows(DataType type) {
    long[] rows = {1, 3, 2};
    List<List<Tensor>> requests = new ArrayList<>();
    int at = 0;
    for (long r : rows) {
      int n = (int) r * 2;
      requests.add(List.of(t("x", type, shape(r, 2), elements(type, at, n))));
      at += n;
    }

    List<Tensor> batch = TensorBatches.concat(requests);
    assertEquals(1, batch.size());
    assertSameTensor(t("x", type, shape(6, 2), elements(type, 0, 12)), batch.get(0));

    List<List<OutputValue>> split = TensorBatches.split(List.copyOf(batch), rows);
    assertEquals(3, split.size());
    for (int r = 0; r < rows.length; r++) {
      assertEquals(1, split.get(r).size());
      assertSameTensor(requests.get(r).get(0), split.get(r).get(0));
    }
  }

  @Test
  void concatMatchesInputsByNameWhateverTheirOrderInEachRequest() {
    List<Tensor> first = List.of(t("a", DataType.FP64, shape(1, 3), new double[] {1, 2, 3}),
        t("b", DataType.INT32, shape(1, 3), new int[] {10, 20, 30}));
    List<Tensor> second = List.of(t("b", DataType.INT32, shape(2, 3), new int[] {40, 50, 60, 70, 80, 90}),
        t("a", DataType.FP64, shape(2, 3), new double[] {4, 5, 6, 7, 8, 9}));
    List<Tensor> batch = TensorBatches.concat(List.of(first, second));
    assertEquals(List.of("a", "b"), batch.stream().map(Tensor::name).toList(), "in the first request's order");
    assertSameTensor(t("a", DataType.FP64, shape(3, 3), new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}), batch.get(0));
    assertSameTensor(t("b", DataType.INT32, shape(3, 3), new int[] {10, 20, 30, 40, 50, 60, 70, 80, 90}),
        batch.get(1));
  }

  @Test
  void concatAndSplitKeepEveryDimensionAfterTheFirst() {
    List<Tensor> one = List.of(t("img", DataType.FP32, shape(1, 2, 2, 2), elements(DataType.FP32, 0, 8)));
    List<Tensor> two = List.of(t("img", DataType.FP32, shape(2, 2, 2, 2), elements(DataType.FP32, 8, 16)));
    List<Tensor> batch = TensorBatches.concat(List.of(one, two));
    assertSameTensor(t("img", DataType.FP32, shape(3, 2, 2, 2), elements(DataType.FP32, 0, 24)), batch.get(0));
    List<List<OutputValue>> split = TensorBatches.split(List.copyOf(batch), new long[] {1, 2});
    assertSameTensor(one.get(0), split.get(0).get(0));
    assertSameTensor(two.get(0), split.get(1).get(0));
  }

  @Test
  void aSingleRequestBatchIsTheRequestItself() {
    Tensor x = t("x", DataType.FP32, shape(4, 7), elements(DataType.FP32, 0, 28));
    List<Tensor> batch = TensorBatches.concat(List.of(List.of(x)));
    assertSameTensor(x, batch.get(0));
    assertSameTensor(x, TensorBatches.split(List.copyOf(batch), new long[] {4}).get(0).get(0));
  }

  @Test
  void splitGivesEachRequestEveryOutputInTheModelsOrder() {
    // as the example model answers a batch of 1 + 2 rows: probabilities [3, 2] and label [3]
    Tensor probabilities = t("probabilities", DataType.FP32, shape(3, 2), new float[] {.9f, .1f, .4f, .6f, .8f, .2f});
    Tensor label = t("label", DataType.INT64, shape(3), new long[] {0, 1, 0});
    List<List<OutputValue>> split = TensorBatches.split(List.of(probabilities, label), new long[] {1, 2});
    assertEquals(List.of("probabilities", "label"), split.get(0).stream().map(OutputValue::name).toList());
    assertSameTensor(t("probabilities", DataType.FP32, shape(1, 2), new float[] {.9f, .1f}), split.get(0).get(0));
    assertSameTensor(t("label", DataType.INT64, shape(1), new long[] {0}), split.get(0).get(1));
    assertSameTensor(t("probabilities", DataType.FP32, shape(2, 2), new float[] {.4f, .6f, .8f, .2f}),
        split.get(1).get(0));
    assertSameTensor(t("label", DataType.INT64, shape(2), new long[] {1, 0}), split.get(1).get(1));
  }

  @Test
  void splitCutsASequenceOfMapsByRows() {
    List<Map<Object, Object>> maps = List.of(Map.of(0L, .9f, 1L, .1f), Map.of(0L, .4f, 1L, .6f),
        Map.of(0L, .8f, 1L, .2f), Map.of(0L, .3f, 1L, .7f));
    List<List<OutputValue>> split = TensorBatches.split(List.of(new MapSequence("probabilities", maps)),
        new long[] {1, 3});
    MapSequence first = (MapSequence) split.get(0).get(0);
    MapSequence second = (MapSequence) split.get(1).get(0);
    assertEquals("probabilities", first.name());
    assertEquals(maps.subList(0, 1), first.maps());
    assertEquals(maps.subList(1, 4), second.maps());
  }

  @Test
  void anOutputWithoutOneRowPerRequestRowCannotBeSplit() {
    Tensor flattened = t("flat", DataType.FP32, shape(6), new float[6]);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TensorBatches.split(List.of(flattened), new long[] {1, 2}));
    assertTrue(e.getMessage().contains("'flat'") && e.getMessage().contains("3 rows"), e.getMessage());
  }

  @Test
  void aScalarOutputCannotBeSplit() {
    Tensor total = t("total", DataType.FP32, shape(), new float[1]);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TensorBatches.split(List.of(total), new long[] {1, 1}));
    assertTrue(e.getMessage().contains("'total'"), e.getMessage());
  }

  @Test
  void aSequenceOfMapsOfAnotherLengthCannotBeSplit() {
    MapSequence seq = new MapSequence("probabilities", List.of(Map.of(0L, 1f)));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TensorBatches.split(List.of(seq), new long[] {1, 1}));
    assertTrue(e.getMessage().contains("'probabilities'") && e.getMessage().contains("2 rows"), e.getMessage());
  }
}
