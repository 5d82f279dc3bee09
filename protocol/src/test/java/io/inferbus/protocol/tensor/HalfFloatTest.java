package io.inferbus.protocol.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** IEEE half (FP16) and bfloat16 conversions, round to nearest even, against known bits and a reference. */
class HalfFloatTest {

  private static void fp16(int expectedBits, float value) {
    short got = HalfFloat.toFp16Bits(value);
    assertEquals(expectedBits, got & 0xFFFF,
        () -> value + " -> 0x" + Integer.toHexString(got & 0xFFFF) + ", expected 0x" + Integer.toHexString(expectedBits));
  }

  private static void bf16(int expectedBits, float value) {
    short got = HalfFloat.toBf16Bits(value);
    assertEquals(expectedBits, got & 0xFFFF,
        () -> value + " -> 0x" + Integer.toHexString(got & 0xFFFF) + ", expected 0x" + Integer.toHexString(expectedBits));
  }

  /** The value of FP16 bits computed from the format's definition, in double (independent of HalfFloat). */
  private static double fp16Value(int bits) {
    int sign = (bits >>> 15) & 1;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    double v = exp == 0 ? Math.scalb((double) mant, -24) : Math.scalb(1.0 + mant / 1024.0, exp - 15);
    return sign == 1 ? -v : v;
  }

  // ---- FP16 known patterns

  @Test
  void fp16One() {
    fp16(0x3C00, 1.0f);
    fp16(0xBC00, -1.0f);
    assertEquals(1.0f, HalfFloat.fp16ToFloat((short) 0x3C00));
  }

