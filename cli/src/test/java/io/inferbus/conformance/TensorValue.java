package io.inferbus.conformance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor read from an ONNX {@code TensorProto} (or from an answer), with its elements in one flat
 * array whose class depends on the ONNX element type: {@code float[]} FLOAT, {@code double[]} DOUBLE,
 * {@code short[]} (raw bits) FLOAT16 and BFLOAT16, {@code boolean[]} BOOL, {@code String[]} STRING and
 * {@code long[]} for every integer type (signed types sign-extended, unsigned zero-extended, UINT64 as
 * its 64 bits).
 */
record TensorValue(String name, int type, long[] dims, Object data) {
  static final int FLOAT = 1;
  static final int UINT8 = 2;
  static final int INT8 = 3;
  static final int UINT16 = 4;
  static final int INT16 = 5;
  static final int INT32 = 6;
  static final int INT64 = 7;
  static final int STRING = 8;
  static final int BOOL = 9;
  static final int FLOAT16 = 10;
  static final int DOUBLE = 11;
  static final int UINT32 = 12;
  static final int UINT64 = 13;
  static final int BFLOAT16 = 16;

  static String typeName(int type) {
    return switch (type) {
      case FLOAT -> "FLOAT";
      case UINT8 -> "UINT8";
      case INT8 -> "INT8";
      case UINT16 -> "UINT16";
      case INT16 -> "INT16";
      case INT32 -> "INT32";
      case INT64 -> "INT64";
      case STRING -> "STRING";
      case BOOL -> "BOOL";
      case FLOAT16 -> "FLOAT16";
      case DOUBLE -> "DOUBLE";
      case UINT32 -> "UINT32";
      case UINT64 -> "UINT64";
      case 14 -> "COMPLEX64";
      case 15 -> "COMPLEX128";
      case BFLOAT16 -> "BFLOAT16";
      default -> "type " + type;
    };
  }

  static boolean isSupported(int type) {
    return type >= 1 && type <= 13 || type == BFLOAT16;
  }

  static boolean isFloating(int type) {
    return type == FLOAT || type == DOUBLE || type == FLOAT16 || type == BFLOAT16;
  }

  int count() {
    return java.lang.reflect.Array.getLength(data);
  }

  /** Element {@code i} of a floating-point tensor as a double. */
  double real(int i) {
    return switch (type) {
      case FLOAT -> ((float[]) data)[i];
      case DOUBLE -> ((double[]) data)[i];
      case FLOAT16 -> io.inferbus.protocol.tensor.HalfFloat.fp16ToFloat(((short[]) data)[i]);
      case BFLOAT16 -> io.inferbus.protocol.tensor.HalfFloat.bf16ToFloat(((short[]) data)[i]);
      default -> throw new IllegalStateException(typeName(type) + " is not floating point");
    };
  }

