package io.inferbus.protocol.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.inferbus.protocol.InferbusException;
import java.io.IOException;
import java.util.Arrays;

/**
 * A growable flat primitive array that takes JSON scalar tokens of one datatype, checking each value
 * against the type's range. Values are never boxed.
 */
abstract class ElementBuffer {
  protected final String input;
  protected final DataType datatype;
  protected int size;

  ElementBuffer(String input, DataType datatype) {
    this.input = input;
    this.datatype = datatype;
  }

  static ElementBuffer create(String input, DataType datatype, int expected) {
    int cap = Math.max(16, expected);
    return switch (datatype) {
      case FP32 -> new Floats(input, cap);
      case FP64 -> new Doubles(input, cap);
      case FP16, BF16 -> new HalfFloats(input, datatype, cap);
      case BOOL -> new Booleans(input, cap);
      case BYTES -> new Strings(input, cap);
      case INT8 -> new Integers(input, datatype, cap, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case UINT8 -> new Integers(input, datatype, cap, 0, 255);
      case INT16 -> new Integers(input, datatype, cap, Short.MIN_VALUE, Short.MAX_VALUE);
      case UINT16 -> new Integers(input, datatype, cap, 0, 65535);
      case INT32 -> new Integers(input, datatype, cap, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case UINT32 -> new Integers(input, datatype, cap, 0, 0xFFFF_FFFFL);
      case INT64 -> new Integers(input, datatype, cap, Long.MIN_VALUE, Long.MAX_VALUE);
      case UINT64 -> new Unsigned64(input, cap);
    };
  }

  /** Appends the parser's current scalar token. */
  abstract void add(JsonParser p) throws IOException;

  /** The flat array of exactly {@link #size} elements, in the type's array class. */
  abstract Object toArray();

  int size() {
    return size;
  }

  protected InferbusException wrongValue(JsonParser p) throws IOException {
    String text = p.currentToken() == JsonToken.VALUE_STRING ? "\"" + p.getText() + "\"" : p.getText();
    if (text.length() > 40) {
      text = text.substring(0, 40) + "...";
    }
    return new InferbusException(
        io.inferbus.protocol.FailureKind.BAD_INPUT,
        "input '" + input + "' is " + datatype + " but element " + size + " is " + text,
        input);
  }

  private static final class Floats extends ElementBuffer {
    private float[] a;

    Floats(String input, int cap) {
      super(input, DataType.FP32);
      a = new float[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
        throw wrongValue(p);
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      float v = p.getFloatValue();
      if (Float.isInfinite(v)) {
        throw wrongValue(p);
      }
      a[size++] = v;
    }

    @Override
    Object toArray() {
      return size == a.length ? a : Arrays.copyOf(a, size);
    }
  }

  private static final class Doubles extends ElementBuffer {
    private double[] a;

    Doubles(String input, int cap) {
      super(input, DataType.FP64);
      a = new double[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
        throw wrongValue(p);
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      double v = p.getDoubleValue();
      if (Double.isInfinite(v)) {
        throw wrongValue(p);
      }
      a[size++] = v;
    }

    @Override
    Object toArray() {
      return size == a.length ? a : Arrays.copyOf(a, size);
    }
  }

  /** FP16 and BF16: parsed as float, stored as the 16 raw bits. */
  private static final class HalfFloats extends ElementBuffer {
    private short[] a;

    HalfFloats(String input, DataType type, int cap) {
      super(input, type);
      a = new short[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
        throw wrongValue(p);
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      float v = p.getFloatValue();
      short bits = datatype == DataType.FP16 ? HalfFloat.toFp16Bits(v) : HalfFloat.toBf16Bits(v);
      int infinity = datatype == DataType.FP16 ? 0x7C00 : 0x7F80;
      if ((bits & 0x7FFF) == infinity) { // beyond the type's range (65504 for FP16), as FP32 refuses 1e39
        throw wrongValue(p);
      }
      a[size++] = bits;
    }

    @Override
    Object toArray() {
      return size == a.length ? a : Arrays.copyOf(a, size);
    }
  }

  private static final class Booleans extends ElementBuffer {
    private boolean[] a;

    Booleans(String input, int cap) {
      super(input, DataType.BOOL);
      a = new boolean[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      JsonToken t = p.currentToken();
      if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
        throw wrongValue(p);
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = t == JsonToken.VALUE_TRUE;
    }

    @Override
    Object toArray() {
      return size == a.length ? a : Arrays.copyOf(a, size);
    }
  }

  private static final class Strings extends ElementBuffer {
    private String[] a;

    Strings(String input, int cap) {
      super(input, DataType.BYTES);
      a = new String[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_STRING) {
        throw wrongValue(p);
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = p.getText();
    }

    @Override
    Object toArray() {
      return size == a.length ? a : Arrays.copyOf(a, size);
    }
  }

  /** Every integer type up to 64 bits signed, range-checked, stored in the array of its width. */
  private static final class Integers extends ElementBuffer {
    private final long min;
    private final long max;
    private long[] a;

    Integers(String input, DataType type, int cap, long min, long max) {
      super(input, type);
      this.min = min;
      this.max = max;
      a = new long[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
          || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw wrongValue(p);
      }
      long v = p.getLongValue();
      if (v < min || v > max) {
        throw wrongValue(p);
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    @Override
    Object toArray() {
      switch (datatype) {
        case INT8, UINT8 -> {
          byte[] out = new byte[size];
          for (int i = 0; i < size; i++) {
            out[i] = (byte) a[i];
          }
          return out;
        }
        case INT16, UINT16 -> {
          short[] out = new short[size];
          for (int i = 0; i < size; i++) {
            out[i] = (short) a[i];
          }
          return out;
        }
        case INT32, UINT32 -> {
          int[] out = new int[size];
          for (int i = 0; i < size; i++) {
            out[i] = (int) a[i];
          }
          return out;
        }
        default -> {
          return size == a.length ? a : Arrays.copyOf(a, size);
        }
      }
    }
  }

  /** UINT64: values up to 2^64-1, stored as the same 64 bits in a {@code long[]}. */
  private static final class Unsigned64 extends ElementBuffer {
    private static final java.math.BigInteger MAX = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);
    private long[] a;

    Unsigned64(String input, int cap) {
      super(input, DataType.UINT64);
      a = new long[cap];
    }

    @Override
    void add(JsonParser p) throws IOException {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
        throw wrongValue(p);
      }
      long v;
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        java.math.BigInteger b = p.getBigIntegerValue();
        if (b.signum() < 0 || b.compareTo(MAX) > 0) {
          throw wrongValue(p);
        }
        v = b.longValue();
      } else {
        v = p.getLongValue();
        if (v < 0) {
          throw wrongValue(p);
        }
      }
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    @Override
    Object toArray() {
      return size == a.length ? a : Arrays.copyOf(a, size);
    }
  }
}