  @Test
  void fp16Zeros() {
    fp16(0x0000, 0.0f);
    fp16(0x8000, -0.0f);
    assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(HalfFloat.fp16ToFloat((short) 0x8000)));
  }

  @Test
  void fp16Maximum() {
    fp16(0x7BFF, 65504f);
    fp16(0xFBFF, -65504f);
    assertEquals(65504f, HalfFloat.fp16ToFloat((short) 0x7BFF));
  }

  @Test
  void fp16OverflowRoundsToInfinityFromTheHalfwayPoint() {
    fp16(0x7BFF, 65519.996f); // just below halfway between 65504 and 65536
    fp16(0x7C00, 65520f); // halfway: ties to even, which is infinity
    fp16(0x7C00, 1e6f);
    fp16(0xFC00, -70000f);
    fp16(0x7C00, Float.MAX_VALUE);
  }

  @Test
  void fp16Infinity() {
    fp16(0x7C00, Float.POSITIVE_INFINITY);
    fp16(0xFC00, Float.NEGATIVE_INFINITY);
    assertEquals(Float.POSITIVE_INFINITY, HalfFloat.fp16ToFloat((short) 0x7C00));
    assertEquals(Float.NEGATIVE_INFINITY, HalfFloat.fp16ToFloat((short) 0xFC00));
  }

  @Test
  void fp16NaN() {
    int bits = HalfFloat.toFp16Bits(Float.NaN) & 0xFFFF;
    assertEquals(0x7C00, bits & 0x7C00, "exponent all ones");
    assertTrue((bits & 0x3FF) != 0, "mantissa not zero");
    assertTrue(Float.isNaN(HalfFloat.fp16ToFloat((short) bits)));
    assertTrue(Float.isNaN(HalfFloat.fp16ToFloat((short) 0x7E00)));
    assertTrue(Float.isNaN(HalfFloat.fp16ToFloat((short) 0xFC01)));
    // a NaN whose payload sits only in the low float bits must not become infinity
    int low = HalfFloat.toFp16Bits(Float.intBitsToFloat(0x7F80_0001)) & 0xFFFF;
    assertTrue(Float.isNaN(HalfFloat.fp16ToFloat((short) low)), Integer.toHexString(low));
  }

  @Test
  void fp16Subnormals() {
    fp16(0x0001, 5.9604645e-8f); // 2^-24, the smallest
    fp16(0x03FF, 1023 * 5.9604645e-8f); // the largest
    fp16(0x0400, 6.1035156e-5f); // 2^-14, the smallest normal
    fp16(0x8001, -5.9604645e-8f);
    assertEquals(Math.scalb(1f, -24), HalfFloat.fp16ToFloat((short) 0x0001));
    assertEquals(Math.scalb(1023f, -24), HalfFloat.fp16ToFloat((short) 0x03FF));
    assertEquals(Math.scalb(1f, -14), HalfFloat.fp16ToFloat((short) 0x0400));
  }

  @Test
  void fp16UnderflowRoundsToNearestEven() {
    fp16(0x0000, Math.scalb(1f, -25)); // halfway between 0 and 2^-24: ties to 0
    fp16(0x0001, Math.nextUp(Math.scalb(1f, -25)));
    fp16(0x0000, Math.nextDown(Math.scalb(1f, -25)));
    fp16(0x0002, 3 * Math.scalb(1f, -25)); // halfway between 1 and 2 ulps: ties to 2
    fp16(0x0002, 5 * Math.scalb(1f, -25)); // halfway between 2 and 3: ties to 2
    fp16(0x0400, Math.scalb(2047f, -25)); // halfway between 0x3FF and 0x400: ties to 0x400
    fp16(0x0000, 1e-30f);
    fp16(0x8000, -1e-30f);
  }

  @Test
  void fp16NormalsRoundToNearestEven() {
    float ulp = Math.scalb(1f, -10);
    fp16(0x3C00, 1f + ulp / 2); // halfway between 0x3C00 and 0x3C01: ties to 0x3C00
    fp16(0x3C01, Math.nextUp(1f + ulp / 2));
    fp16(0x3C02, 1f + 3 * ulp / 2); // halfway between 0x3C01 and 0x3C02: ties to 0x3C02
    fp16(0x3C01, Math.nextDown(1f + 3 * ulp / 2));
    fp16(0x4000, Math.nextDown(2f)); // rounds up across the exponent
    fp16(0x2E66, 0.1f);
    fp16(0x3555, 1f / 3f);
    fp16(0x4248, 3.14159265f);
  }

  @Test
  void fp16EveryHalfValueRoundTrips() {
    int checked = 0;
    for (int h = 0; h <= 0xFFFF; h++) {
      float f = HalfFloat.fp16ToFloat((short) h);
      if (Float.isNaN(f)) {
        continue;
      }
      if (!Double.isInfinite(f)) {
        assertEquals(fp16Value(h), f, 0.0, "value of 0x" + Integer.toHexString(h));
      }
      assertEquals(h, HalfFloat.toFp16Bits(f) & 0xFFFF, "0x" + Integer.toHexString(h) + " = " + f);
      checked++;
    }
    assertEquals(65536 - 2 * 1023, checked);
  }

  @Test
  void fp16MidpointsBetweenEveryPairOfHalvesTieToEven() {
    for (int h = 0; h < 0x7BFF; h++) {
      double lo = fp16Value(h);
      double hi = fp16Value(h + 1);
      float mid = (float) ((lo + hi) / 2); // exact: halves have 11 significant bits
      assertEquals((lo + hi) / 2, mid, 0.0);
      int even = (h & 1) == 0 ? h : h + 1;
      fp16(even, mid);
      fp16(h, Math.nextDown(mid));
      fp16(h + 1, Math.nextUp(mid));
      fp16(even | 0x8000, -mid);
    }
  }

  @Test
  void fp16AgreesWithNearestHalfForSampledFloats() {
    // every 4099th float bit pattern over the whole finite range, against a search in exact arithmetic
    for (long bits = 0; bits < 0x7F80_0000L; bits += 4099) {
      float f = Float.intBitsToFloat((int) bits);
      fp16(nearestHalf(f), f);
      fp16(nearestHalf(f) | 0x8000, -f);
    }
  }

  /** Reference: the positive half nearest f (f >= 0), ties to even, 65520 and above to infinity. */
  private static int nearestHalf(float f) {
    if (f >= 65520f) {
      return 0x7C00;
    }
    int lo = 0;
    int hi = 0x7BFF;
    while (lo < hi) { // largest half <= f
      int m = (lo + hi + 1) >>> 1;
      if (fp16Value(m) <= f) {
        lo = m;
      } else {
        hi = m - 1;
      }
    }
    if (lo == 0x7BFF) {
      return lo;
    }
    double below = f - fp16Value(lo);
    double above = fp16Value(lo + 1) - f;
    if (below < above) {
      return lo;
    }
    if (above < below) {
      return lo + 1;
    }
    return (lo & 1) == 0 ? lo : lo + 1;
  }

  // ---- BF16

  @Test
  void bf16KnownPatterns() {
    bf16(0x3F80, 1.0f);
    bf16(0xBF80, -1.0f);
    bf16(0xC000, -2.0f);
    bf16(0x4049, 3.140625f);
    bf16(0x0000, 0.0f);
    bf16(0x8000, -0.0f);
    bf16(0x7F7F, Float.intBitsToFloat(0x7F7F_0000));
    assertEquals(1.0f, HalfFloat.bf16ToFloat((short) 0x3F80));
    assertEquals(3.140625f, HalfFloat.bf16ToFloat((short) 0x4049));
    assertEquals(-123.5f, HalfFloat.bf16ToFloat((short) 0xC2F7));
  }

  @Test
  void bf16RoundsToNearestEven() {
    float ulp = Math.scalb(1f, -7);
    bf16(0x3F80, 1f + ulp / 2); // halfway: ties to 0x3F80
    bf16(0x3F81, Math.nextUp(1f + ulp / 2));
    bf16(0x3F82, 1f + 3 * ulp / 2); // halfway: ties to 0x3F82
    bf16(0x3F81, Math.nextDown(1f + 3 * ulp / 2));
    bf16(0x3DCD, 0.1f); // 0x3DCCCCCD rounds up
  }

  @Test
  void bf16InfinityAndOverflow() {
    bf16(0x7F80, Float.POSITIVE_INFINITY);
    bf16(0xFF80, Float.NEGATIVE_INFINITY);
    bf16(0x7F80, Float.MAX_VALUE); // above the largest bf16 plus half an ulp
    bf16(0xFF80, -Float.MAX_VALUE);
    assertEquals(Float.POSITIVE_INFINITY, HalfFloat.bf16ToFloat((short) 0x7F80));
  }

  @Test
  void bf16NaNStaysNaN() {
    assertTrue(Float.isNaN(HalfFloat.bf16ToFloat(HalfFloat.toBf16Bits(Float.NaN))));
    assertTrue(Float.isNaN(HalfFloat.bf16ToFloat(HalfFloat.toBf16Bits(Float.intBitsToFloat(0x7F80_0001)))));
    assertTrue(Float.isNaN(HalfFloat.bf16ToFloat(HalfFloat.toBf16Bits(Float.intBitsToFloat(0xFFFF_FFFF)))));
  }

  @Test
  void bf16SubnormalsKeepTheirBits() {
    bf16(0x0001, Float.intBitsToFloat(0x0001_0000));
    bf16(0x0000, Float.MIN_VALUE); // far below half of the smallest bf16 subnormal
    bf16(0x0001, Float.intBitsToFloat(0x0000_8001));
  }

  @Test
  void bf16EveryValueRoundTrips() {
    int checked = 0;
    for (int b = 0; b <= 0xFFFF; b++) {
      float f = HalfFloat.bf16ToFloat((short) b);
      if (Float.isNaN(f)) {
        continue;
      }
      assertEquals(b << 16, Float.floatToRawIntBits(f), "value of 0x" + Integer.toHexString(b));
      assertEquals(b, HalfFloat.toBf16Bits(f) & 0xFFFF, "0x" + Integer.toHexString(b));
      checked++;
    }
    assertEquals(65536 - 2 * 127, checked);
  }

  @Test
  void bf16MidpointsTieToEven() {
    for (int b = 0; b < 0x7F7F; b++) {
      float mid = Float.intBitsToFloat((b << 16) | 0x8000);
      int even = (b & 1) == 0 ? b : b + 1;
      bf16(even, mid);
      bf16(b, Math.nextDown(mid));
      bf16(b + 1, Math.nextUp(mid));
      bf16(even | 0x8000, -mid);
    }
  }
}