  /** True when a floating-point tensor holds a NaN or an infinity. */
  boolean hasNonFinite() {
    if (!isFloating(type)) {
      return false;
    }
    for (int i = 0, n = count(); i < n; i++) {
      if (!Double.isFinite(real(i))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return (name == null || name.isEmpty() ? "" : name + " ") + typeName(type) + " " + Arrays.toString(dims);
  }

  /** Parses a serialized {@code TensorProto}. */
  static TensorValue parse(byte[] bytes) {
    Wire w = new Wire(bytes);
    Wire.LongList dims = new Wire.LongList();
    Wire.LongList ints = new Wire.LongList(); // int32_data, int64_data, uint64_data
    Wire.LongList floats = new Wire.LongList(); // float_data bits
    Wire.LongList doubles = new Wire.LongList(); // double_data bits
    List<byte[]> strings = new ArrayList<>();
    int type = 0;
    String name = "";
    byte[] raw = null;
    boolean external = false;
    while (w.next()) {
      switch (w.field()) {
        case 1 -> w.varints(dims);
        case 2 -> type = (int) w.varint();
        case 4 -> w.fixed32s(floats);
        case 5, 7, 11 -> w.varints(ints);
        case 6 -> strings.add(w.bytes());
        case 8 -> name = w.string();
        case 9 -> raw = w.bytes();
        case 10 -> w.fixed64s(doubles);
        case 13 -> {
          external = true;
          w.skip();
        }
        default -> w.skip();
      }
    }
    if (external) {
      throw new IllegalArgumentException("tensor '" + name + "' keeps its data in an external file");
    }
    if (!isSupported(type)) {
      throw new IllegalArgumentException("tensor '" + name + "' has element type " + typeName(type));
    }
    long[] shape = dims.toArray();
    int n = Math.toIntExact(elementCount(shape));
    Object data;
    if (type == STRING) {
      String[] s = new String[strings.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = new String(strings.get(i), StandardCharsets.UTF_8);
      }
      data = s;
    } else if (raw != null) {
      data = fromRaw(type, raw, n);
    } else {
      data = fromFields(type, ints.toArray(), floats.toArray(), doubles.toArray());
    }
    int have = java.lang.reflect.Array.getLength(data);
    if (have != n) {
      throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape) + " but "
          + have + " elements");
    }
    return new TensorValue(name, type, shape, data);
  }

  static long elementCount(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }

  private static Object fromRaw(int type, byte[] raw, int n) {
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case FLOAT -> {
        float[] a = new float[raw.length / 4];
        b.asFloatBuffer().get(a);
        return a;
      }
      case DOUBLE -> {
        double[] a = new double[raw.length / 8];
        b.asDoubleBuffer().get(a);
        return a;
      }
      case FLOAT16, BFLOAT16 -> {
        short[] a = new short[raw.length / 2];
        b.asShortBuffer().get(a);
        return a;
      }
      case BOOL -> {
        boolean[] a = new boolean[raw.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = raw[i] != 0;
        }
        return a;
      }
      default -> {
        int width = switch (type) {
          case INT8, UINT8 -> 1;
          case INT16, UINT16 -> 2;
          case INT32, UINT32 -> 4;
          default -> 8;
        };
        long[] a = new long[raw.length / width];
        for (int i = 0; i < a.length; i++) {
          a[i] = switch (type) {
            case INT8 -> b.get(i);
            case UINT8 -> b.get(i) & 0xFF;
            case INT16 -> b.getShort(i * 2);
            case UINT16 -> b.getShort(i * 2) & 0xFFFF;
            case INT32 -> b.getInt(i * 4);
            case UINT32 -> b.getInt(i * 4) & 0xFFFF_FFFFL;
            default -> b.getLong(i * 8);
          };
        }
        return a;
      }
    }
  }

  private static Object fromFields(int type, long[] ints, long[] floatBits, long[] doubleBits) {
    switch (type) {
      case FLOAT -> {
        float[] a = new float[floatBits.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = Float.intBitsToFloat((int) floatBits[i]);
        }
        return a;
      }
      case DOUBLE -> {
        double[] a = new double[doubleBits.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = Double.longBitsToDouble(doubleBits[i]);
        }
        return a;
      }
      case FLOAT16, BFLOAT16 -> { // int32_data holds the 16 bits
        short[] a = new short[ints.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = (short) ints[i];
        }
        return a;
      }
      case BOOL -> {
        boolean[] a = new boolean[ints.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = ints[i] != 0;
        }
        return a;
      }
      default -> {
        long[] a = new long[ints.length];
        for (int i = 0; i < a.length; i++) {
          long v = ints[i];
          a[i] = switch (type) { // int32_data is a varint of the sign-extended int32
            case INT8 -> (byte) v;
            case UINT8 -> v & 0xFF;
            case INT16 -> (short) v;
            case UINT16 -> v & 0xFFFF;
            case INT32 -> (int) v;
            case UINT32 -> v & 0xFFFF_FFFFL;
            default -> v;
          };
        }
        return a;
      }
    }
  }
}
