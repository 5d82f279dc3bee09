package io.inferbus.gateway.openapi;

import static io.inferbus.gateway.openapi.Signatures.CREDIT;
import static io.inferbus.gateway.openapi.Signatures.FIXED;
import static io.inferbus.gateway.openapi.Signatures.TWO_INPUTS;
import static io.inferbus.gateway.openapi.Signatures.ZIPMAP;
import static io.inferbus.gateway.openapi.Signatures.document;
import static io.inferbus.gateway.openapi.Signatures.schema;
import static io.inferbus.gateway.openapi.Signatures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.ModelSignature;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document of an endpoint as a client generator reads it: the scoring operation with its
 * auth, headers and errors, the request schema of each model signature (one input, several, fixed
 * and dynamic dimensions, every datatype), the response schema (tensors and sequences of maps), and
 * {@code oneOf} when the deployments with traffic serve different signatures.
 */
class OpenApiDocumentTest {
  private static final String REF = "$ref";

  @Test
  void theDocumentDescribesTheEndpointsScoringOperation() {
    JsonObject doc = document("blue", CREDIT);
    assertEquals("3.0.1", doc.getString("openapi"));
    assertEquals("credit", doc.getJsonObject("info").getString("title"));
    assertFalse(doc.getJsonObject("info").getString("version").isEmpty());
    assertEquals(new JsonArray().add(new JsonObject().put("url", Signatures.BASE_URL)), doc.getJsonArray("servers"));
    assertEquals(Set.of("/endpoints/credit/score"), doc.getJsonObject("paths").fieldNames());
    JsonObject post = doc.getJsonObject("paths").getJsonObject("/endpoints/credit/score").getJsonObject("post");

    JsonObject body = post.getJsonObject("requestBody");
    assertTrue(body.getBoolean("required"));
    assertEquals("#/components/schemas/ScoreRequest",
        body.getJsonObject("content").getJsonObject("application/json").getJsonObject("schema").getString(REF));

    JsonObject responses = post.getJsonObject("responses");
    assertEquals(Set.of("200", "400", "401", "403", "404", "408", "413", "424", "429", "503"), responses.fieldNames());
    assertEquals("#/components/schemas/ScoreResponse", responses.getJsonObject("200").getJsonObject("content")
        .getJsonObject("application/json").getJsonObject("schema").getString(REF));
    assertEquals("#/components/headers/RequestId",
        responses.getJsonObject("200").getJsonObject("headers").getJsonObject("x-request-id").getString(REF));
    assertEquals("#/components/responses/Unauthorized", responses.getJsonObject("401").getString(REF));
    assertEquals("#/components/responses/ModelError", responses.getJsonObject("424").getString(REF));
    JsonObject components = doc.getJsonObject("components");
    JsonObject tooMany = components.getJsonObject("responses").getJsonObject("TooManyRequests");
    assertEquals("#/components/schemas/Error", tooMany.getJsonObject("content").getJsonObject("application/json")
        .getJsonObject("schema").getString(REF));
    assertTrue(tooMany.getJsonObject("headers").containsKey("x-request-id"), "every answer has the request id");
    assertTrue(components.getJsonObject("responses").getJsonObject("ModelError").getJsonObject("headers")
        .containsKey("ms-azureml-model-error-statuscode"));
    JsonObject error = schema(doc, "Error").getJsonObject("properties").getJsonObject("error");
    assertEquals(new JsonArray().add("code").add("message"), error.getJsonArray("required"));

    assertEquals(new JsonArray().add(new JsonObject().put("bearer", new JsonArray())), post.getJsonArray("security"));
    JsonObject bearer = components.getJsonObject("securitySchemes").getJsonObject("bearer");
    assertEquals("http", bearer.getString("type"));
    assertEquals("bearer", bearer.getString("scheme"));
    assertNull(bearer.getValue("bearerFormat"), "an endpoint key is no JWT");

    List<String> parameters = post.getJsonArray("parameters").stream()
        .map(p -> ((JsonObject) p).getString(REF)).toList();
    assertEquals(List.of("#/components/parameters/ModelDeployment", "#/components/parameters/RequestId"), parameters);
    JsonObject pin = components.getJsonObject("parameters").getJsonObject("ModelDeployment");
    assertEquals("azureml-model-deployment", pin.getString("name"));
    assertEquals("header", pin.getString("in"));
    assertFalse(pin.getBoolean("required"));
  }

