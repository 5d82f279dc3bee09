package io.inferbus.conformance;

import java.util.Arrays;

/**
 * Compares an output with the shipped expected tensor as ONNX's backend tests do: element type and
 * shape exactly; floating point within {@code |actual - expected| <= ATOL + RTOL * |expected|} with
 * NaN equal to NaN and infinities exact; integers, booleans and strings exactly.
 */
final class Comparison {
  static final double RTOL = 1e-3;
  static final double ATOL = 1e-5;

  private Comparison() {}

  /** Null when {@code actual} matches {@code expected}, else what differs, in one line. */
  static String differs(String output, TensorValue expected, TensorValue actual) {
    if (expected.type() != actual.type()) {
      return "output '" + output + "' is " + TensorValue.typeName(actual.type()) + ", expected "
          + TensorValue.typeName(expected.type());
    }
    if (!Arrays.equals(expected.dims(), actual.dims())) {
      return "output '" + output + "' has shape " + Arrays.toString(actual.dims()) + ", expected "
          + Arrays.toString(expected.dims());
    }
    int n = expected.count();
    if (actual.count() != n) {
      return "output '" + output + "' has " + actual.count() + " elements, expected " + n;
    }
    int bad = 0;
    int first = -1;
    for (int i = 0; i < n; i++) {
      if (!same(expected, actual, i)) {
        if (first < 0) {
          first = i;
        }
        bad++;
      }
    }
    if (bad == 0) {
      return null;
    }
    return "output '" + output + "' " + TensorValue.typeName(expected.type()) + " " + Arrays.toString(expected.dims())
        + ": " + bad + " of " + n + " elements differ, first at " + first + ": expected " + show(expected, first)
        + ", got " + show(actual, first);
  }

  private static boolean same(TensorValue e, TensorValue a, int i) {
    return switch (e.type()) {
      case TensorValue.FLOAT, TensorValue.DOUBLE, TensorValue.FLOAT16, TensorValue.BFLOAT16 -> close(e.real(i), a.real(i));
      case TensorValue.BOOL -> ((boolean[]) e.data())[i] == ((boolean[]) a.data())[i];
      case TensorValue.STRING -> ((String[]) e.data())[i].equals(((String[]) a.data())[i]);
      default -> ((long[]) e.data())[i] == ((long[]) a.data())[i];
    };
  }

  static boolean close(double expected, double actual) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
      return expected == actual;
    }
    return Math.abs(actual - expected) <= ATOL + RTOL * Math.abs(expected);
  }

  private static String show(TensorValue t, int i) {
    Object d = t.data();
    return switch (t.type()) {
      case TensorValue.FLOAT, TensorValue.DOUBLE, TensorValue.FLOAT16, TensorValue.BFLOAT16 -> Double.toString(t.real(i));
      case TensorValue.BOOL -> Boolean.toString(((boolean[]) d)[i]);
      case TensorValue.STRING -> {
        String s = ((String[]) d)[i];
        yield "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
      }
      case TensorValue.UINT64 -> Long.toUnsignedString(((long[]) d)[i]);
      default -> Long.toString(((long[]) d)[i]);
    };
  }
}
