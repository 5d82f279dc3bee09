package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A developer generating a client for an endpoint, as from Azure ML's {@code openapi_uri}: the
 * endpoint's {@code openapi_uri} serves an OpenAPI 3 document of its scoring route, authenticated as
 * scoring is, whose schemas come from the live deployments' models and whose example scores.
 */
class EndpointOpenApiTest extends EmbeddedNodeTest {
  static String key;
  static String openapiUri;

  @BeforeAll
  static void start() throws Exception {
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    HttpResponse<String> endpoint = node.https.get(node.control() + "/endpoints/credit", node.adminToken());
    assertEquals(200, endpoint.statusCode(), endpoint.body());
    openapiUri = new JsonObject(endpoint.body()).getString("openapi_uri");
  }

  @Test
  void theOpenapiUriIsTheEndpointsSwaggerJsonOnTheScoringPort() {
    assertEquals(node.scoring() + "/endpoints/credit/swagger.json", openapiUri);
  }

  @Test
  void theDocumentDescribesTheExampleModelsScoringRoute() throws Exception {
    HttpResponse<String> r = node.https.get(openapiUri, key);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
    assertTrue(r.headers().firstValue("x-request-id").isPresent());
    JsonObject doc = new JsonObject(r.body());
    assertEquals("3.0.1", doc.getString("openapi"));
    assertEquals("credit", doc.getJsonObject("info").getString("title"));
    assertFalse(doc.getJsonObject("info").getString("version", "").isEmpty());
    assertEquals(node.scoring(), doc.getJsonArray("servers").getJsonObject(0).getString("url"),
        "the server is where the caller reached the gateway");

    JsonObject post = post(doc);
    assertEquals(new JsonArray().add(new JsonObject().put("bearer", new JsonArray())), post.getJsonArray("security"));
    JsonObject bearer = component(doc, "securitySchemes", "bearer");
    assertEquals("http", bearer.getString("type"));
    assertEquals("bearer", bearer.getString("scheme"));
    assertTrue(post.getJsonObject("responses").fieldNames().containsAll(
        Set.of("200", "400", "401", "403", "404", "408", "413", "424", "429", "503")));

    // features FP32 [-1, 7]: rows of 7 numbers, any number of rows, alone or by name
    JsonArray either = component(doc, "schemas", "ScoreInputs").getJsonArray("oneOf");
    JsonObject rows = either.getJsonObject(0);
    assertEquals("array", rows.getString("type"));
    assertEquals(null, rows.getValue("maxItems"));
    assertEquals(7, rows.getJsonObject("items").getInteger("minItems"));
    assertEquals(7, rows.getJsonObject("items").getInteger("maxItems"));
    assertEquals("number", rows.getJsonObject("items").getJsonObject("items").getString("type"));
    assertEquals(new JsonArray().add("features"), either.getJsonObject(1).getJsonArray("required"));

    // probabilities FP32 [-1, 2] and label INT64 [-1]
    JsonObject response = component(doc, "schemas", "ScoreResponse");
    assertEquals(new JsonArray().add("probabilities").add("label"), response.getJsonArray("required"));
    JsonObject probabilities = response.getJsonObject("properties").getJsonObject("probabilities");
    assertEquals(2, probabilities.getJsonObject("items").getInteger("maxItems"));
    assertEquals("number", probabilities.getJsonObject("items").getJsonObject("items").getString("type"));
    assertEquals("integer", response.getJsonObject("properties").getJsonObject("label")
        .getJsonObject("items").getString("type"));
  }