  @Test
  void tokenEndpointsSayTheBearerIsAJwt() {
    JsonObject doc = OpenApiDocument.build("fraud", "aml_token", Signatures.BASE_URL, Map.of("blue", CREDIT));
    assertEquals("JWT", doc.getJsonObject("components").getJsonObject("securitySchemes").getJsonObject("bearer")
        .getString("bearerFormat"));
  }

  @Test
  void aOneInputModelTakesItsNestedArrayOrItsInputByName() {
    JsonObject doc = document("blue", CREDIT);
    List<JsonObject> forms = forms(schema(doc, "ScoreRequest"));
    assertEquals(List.of("input_data", "data"), forms.stream().map(f -> f.getString("title")).toList());
    for (JsonObject form : forms) {
      String field = form.getString("title");
      assertEquals(new JsonArray().add(field), form.getJsonArray("required"));
      assertEquals(false, form.getValue("additionalProperties"), "input_data and data exclude each other");
      assertEquals(Set.of(field, "params"), form.getJsonObject("properties").fieldNames());
      assertEquals("#/components/schemas/ScoreInputs",
          form.getJsonObject("properties").getJsonObject(field).getString(REF));
    }
    JsonArray either = schema(doc, "ScoreInputs").getJsonArray("oneOf");
    JsonObject nested = either.getJsonObject(0);
    assertEquals("array", nested.getString("type"));
    assertEquals(1, nested.getInteger("minItems"), "an empty batch has no rows to tell the rank by");
    assertNull(nested.getValue("maxItems"), "the batch dimension is -1: any number of rows");
    JsonObject row = nested.getJsonObject("items");
    assertEquals(7, row.getInteger("minItems"));
    assertEquals(7, row.getInteger("maxItems"));
    assertEquals(new JsonObject().put("type", "number").put("format", "float"), row.getJsonObject("items"));

    JsonObject byName = either.getJsonObject(1);
    assertEquals("object", byName.getString("type"));
    assertEquals(new JsonArray().add("features"), byName.getJsonArray("required"));
    assertEquals(nested, byName.getJsonObject("properties").getJsonObject("features"));

    JsonObject example = new JsonObject().put("input_data", new JsonArray().add(new JsonArray()
        .add(0.0).add(0.0).add(0.0).add(0.0).add(0.0).add(0.0).add(0.0)));
    assertEquals(example, requestExample(doc), "one row of zeros");
  }

  @Test
  void aModelWithSeveralInputsTakesThemByName() {
    JsonObject doc = document("blue", TWO_INPUTS);
    JsonObject inputs = schema(doc, "ScoreInputs");
    assertNull(inputs.getValue("oneOf"), "no bare nested array: it would not say which input it is");
    assertEquals("object", inputs.getString("type"));
    assertEquals(new JsonArray().add("a").add("b"), inputs.getJsonArray("required"));
    assertEquals(false, inputs.getValue("additionalProperties"), "an unknown input is refused");
    JsonObject a = inputs.getJsonObject("properties").getJsonObject("a");
    assertEquals(new JsonObject().put("type", "number").put("format", "double"),
        a.getJsonObject("items").getJsonObject("items"));
    JsonArray row = new JsonArray().add(0.0).add(0.0).add(0.0);
    assertEquals(new JsonObject().put("input_data", new JsonObject().put("a", new JsonArray().add(row))
        .put("b", new JsonArray().add(row.copy()))), requestExample(doc));
  }

