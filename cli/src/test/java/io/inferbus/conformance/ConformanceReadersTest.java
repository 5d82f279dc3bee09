package io.inferbus.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conformance test's own readers and comparison, on hand-encoded protobuf and JSON. */
class ConformanceReadersTest {

  @Test
  void tensorProtoWithPackedFieldsAndRawData() {
    byte[] raw = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN).putShort((short) -2).putShort((short) 7)
        .putShort((short) 300).array();
    byte[] proto = new Pb().packed(1, 1, 3).varint(2, TensorValue.INT16).bytes(8, "x").bytes(9, raw).done();
    TensorValue t = TensorValue.parse(proto);
    assertEquals("x", t.name());
    assertArrayEquals(new long[] {1, 3}, t.dims());
    assertArrayEquals(new long[] {-2, 7, 300}, (long[]) t.data());
  }

  @Test
  void tensorProtoWithUnpackedDimsAndTypedFields() {
    byte[] floats = new Pb().varint(1, 2).varint(2, TensorValue.FLOAT)
        .fixed32(4, Float.floatToIntBits(1.5f)).fixed32(4, Float.floatToIntBits(Float.NaN)).done();
    TensorValue f = TensorValue.parse(floats);
    assertEquals(1.5f, ((float[]) f.data())[0]);
    assertTrue(f.hasNonFinite());

    // FLOAT16 bits in int32_data; UINT64 above 2^63 in uint64_data; strings in string_data
    TensorValue half = TensorValue.parse(new Pb().varint(1, 1).varint(2, TensorValue.FLOAT16).packed(5, 0x3C00).done());
    assertEquals(1.0, half.real(0));
    TensorValue u64 = TensorValue.parse(new Pb().varint(1, 1).varint(2, TensorValue.UINT64).packed(11, -1L).done());
    assertEquals(-1L, ((long[]) u64.data())[0]);
    TensorValue s = TensorValue.parse(new Pb().varint(1, 2).varint(2, TensorValue.STRING).bytes(6, "a")
        .bytes(6, "é").done());
    assertArrayEquals(new String[] {"a", "é"}, (String[]) s.data());
    TensorValue scalar = TensorValue.parse(new Pb().varint(2, TensorValue.INT8).packed(5, -3).done());
    assertArrayEquals(new long[0], scalar.dims());
    assertArrayEquals(new long[] {-3}, (long[]) scalar.data());
  }

  @Test
  void modelSignatureLeavesOutInitializersAndNamesNonTensors() {
    byte[] tensorType = new Pb().message(1, new Pb().varint(1, TensorValue.FLOAT)).done();
    byte[] graph = new Pb()
        .message(5, new Pb().bytes(8, "w"))
        .message(11, new Pb().bytes(1, "x").bytes(2, tensorType))
        .message(11, new Pb().bytes(1, "w").bytes(2, tensorType))
        .message(11, new Pb().bytes(1, "seq").message(2, new Pb().message(4, new Pb())))
        .message(12, new Pb().bytes(1, "y").bytes(2, tensorType))
        .done();
    ModelSignature sig = ModelSignature.parse(new Pb().varint(1, 8).bytes(7, graph).done());
    assertEquals(List.of("x", "seq"), sig.inputs().stream().map(ModelSignature.Value::name).toList());
    assertEquals(TensorValue.FLOAT, sig.inputs().get(0).elemType());
    assertEquals("input seq: sequence", sig.firstNonTensor());
  }

  @Test
  void comparisonUsesRtolAndAtolWithNanEqualToNan() {
    float[] expected = {1000f, 0f, Float.NaN, Float.POSITIVE_INFINITY};
    TensorValue e = new TensorValue("y", TensorValue.FLOAT, new long[] {4}, expected);
    assertNull(Comparison.differs("y", e, new TensorValue("y", TensorValue.FLOAT, new long[] {4},
        new float[] {1000.9f, 9e-6f, Float.NaN, Float.POSITIVE_INFINITY})));
    assertNotNull(Comparison.differs("y", e, new TensorValue("y", TensorValue.FLOAT, new long[] {4},
        new float[] {1001.1f, 0f, Float.NaN, Float.POSITIVE_INFINITY})));
    assertNotNull(Comparison.differs("y", e, new TensorValue("y", TensorValue.FLOAT, new long[] {4},
        new float[] {1000f, 0f, 0f, Float.POSITIVE_INFINITY})));
    assertTrue(Comparison.differs("y", e, new TensorValue("y", TensorValue.FLOAT, new long[] {2, 2}, expected))
        .contains("shape"));
    assertTrue(Comparison.differs("y", e, new TensorValue("y", TensorValue.DOUBLE, new long[] {4}, new double[4]))
        .contains("DOUBLE"));
  }

  @Test
  void v2OutputsTakeNanStringsAndUnsigned64() {
    TensorValue f = V2Json.output(new JsonObject("{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[3],"
        + "\"data\":[1.5,\"NaN\",\"-Infinity\"]}"));
    assertEquals(Float.NEGATIVE_INFINITY, ((float[]) f.data())[2]);
    assertTrue(Float.isNaN(((float[]) f.data())[1]));
    TensorValue u = V2Json.output(new JsonObject("{\"name\":\"y\",\"datatype\":\"UINT64\",\"shape\":[],"
        + "\"data\":[18446744073709551615]}"));
    assertEquals(-1L, ((long[]) u.data())[0]);
    String request = new String(V2Json.request("r", List.of("x"), List.of(new TensorValue("x", TensorValue.UINT8,
        new long[] {2}, new long[] {0, 255}))), StandardCharsets.UTF_8);
    assertEquals("{\"id\":\"r\",\"inputs\":[{\"name\":\"x\",\"datatype\":\"UINT8\",\"shape\":[2],\"data\":[0,255]}]}",
        request);
  }

  /** A tiny protobuf writer for the tests above. */
  private static final class Pb {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pb varint(int field, long v) {
      tag(field, 0);
      raw(v);
      return this;
    }

    Pb fixed32(int field, int v) {
      tag(field, 5);
      for (int i = 0; i < 4; i++) {
        out.write(v >>> (8 * i));
      }
      return this;
    }

    Pb packed(int field, long... values) {
      Pb body = new Pb();
      for (long v : values) {
        body.raw(v);
      }
      return bytes(field, body.done());
    }

    Pb bytes(int field, String s) {
      return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Pb bytes(int field, byte[] b) {
      tag(field, 2);
      raw(b.length);
      out.writeBytes(b);
      return this;
    }

    Pb message(int field, Pb m) {
      return bytes(field, m.done());
    }

    byte[] done() {
      return out.toByteArray();
    }

    private void tag(int field, int wireType) {
      raw((long) field << 3 | wireType);
    }

    private void raw(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) (v & 0x7F) | 0x80);
        v >>>= 7;
      }
      out.write((int) v);
    }
  }
}
