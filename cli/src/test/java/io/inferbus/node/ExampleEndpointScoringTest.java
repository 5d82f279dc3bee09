package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A newcomer's first request: the embedded node serves the example endpoint on first start, and
 * scoring it over HTTPS with its key reproduces the checked-in expected outputs.
 */
class ExampleEndpointScoringTest extends EmbeddedNodeTest {
  private static final double TOLERANCE = 1e-5;
  static String key;
  static JsonObject expected;

  @BeforeAll
  static void start() throws Exception {
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    expected = new JsonObject(Files.readString(TestNode.EXAMPLE.resolve("expected-outputs.json")));
  }

  @Test
  void firstStartRegistersTheExampleEndpointWithAllTrafficToBlue() throws Exception {
    assertEquals("credit", node.node().seededExampleEndpoint());
    HttpResponse<String> r = node.https.get(node.control() + "/endpoints/credit", node.adminToken());
    assertEquals(200, r.statusCode(), r.body());
    JsonObject endpoint = new JsonObject(r.body());
    assertEquals(100, endpoint.getJsonObject("traffic").getInteger("blue"));
    assertEquals("key", endpoint.getString("auth_mode"));
    assertEquals(node.scoring() + "/endpoints/credit/score", endpoint.getString("scoring_uri"));
  }

  @Test
  void scoringTheSampleRequestReproducesTheExpectedOutputs() throws Exception {
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", sample, "x-request-id", "newcomer-1");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("newcomer-1", r.headers().firstValue("x-request-id").orElse(null));
    assertEquals("blue", r.headers().firstValue("azureml-model-deployment").orElse(null));
    JsonObject answer = new JsonObject(r.body());
    JsonObject outputs = expected.getJsonObject("outputs");
    assertNested(outputs.getJsonArray("probabilities"), answer.getJsonArray("probabilities"));
    assertEquals(outputs.getJsonArray("label"), answer.getJsonArray("label"));
  }

  @Test
  void scoringWithoutARequestIdGetsAGeneratedOne() throws Exception {
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", sample);
    assertEquals(200, r.statusCode(), r.body());
    String id = r.headers().firstValue("x-request-id").orElse("");
    assertTrue(id.matches("[0-9a-f-]{36}"), "generated request id: " + id);
  }

  @Test
  void openInferenceProtocolGivesTheSameOutputs() throws Exception {
    JsonArray rows = expected.getJsonArray("input_data");
    JsonArray flat = new JsonArray();
    rows.forEach(row -> ((JsonArray) row).forEach(flat::add));
    JsonObject request = new JsonObject().put("id", "req-42").put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "features").put("datatype", "FP32")
        .put("shape", new JsonArray().add(rows.size()).add(rows.getJsonArray(0).size()))
        .put("data", flat)));
    HttpResponse<String> r = node.https.json("POST", node.scoring() + "/v2/models/credit/infer", key, request);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals("req-42", answer.getString("id"));
    assertEquals("credit", answer.getString("model_name"));
    assertEquals("blue", answer.getString("model_version"));
    JsonObject probabilities = null;
    JsonObject label = null;
    for (Object o : answer.getJsonArray("outputs")) {
      JsonObject out = (JsonObject) o;
      if (out.getString("name").equals("probabilities")) {
        probabilities = out;
      } else if (out.getString("name").equals("label")) {
        label = out;
      }
    }
    assertNotNull(probabilities, r.body());
    assertNotNull(label, r.body());
    assertEquals("FP32", probabilities.getString("datatype"));
    assertEquals(new JsonArray().add(rows.size()).add(2), probabilities.getJsonArray("shape"));
    assertEquals("INT64", label.getString("datatype"));
    JsonArray expectedFlat = new JsonArray();
    expected.getJsonObject("outputs").getJsonArray("probabilities").forEach(row -> ((JsonArray) row).forEach(expectedFlat::add));
    assertNested(expectedFlat, probabilities.getJsonArray("data"));
    assertEquals(expected.getJsonObject("outputs").getJsonArray("label"), label.getJsonArray("data"));
  }

  @Test
  void requestedOutputsLimitTheAnswer() throws Exception {
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "features").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(7))
        .put("data", expected.getJsonArray("input_data").getJsonArray(0))))
        .put("outputs", new JsonArray().add(new JsonObject().put("name", "label")));
    HttpResponse<String> r = node.https.json("POST", node.scoring() + "/v2/models/credit/infer", key, request);
    assertEquals(200, r.statusCode(), r.body());
    JsonArray outputs = new JsonObject(r.body()).getJsonArray("outputs");
    assertEquals(1, outputs.size());
    assertEquals("label", outputs.getJsonObject(0).getString("name"));
  }

  @Test
  void modelMetadataShowsTheSignatureWithDynamicBatch() throws Exception {
    HttpResponse<String> r = node.https.get(node.scoring() + "/v2/models/credit", key);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject input = new JsonObject(r.body()).getJsonArray("inputs").getJsonObject(0);
    assertEquals("features", input.getString("name"));
    assertEquals("FP32", input.getString("datatype"));
    assertEquals(new JsonArray().add(-1).add(7), input.getJsonArray("shape"));
  }

  @Test
  void portsAndClientFilesTellCallersWhereToGo() throws Exception {
    JsonObject ports = new JsonObject(Files.readString(dataDir.resolve("ports.json")));
    assertEquals(node.node().gatewayPort(), ports.getInteger("gateway"));
    assertEquals(node.node().controlPort(), ports.getInteger("control"));
    assertEquals(node.node().managementPort(), ports.getInteger("management"));
    assertEquals(node.node().nodeId(), ports.getString("node_id"));
    JsonObject client = new JsonObject(Files.readString(dataDir.resolve("client.json")));
    assertEquals(node.control(), client.getString("control_plane_url"));
    assertTrue(Path.of(client.getString("ca_file")).isAbsolute());
    assertTrue(Files.exists(Path.of(client.getString("ca_file"))));
  }

  @Test
  void healthAndMetricsAnswerOnTheManagementPort() throws Exception {
    java.net.http.HttpClient plain = java.net.http.HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + node.node().managementPort();
    var ready = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode(), ready.body());
    var metrics = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("vertx_http_server_requests_total"), "Prometheus text with Vert.x HTTP metrics");
  }

  private static void assertNested(JsonArray expected, JsonArray actual) {
    assertEquals(expected.size(), actual.size(), "length of " + actual);
    for (int i = 0; i < expected.size(); i++) {
      Object e = expected.getValue(i);
      Object a = actual.getValue(i);
      if (e instanceof JsonArray ea) {
        assertNested(ea, (JsonArray) a);
      } else {
        assertEquals(((Number) e).doubleValue(), ((Number) a).doubleValue(), TOLERANCE, "element " + i);
      }
    }
  }
}
