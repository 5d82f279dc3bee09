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

  /**
   * The datatype of an ONNX {@code TensorProto.DataType} code, or null for types the protocol has no
   * name for (complex, float8, int4, ...).
   */
  public static DataType fromOnnxElementType(int code) {
    return switch (code) {
      case 1 -> FP32;
      case 2 -> UINT8;
      case 3 -> INT8;
      case 4 -> UINT16;
      case 5 -> INT16;
      case 6 -> INT32;
      case 7 -> INT64;
      case 8 -> BYTES;
      case 9 -> BOOL;
      case 10 -> FP16;
      case 11 -> FP64;
      case 12 -> UINT32;
      case 13 -> UINT64;
      case 16 -> BF16;
      default -> null;
    };
  }

  /**
   * The datatype of an ONNX Runtime element type name, with or without the C API's prefix
   * ({@code ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT} or {@code FLOAT}); null for types the protocol has
   * no name for. (ONNX Runtime Java numbers its enum differently from ONNX, so names, not codes.)
   */
  public static DataType fromOnnxTypeName(String name) {
    String n = name.startsWith("ONNX_TENSOR_ELEMENT_DATA_TYPE_") ? name.substring(30) : name;
    return switch (n) {
      case "FLOAT" -> FP32;
      case "DOUBLE" -> FP64;
      case "FLOAT16" -> FP16;
      case "BFLOAT16" -> BF16;
      case "STRING" -> BYTES;
      case "BOOL" -> BOOL;
      case "INT8" -> INT8;
      case "INT16" -> INT16;
      case "INT32" -> INT32;
      case "INT64" -> INT64;
      case "UINT8" -> UINT8;
      case "UINT16" -> UINT16;
      case "UINT32" -> UINT32;
      case "UINT64" -> UINT64;
      default -> null;
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
