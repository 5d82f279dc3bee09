package io.inferbus.protocol.tensor;

/**
 * Tensor element types, named as the Open Inference Protocol names them. Each maps to the flat Java
 * array that holds a tensor's elements in row-major order (unsigned types share the signed array
 * of their width; FP16 and BF16 hold raw bits in a {@code short[]}).
 */
public enum DataType {
  BOOL(1),
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP16(2),
  BF16(2),
  FP32(4),
  FP64(8),
  BYTES(-1);

  private final int elementSize;

  DataType(int elementSize) {
    this.elementSize = elementSize;
  }

  /** Bytes per element in the binary tensor format; -1 for BYTES (length-prefixed). */
  public int elementSize() {
    return elementSize;
  }

  public boolean isFloatingPoint() {
    return this == FP16 || this == BF16 || this == FP32 || this == FP64;
  }

  public boolean isInteger() {
    return switch (this) {
      case UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64 -> true;
      default -> false;
    };
  }

  /** Parses a protocol datatype name; null when there is no such type. */
  public static DataType fromName(String name) {
    if (name == null) {
      return null;
    }
    try {
      return valueOf(name);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
