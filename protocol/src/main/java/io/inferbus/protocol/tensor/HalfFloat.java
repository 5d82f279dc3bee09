package io.inferbus.protocol.tensor;

/** Conversions between float and the 16-bit float formats (IEEE half and bfloat16), round to nearest even. */
public final class HalfFloat {
  private HalfFloat() {}

  public static short toBf16Bits(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) 0x7FC0;
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  public static short toFp16Bits(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int val = (bits & 0x7FFF_FFFF);
    if (val >= 0x7F80_0000) { // Inf or NaN
      return (short) (sign | 0x7C00 | (val > 0x7F80_0000 ? 0x200 : 0));
    }
    if (val >= 0x4780_0000) { // too large: infinity
      return (short) (sign | 0x7C00);
    }
    if (val < 0x3880_0000) { // subnormal or zero
      if (val < 0x3300_0000) {
        return (short) sign;
      }
      int exp = val >>> 23;
      int mant = (val & 0x7F_FFFF) | 0x80_0000;
      int shift = 126 - exp;
      int half = mant >>> (shift);
      int rem = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = ((val - 0x3800_0000) >>> 13);
    int rem = val & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++;
    }
    return (short) (sign | half);
  }

  public static float fp16ToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F80_0000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant / 16_777_216f; // mant * 2^-24
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
