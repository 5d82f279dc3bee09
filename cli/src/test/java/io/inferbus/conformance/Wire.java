package io.inferbus.conformance;

import java.util.Arrays;

/**
 * A minimal protobuf wire-format reader over a byte array (varint, 64-bit, length-delimited and
 * 32-bit fields), enough to read ONNX's ModelProto and TensorProto without a protobuf dependency.
 */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;
  static final int FIXED32 = 5;

  private final byte[] buf;
  private int pos;
  private final int end;
  private int tag;

  Wire(byte[] buf) {
    this(buf, 0, buf.length);
  }

  Wire(byte[] buf, int from, int to) {
    this.buf = buf;
    this.pos = from;
    this.end = to;
  }

  /** Advances to the next field; false at the end of the message. */
  boolean next() {
    if (pos >= end) {
      return false;
    }
    tag = (int) varint();
    return true;
  }

  int field() {
    return tag >>> 3;
  }

  int wireType() {
    return tag & 7;
  }

  long varint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("malformed varint at " + pos);
  }

  long fixed64() {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (buf[pos + i] & 0xFF);
    }
    pos += 8;
    return v;
  }

  int fixed32() {
    int v = 0;
    for (int i = 3; i >= 0; i--) {
      v = (v << 8) | (buf[pos + i] & 0xFF);
    }
    pos += 4;
    return v;
  }

  /** The bytes of a length-delimited field. */
  byte[] bytes() {
    int len = (int) varint();
    byte[] out = Arrays.copyOfRange(buf, pos, pos + len);
    pos += len;
    return out;
  }

  /** A reader over an embedded message (length-delimited field), without copying. */
  Wire message() {
    int len = (int) varint();
    Wire sub = new Wire(buf, pos, pos + len);
    pos += len;
    return sub;
  }

  String string() {
    return new String(bytes(), java.nio.charset.StandardCharsets.UTF_8);
  }

  void skip() {
    switch (wireType()) {
      case VARINT -> varint();
      case FIXED64 -> pos += 8;
      case LEN -> {
        int len = (int) varint(); // read first: varint() moves pos
        pos += len;
      }
      case FIXED32 -> pos += 4;
      default -> throw new IllegalArgumentException("unsupported wire type " + wireType() + " at " + pos);
    }
  }

  /** Adds a repeated varint field's values, packed or not, to {@code out}. */
  void varints(LongList out) {
    if (wireType() == LEN) {
      Wire packed = message();
      while (packed.pos < packed.end) {
        out.add(packed.varint());
      }
    } else {
      out.add(varint());
    }
  }

  /** Adds a repeated fixed32 field's raw values (float bits), packed or not. */
  void fixed32s(LongList out) {
    if (wireType() == LEN) {
      Wire packed = message();
      while (packed.pos < packed.end) {
        out.add(packed.fixed32());
      }
    } else {
      out.add(fixed32());
    }
  }

  /** Adds a repeated fixed64 field's raw values (double bits), packed or not. */
  void fixed64s(LongList out) {
    if (wireType() == LEN) {
      Wire packed = message();
      while (packed.pos < packed.end) {
        out.add(packed.fixed64());
      }
    } else {
      out.add(fixed64());
    }
  }

  /** A growable long array. */
  static final class LongList {
    private long[] a = new long[16];
    private int size;

    void add(long v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      a[size++] = v;
    }

    int size() {
      return size;
    }

    long[] toArray() {
      return Arrays.copyOf(a, size);
    }
  }
}