  @Test
  void fixedDimensionsBoundTheArraysAndDynamicOnesLeaveThemFree() {
    JsonObject fixed = tensorOf(document("blue", FIXED));
    assertEquals(2, fixed.getInteger("minItems"));
    assertEquals(2, fixed.getInteger("maxItems"));
    assertEquals(3, fixed.getJsonObject("items").getInteger("minItems"));
    assertEquals(3, fixed.getJsonObject("items").getInteger("maxItems"));

    ModelSignature dynamic = new ModelSignature(List.of(spec("x", DataType.FP32, -1, -1, 4)), List.of());
    JsonObject outer = tensorOf(document("blue", dynamic));
    JsonObject middle = outer.getJsonObject("items");
    JsonObject inner = middle.getJsonObject("items");
    assertEquals(1, outer.getInteger("minItems"));
    assertEquals(1, middle.getInteger("minItems"));
    assertNull(outer.getValue("maxItems"));
    assertNull(middle.getValue("maxItems"));
    assertEquals(4, inner.getInteger("minItems"));
    assertEquals(4, inner.getInteger("maxItems"));
    assertEquals(new JsonObject().put("type", "number").put("format", "float"), inner.getJsonObject("items"));

    ModelSignature lastDynamic = new ModelSignature(List.of(spec("x", DataType.FP32, -1)), List.of());
    assertNull(tensorOf(document("blue", lastDynamic)).getValue("minItems"), "[] is a valid tensor of shape [0]");

    ModelSignature scalar = new ModelSignature(List.of(spec("x", DataType.INT64)), List.of());
    JsonObject rank0 = tensorOf(document("blue", scalar));
    assertEquals("integer", rank0.getString("type"), "a rank-0 input is its one element");
    assertEquals(new JsonObject().put("input_data", 0), requestExample(document("blue", scalar)));
  }

  @Test
  void elementsHaveTheJsonTypeTheDecoderTakesForTheirDatatype() {
    assertEquals("number", OpenApiDocument.elementSchema(DataType.FP16).getString("type"));
    assertEquals("number", OpenApiDocument.elementSchema(DataType.BF16).getString("type"));
    assertEquals(new JsonObject().put("type", "integer").put("format", "int32").put("minimum", -128)
        .put("maximum", 127), OpenApiDocument.elementSchema(DataType.INT8));
    assertEquals(255L, OpenApiDocument.elementSchema(DataType.UINT8).getLong("maximum"));
    assertEquals(-32768L, OpenApiDocument.elementSchema(DataType.INT16).getLong("minimum"));
    assertEquals(65535L, OpenApiDocument.elementSchema(DataType.UINT16).getLong("maximum"));
    assertEquals("int32", OpenApiDocument.elementSchema(DataType.INT32).getString("format"));
    assertEquals(4294967295L, OpenApiDocument.elementSchema(DataType.UINT32).getLong("maximum"));
    assertEquals("int64", OpenApiDocument.elementSchema(DataType.INT64).getString("format"));
    assertEquals(0L, OpenApiDocument.elementSchema(DataType.UINT64).getLong("minimum"));
    assertNull(OpenApiDocument.elementSchema(DataType.UINT64).getValue("format"), "2^64-1 is beyond int64");
    assertEquals(new JsonObject().put("type", "boolean"), OpenApiDocument.elementSchema(DataType.BOOL));
    assertEquals(new JsonObject().put("type", "string"), OpenApiDocument.elementSchema(DataType.BYTES));
  }

  @Test
  void theResponseHasEveryOutputAsANestedArray() {
    JsonObject response = schema(document("blue", TWO_INPUTS), "ScoreResponse");
    assertEquals("object", response.getString("type"));
    assertEquals(new JsonArray().add("sum").add("flag").add("count"), response.getJsonArray("required"),
        "the Azure-style route always answers every output");
    JsonObject flag = response.getJsonObject("properties").getJsonObject("flag");
    assertNull(flag.getValue("minItems"), "an answer's batch may be empty");
    assertEquals(3, flag.getJsonObject("items").getInteger("maxItems"));
    assertEquals(new JsonObject().put("type", "boolean"), flag.getJsonObject("items").getJsonObject("items"));
  }

  @Test
  void aSequenceOfMapsOutputIsAListOfObjects() {
    JsonObject probabilities = schema(document("blue", ZIPMAP), "ScoreResponse").getJsonObject("properties")
        .getJsonObject("probabilities");
    assertEquals("array", probabilities.getString("type"));
    JsonObject row = probabilities.getJsonObject("items");
    assertEquals("object", row.getString("type"));
    assertEquals(new JsonObject().put("type", "number").put("format", "float"),
        row.getJsonObject("additionalProperties"));

    ModelSignature bytes = new ModelSignature(ZIPMAP.inputs(), ZIPMAP.outputs());
    JsonObject asTensor = schema(document("blue", bytes), "ScoreResponse").getJsonObject("properties")
        .getJsonObject("probabilities");
    assertEquals(new JsonObject().put("type", "string"), asTensor.getJsonObject("items"),
        "without map_outputs (a node older than it) the output reads as the BYTES tensor it is listed as");
  }

