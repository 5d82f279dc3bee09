package io.inferbus.protocol.tensor;

import java.util.Arrays;

/**
 * A named tensor: its datatype, shape and elements in one flat primitive array (row-major), never
 * boxed. See {@link DataType} for which array each type uses.
 */
public record Tensor(String name, DataType datatype, long[] shape, Object data) implements OutputValue {

  /** Number of elements the shape describes. */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  public int length() {
    return java.lang.reflect.Array.getLength(data);
  }

  @Override
  public String toString() {
    return name + " " + datatype + " " + Arrays.toString(shape);
  }
}
