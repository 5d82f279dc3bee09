package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Open Inference Protocol's binary tensor data extension through the gateway on the example
 * model: binary inputs and binary outputs reproduce the expected outputs; `GET /v2` lists the
 * extension. Bad inputs tried: an Inference-Header-Content-Length that is not a number, signed,
 * negative, or past the body (however large); binary_data_size disagreeing with the shape; bytes
 * left over after the inputs.
 * Each is a 400 in the protocol's own error shape, and the endpoint serves correctly afterwards.
 */
class BinaryTensorDataScoringTest extends EmbeddedNodeTest {
  private static final double TOLERANCE = 1e-5;
  static String key;
  static JsonObject expected;

  @BeforeAll
  static void start() throws Exception {
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    expected = new JsonObject(Files.readString(TestNode.EXAMPLE.resolve("expected-outputs.json")));
  }

  /** A body in the extension's layout and the length of its JSON header. */
  private record BinaryRequest(Buffer body, int jsonLength) {
    String length() {
      return Integer.toString(jsonLength);
    }
  }

  /** The expected rows as binary FP32, with the JSON header that describes them. */
  private static BinaryRequest binaryRequest(JsonObject parameters, int declaredSize, Buffer extra) {
    JsonArray rows = expected.getJsonArray("input_data");
    Buffer data = Buffer.buffer();
    for (int r = 0; r < rows.size(); r++) {
      for (Object v : rows.getJsonArray(r)) {
        data.appendFloatLE(((Number) v).floatValue());
      }
    }
    JsonObject header = new JsonObject().put("id", "bin-1").put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "features").put("datatype", "FP32").put("shape", new JsonArray().add(rows.size()).add(7))
        .put("parameters", new JsonObject().put("binary_data_size", declaredSize < 0 ? data.length() : declaredSize))));
    if (parameters != null) {
      header.put("parameters", parameters);
    }
    Buffer json = header.toBuffer();
    return new BinaryRequest(json.copy().appendBuffer(data).appendBuffer(extra), json.length());
  }

  private static HttpResponse<byte[]> infer(Buffer body, String jsonLength) throws Exception {
    return node.https.sendBytes("POST", node.scoring() + "/v2/models/credit/infer", key, "application/octet-stream",
        body.getBytes(), "Inference-Header-Content-Length", jsonLength);
  }

  @Test
  void binaryInputsAndBinaryOutputsReproduceTheExpectedOutputs() throws Exception {
    BinaryRequest request = binaryRequest(new JsonObject().put("binary_data_output", true), -1, Buffer.buffer());
    HttpResponse<byte[]> r = infer(request.body(), request.length());
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(null));
    int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    Buffer answer = Buffer.buffer(r.body());
    JsonObject header = new JsonObject(answer.getBuffer(0, jsonLength));
    assertEquals("bin-1", header.getString("id"));
    JsonArray outputs = header.getJsonArray("outputs");
    JsonArray probabilities = expected.getJsonObject("outputs").getJsonArray("probabilities");
    JsonArray labels = expected.getJsonObject("outputs").getJsonArray("label");
    int at = jsonLength;
    for (Object o : outputs) {
      JsonObject out = (JsonObject) o;
      assertFalse(out.containsKey("data"), "binary outputs carry no JSON data: " + out);
      int size = out.getJsonObject("parameters").getInteger("binary_data_size");
      if (out.getString("name").equals("probabilities")) {
        assertEquals(probabilities.size() * 2 * 4, size);
        for (int row = 0; row < probabilities.size(); row++) {
          for (int c = 0; c < 2; c++) {
            double want = probabilities.getJsonArray(row).getDouble(c);
            assertEquals(want, answer.getFloatLE(at + (row * 2 + c) * 4), TOLERANCE, "row " + row + " class " + c);
          }
        }
      } else {
        assertEquals("label", out.getString("name"));
        assertEquals(labels.size() * 8, size);
        for (int row = 0; row < labels.size(); row++) {
          assertEquals(labels.getLong(row), answer.getLongLE(at + row * 8), "label of row " + row);
        }
      }
      at += size;
    }
    assertEquals(answer.length(), at, "the binary outputs fill the rest of the answer");
  }

  @Test
  void binaryInputsWithJsonOutputsAnswerPlainJson() throws Exception {
    BinaryRequest request = binaryRequest(null, -1, Buffer.buffer());
    HttpResponse<byte[]> r = infer(request.body(), request.length());
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    assertTrue(r.headers().firstValue("Inference-Header-Content-Length").isEmpty());
    JsonObject answer = new JsonObject(Buffer.buffer(r.body()));
    JsonArray labels = expected.getJsonObject("outputs").getJsonArray("label");
    for (Object o : answer.getJsonArray("outputs")) {
      JsonObject out = (JsonObject) o;
      if (out.getString("name").equals("label")) {
        assertEquals(labels, out.getJsonArray("data"));
      }
    }
  }

  @Test
  void serverMetadataListsTheExtension() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2", key);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject meta = new JsonObject(r.body());
    assertEquals("inferbus", meta.getString("name"));
    assertTrue(meta.getJsonArray("extensions").contains("binary_tensor_data"), r.body());
  }

  private static void assertRefused(HttpResponse<byte[]> r, String... parts) {
    String body = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(400, r.statusCode(), body);
    String message = new JsonObject(body).getString("error");
    for (String part : parts) {
      assertTrue(message.contains(part), () -> "message lacks <" + part + ">: " + message);
    }
  }

  @Test
  void badHeaderLengthsAndSizesAre400InTheProtocolsErrorShape() throws Exception {
    BinaryRequest request = binaryRequest(null, -1, Buffer.buffer());
    Buffer body = request.body();
    assertRefused(infer(body, "twelve"), "Inference-Header-Content-Length", "twelve");
    assertRefused(infer(body, "-1"), "Inference-Header-Content-Length");
    assertRefused(infer(body, "+" + request.jsonLength()), "Inference-Header-Content-Length", "'+");
    assertRefused(infer(body, "99999999999999999999"), "Inference-Header-Content-Length", "99999999999999999999");
    assertRefused(infer(body, Integer.toString(body.length() + 1)), "Inference-Header-Content-Length");
    assertRefused(infer(body, Integer.toString(request.jsonLength() - 3)), "malformed JSON");

    BinaryRequest wrongSize = binaryRequest(null, 12, Buffer.buffer());
    assertRefused(infer(wrongSize.body(), wrongSize.length()), "features", "binary_data_size");

    BinaryRequest leftover = binaryRequest(null, -1, Buffer.buffer(new byte[5]));
    assertRefused(infer(leftover.body(), leftover.length()), "5 bytes follow");

    HttpResponse<byte[]> after = infer(body, request.length());
    assertEquals(200, after.statusCode(), "the endpoint serves correctly after the refusals");
  }
}
