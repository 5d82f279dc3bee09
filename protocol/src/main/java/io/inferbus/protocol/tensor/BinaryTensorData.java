package io.inferbus.protocol.tensor;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Open Inference Protocol's binary tensor data extension: after a JSON header of
 * {@code Inference-Header-Content-Length} bytes, each binary tensor's elements follow in order,
 * row-major, little-endian; BOOL one byte per element; BYTES a 4-byte little-endian length before
 * each element. Large tensors skip JSON, and NaN and the infinities travel as they are.
 */
public final class BinaryTensorData {
  private BinaryTensorData() {}

  /**
   * Reads {@code count} elements of {@code type} from {@code size} bytes at {@code offset} into the
   * primitive array {@link Tensor} uses for the type.
   */
  public static Object read(String input, DataType type, long count, Buffer body, int offset, int size) {
    int width = width(type);
    if (width > 0 && (long) width * count != size) {
      throw bad("input '" + input + "' is " + type + " with " + count + " elements, which is "
          + (long) width * count + " bytes of binary data, but its binary_data_size is " + size);
    }
    ByteBuffer in = ByteBuffer.wrap(body.getBytes(offset, offset + size)).order(ByteOrder.LITTLE_ENDIAN);
    int n = (int) count;
    return switch (type) {
      case FP32 -> {
        float[] a = new float[n];
        in.asFloatBuffer().get(a);
        yield a;
      }
      case FP64 -> {
        double[] a = new double[n];
        in.asDoubleBuffer().get(a);
        yield a;
      }
      case INT64, UINT64 -> {
        long[] a = new long[n];
        in.asLongBuffer().get(a);
        yield a;
      }
      case INT32, UINT32 -> {
        int[] a = new int[n];
        in.asIntBuffer().get(a);
        yield a;
      }
      case INT16, UINT16, FP16, BF16 -> {
        short[] a = new short[n];
        in.asShortBuffer().get(a);
        yield a;
      }
      case INT8, UINT8 -> {
        byte[] a = new byte[n];
        in.get(a);
        yield a;
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = in.get() != 0;
        }
        yield a;
      }
      case BYTES -> readStrings(input, n, in, size);
    };
  }

  private static String[] readStrings(String input, int n, ByteBuffer in, int size) {
    String[] a = new String[n];
    for (int i = 0; i < n; i++) {
      if (in.remaining() < 4) {
        throw bad("input '" + input + "': binary BYTES data ends inside element " + i + " of " + n
            + " (each element is a 4-byte little-endian length, then that many bytes)");
      }
      int len = in.getInt();
      if (len < 0 || len > in.remaining()) {
        throw bad("input '" + input + "': binary BYTES element " + i + " claims " + Integer.toUnsignedString(len)
            + " bytes but only " + in.remaining() + " remain of its binary_data_size " + size);
      }
      byte[] s = new byte[len];
      in.get(s);
      a[i] = new String(s, StandardCharsets.UTF_8);
    }
    if (in.hasRemaining()) {
      throw bad("input '" + input + "': binary BYTES data has " + in.remaining() + " bytes after its " + n
          + " elements; binary_data_size must cover exactly the elements");
    }
    return a;
  }

  /** Bytes per element, or 0 for BYTES (variable). */
  public static int width(DataType type) {
    return switch (type) {
      case FP64, INT64, UINT64 -> 8;
      case FP32, INT32, UINT32 -> 4;
      case INT16, UINT16, FP16, BF16 -> 2;
      case INT8, UINT8, BOOL -> 1;
      case BYTES -> 0;
    };
  }

  /** The size of a tensor's binary form. */
  public static int size(Tensor t) {
    int width = width(t.datatype());
    if (width > 0) {
      return width * t.length();
    }
    long total = 0;
    for (String s : (String[]) t.data()) {
      total += 4 + s.getBytes(StandardCharsets.UTF_8).length;
    }
    return Math.toIntExact(total);
  }

  /** Appends a tensor's binary form to {@code out}. */
  public static void write(Tensor t, Buffer out) {
    Object data = t.data();
    switch (t.datatype()) {
      case FP32 -> {
        for (float v : (float[]) data) {
          out.appendFloatLE(v);
        }
      }
      case FP64 -> {
        for (double v : (double[]) data) {
          out.appendDoubleLE(v);
        }
      }
      case INT64, UINT64 -> {
        for (long v : (long[]) data) {
          out.appendLongLE(v);
        }
      }
      case INT32, UINT32 -> {
        for (int v : (int[]) data) {
          out.appendIntLE(v);
        }
      }
      case INT16, UINT16, FP16, BF16 -> {
        for (short v : (short[]) data) {
          out.appendShortLE(v);
        }
      }
      case INT8, UINT8 -> out.appendBytes((byte[]) data);
      case BOOL -> {
        for (boolean v : (boolean[]) data) {
          out.appendByte(v ? (byte) 1 : (byte) 0);
        }
      }
      case BYTES -> {
        for (String s : (String[]) data) {
          byte[] b = s.getBytes(StandardCharsets.UTF_8);
          out.appendIntLE(b.length).appendBytes(b);
        }
      }
    }
  }

  private static InferbusException bad(String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message);
  }
}