  @Test
  void aRequestBuiltFromTheDocumentsExampleScores() throws Exception {
    JsonObject doc = new JsonObject(node.https.get(openapiUri, key).body());
    JsonObject example = post(doc).getJsonObject("requestBody").getJsonObject("content")
        .getJsonObject("application/json").getJsonObject("example");
    assertNotNull(example, doc.encodePrettily());
    String url = doc.getJsonArray("servers").getJsonObject(0).getString("url")
        + doc.getJsonObject("paths").fieldNames().iterator().next();
    HttpResponse<String> r = node.https.send("POST", url, key, "application/json",
        example.encode().getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.statusCode(), r.body());
    JsonObject answer = new JsonObject(r.body());
    assertEquals(Set.of("probabilities", "label"), answer.fieldNames(), "the outputs the document promised");
    assertEquals(2, answer.getJsonArray("probabilities").getJsonArray(0).size());
  }

  @Test
  void theDocumentIsAuthenticatedLikeScoring() throws Exception {
    assertError(node.https.get(openapiUri, null), 401, "Unauthorized");
    assertError(node.https.get(openapiUri, "not-the-key"), 401, "Unauthorized");
    assertError(node.https.get(node.scoring() + "/endpoints/nosuch/swagger.json", key), 404, "NotFound");
  }

  @Test
  void anEndpointWithoutTrafficHasNoDocument() throws Exception {
    String token = node.adminToken();
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/idle", token, new JsonObject()).statusCode());
    String idleKey = node.primaryKey("idle");
    String uri = new JsonObject(node.https.get(node.control() + "/endpoints/idle", token).body())
        .getString("openapi_uri");
    Await.until("the gateway knows endpoint idle", Duration.ofSeconds(30), () -> {
      HttpResponse<String> r = get(uri, idleKey);
      return r.statusCode() == 404 && r.body().contains("no deployment with traffic");
    });
  }

  @Test
  void deploymentsWithDifferentModelsMakeTheSchemasOneOfTheirSignatures() throws Exception {
    String mixedKey = node.deploy("mixed", "blue",
        TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx"), new JsonObject(), true);
    node.deploy("mixed", "green", TestNode.TEST_MODELS.resolve("zipmap-classifier.onnx"), new JsonObject(), false);
    HttpResponse<String> traffic = node.https.json("PATCH", node.control() + "/endpoints/mixed", node.adminToken(),
        new JsonObject().put("traffic", new JsonObject().put("blue", 70).put("green", 30)));
    assertEquals(200, traffic.statusCode(), traffic.body());
    String uri = node.scoring() + "/endpoints/mixed/swagger.json";
    Await.until("the document shows green's model", Duration.ofSeconds(30), () -> get(uri, mixedKey).body()
        .contains("ScoreRequest_green"));

    JsonObject doc = new JsonObject(node.https.get(uri, mixedKey).body());
    assertEquals(List.of("#/components/schemas/ScoreRequest_blue", "#/components/schemas/ScoreRequest_green"),
        component(doc, "schemas", "ScoreRequest").getJsonArray("oneOf").stream()
            .map(ref -> ((JsonObject) ref).getString("$ref")).toList());
    JsonObject zipmapProbabilities = component(doc, "schemas", "ScoreResponse_green").getJsonObject("properties")
        .getJsonObject("probabilities");
    assertEquals("object", zipmapProbabilities.getJsonObject("items").getString("type"),
        "the sequence of maps /score answers is a list of objects: " + zipmapProbabilities);
  }

  private static HttpResponse<String> get(String url, String bearer) {
    try {
      return node.https.get(url, bearer);
    } catch (Exception e) {
      throw new AssertionError("GET " + url, e);
    }
  }

  private static JsonObject post(JsonObject doc) {
    JsonObject paths = doc.getJsonObject("paths");
    assertEquals(Set.of("/endpoints/" + doc.getJsonObject("info").getString("title") + "/score"), paths.fieldNames());
    return paths.getJsonObject(paths.fieldNames().iterator().next()).getJsonObject("post");
  }

  private static JsonObject component(JsonObject doc, String kind, String name) {
    return doc.getJsonObject("components").getJsonObject(kind).getJsonObject(name);
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals(code, new JsonObject(r.body()).getJsonObject("error").getString("code"), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent());
  }
}