  @Test
  void deploymentsWithDifferentSignaturesMakeTheSchemasOneOf() {
    JsonObject doc = document("blue", CREDIT, "green", TWO_INPUTS, "gold", CREDIT);
    assertEquals(new JsonArray()
            .add(new JsonObject().put(REF, "#/components/schemas/ScoreRequest_blue"))
            .add(new JsonObject().put(REF, "#/components/schemas/ScoreRequest_green")),
        schema(doc, "ScoreRequest").getJsonArray("oneOf"), "one schema per distinct signature, by traffic");
    assertEquals(new JsonArray()
            .add(new JsonObject().put(REF, "#/components/schemas/ScoreResponse_blue"))
            .add(new JsonObject().put(REF, "#/components/schemas/ScoreResponse_green")),
        schema(doc, "ScoreResponse").getJsonArray("oneOf"));
    assertEquals("#/components/schemas/ScoreInputs_green", forms(schema(doc, "ScoreRequest_green")).get(0)
        .getJsonObject("properties").getJsonObject("input_data").getString(REF));
    assertTrue(schema(doc, "ScoreRequest_blue").getString("description").contains("deployments blue, gold"),
        schema(doc, "ScoreRequest_blue").getString("description"));
    assertNull(schema(doc, "ScoreRequest_gold"), "gold serves blue's signature");
    assertEquals(schema(doc, "ScoreRequest_blue").getValue("example"), requestExample(doc),
        "the operation's example suits the deployment with the most traffic");
  }

  @Test
  void deploymentsWithTheSameSignatureShareOneSchema() {
    JsonObject doc = document("blue", CREDIT, "green", CREDIT);
    assertEquals(Set.of("ScoreInputs", "ScoreRequest", "ScoreResponse", "Error"),
        doc.getJsonObject("components").getJsonObject("schemas").fieldNames());
    assertEquals(schema(document("blue", CREDIT), "ScoreInputs"), schema(doc, "ScoreInputs"));
  }

  @Test
  void theVersionChangesWithTheSignaturesAndOnlyWithThem() {
    String credit = version(document("blue", CREDIT));
    assertEquals(credit, version(document("green", CREDIT)), "the deployment's name is not the API");
    assertNotEquals(credit, version(document("blue", FIXED)));
    assertEquals(version(document("blue", CREDIT, "green", ZIPMAP)), version(document("green", ZIPMAP, "blue", CREDIT)),
        "a change of weights that reorders the deployments changes no schema");
    assertNotEquals(version(document("blue", ZIPMAP)),
        version(document("blue", new ModelSignature(ZIPMAP.inputs(), ZIPMAP.outputs()))));
  }

  @Test
  void anInputTooLargeToShowHasNoExample() {
    ModelSignature image = new ModelSignature(List.of(spec("pixels", DataType.FP32, -1, 3, 224, 224)),
        List.of(spec("logits", DataType.FP32, -1, 1000)));
    JsonObject doc = document("blue", image);
    assertNull(requestExample(doc));
    assertNull(schema(doc, "ScoreRequest").getValue("example"));
    assertTrue(doc.encode().length() < 20_000, "the document stays small: " + doc.encode().length());
  }

  @Test
  void aDocumentNeedsASignature() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> OpenApiDocument.build("credit", "key", Signatures.BASE_URL, Map.of()));
  }

  private static List<JsonObject> forms(JsonObject request) {
    return request.getJsonArray("oneOf").stream().map(o -> (JsonObject) o).toList();
  }

  /** The nested-array schema of the document's only input. */
  private static JsonObject tensorOf(JsonObject doc) {
    JsonObject inputs = schema(doc, "ScoreInputs");
    return inputs.getJsonArray("oneOf").getJsonObject(0);
  }

  private static Object requestExample(JsonObject doc) {
    return doc.getJsonObject("paths").getJsonObject("/endpoints/credit/score").getJsonObject("post")
        .getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json").getValue("example");
  }

  private static String version(JsonObject doc) {
    return doc.getJsonObject("info").getString("version");
  }
}
