package io.inferbus.gateway.openapi;

import static io.inferbus.gateway.openapi.Signatures.CREDIT;
import static io.inferbus.gateway.openapi.Signatures.FIXED;
import static io.inferbus.gateway.openapi.Signatures.TWO_INPUTS;
import static io.inferbus.gateway.openapi.Signatures.ZIPMAP;
import static io.inferbus.gateway.openapi.Signatures.document;
import static io.inferbus.gateway.openapi.Signatures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi30;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.MapSequence;
import io.inferbus.protocol.tensor.ModelSignature;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.inferbus.protocol.tensor.Tensor;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The document as tools outside Inferbus read it: swagger-parser (what client generators and
 * gateways use) reads every document without a complaint, and a JSON Schema validator in the
 * OpenAPI 3.0 dialect finds that the request schema accepts exactly the bodies the gateway's
 * decoder accepts, and the response schema the answers its encoder writes.
 *
 * <p>The schemas cannot express one rule: rows of equal length. A ragged array passes the schema
 * and the gateway refuses it with a 400, so no ragged body is among those compared here.
 */
class OpenApiDocumentValidationTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The OpenAPI 3.0 schema dialect, told that {@code components} (where the references point) is no keyword. */
  private static final JsonMetaSchema DIALECT = JsonMetaSchema.builder(OpenApi30.getInstance())
      .keyword(new NonValidationKeyword("components")).build();
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4,
      builder -> builder.metaSchema(DIALECT).defaultMetaSchemaIri(DIALECT.getIri()));

  private static final ModelSignature EVERY_TYPE = new ModelSignature(List.of(
      spec("f16", DataType.FP16, -1), spec("i8", DataType.INT8, -1), spec("u8", DataType.UINT8, -1),
      spec("i32", DataType.INT32, -1), spec("u64", DataType.UINT64, -1), spec("flag", DataType.BOOL, -1),
      spec("text", DataType.BYTES, -1), spec("scalar", DataType.FP64)), List.of(spec("out", DataType.FP32, -1)));

  @Test
  void swaggerParserReadsEveryDocumentWithoutAComplaint() {
    List<JsonObject> documents = List.of(document("blue", CREDIT), document("blue", TWO_INPUTS),
        document("blue", FIXED), document("blue", ZIPMAP), document("blue", EVERY_TYPE),
        document("blue", CREDIT, "green", TWO_INPUTS, "gold", ZIPMAP),
        OpenApiDocument.build("fraud", "aad_token", Signatures.BASE_URL, Map.of("blue", CREDIT)));
    for (JsonObject doc : documents) {
      ParseOptions options = new ParseOptions();
      options.setResolve(true);
      SwaggerParseResult result = new OpenAPIV3Parser().readContents(doc.encode(), null, options);
      assertEquals(List.of(), result.getMessages(), doc.encodePrettily());
      OpenAPI api = result.getOpenAPI();
      assertNotNull(api);
      assertEquals("3.0.1", api.getOpenapi());
      assertEquals(Signatures.BASE_URL, api.getServers().get(0).getUrl());
      var post = api.getPaths().get("/endpoints/" + api.getInfo().getTitle() + "/score").getPost();
      assertNotNull(post.getRequestBody().getContent().get("application/json").getSchema());
      assertEquals(Set.of("200", "400", "401", "403", "404", "408", "413", "424", "429", "503"),
          post.getResponses().keySet());
      assertEquals("bearer", api.getComponents().getSecuritySchemes().get("bearer").getScheme());
      Schema<?> request = api.getComponents().getSchemas().get("ScoreRequest");
      assertNotNull(request.getOneOf(), "ScoreRequest is oneOf its forms or its signatures");
    }
  }

  @Test
  void aOneInputModelsSchemaAcceptsWhatTheDecoderAccepts() {
    String row = "[6, 1169, 4, 4, 67, 2, 1]";
    agree(CREDIT, List.of(
        "{'input_data': [" + row + "]}",
        "{'input_data': [" + row + ", " + row + "]}",
        "{'data': [" + row + "]}",
        "{'input_data': {'features': [" + row + "]}}",
        "{'data': {'features': [" + row + "]}}",
        "{'input_data': [" + row + "], 'params': {'method': 'predict_proba'}}",
        "{'input_data': [[6.5, 1169, 4, 4, 67, 2, 1e3]]}"), List.of(
        "{}",
        "[]",
        "{'params': {}}",
        "{'input_data': [" + row + "], 'data': [" + row + "]}",
        "{'input_data': [" + row + "], 'extra': 1}",
        "{'inputs': [" + row + "]}",
        "{'input_data': " + row + "}",
        "{'input_data': [[1, 2, 3]]}",
        "{'input_data': [[1, 2, 3, 4, 5, 6, 7, 8]]}",
        "{'input_data': []}",
        "{'input_data': [[[1], [2], [3], [4], [5], [6], [7]]]}",
        "{'input_data': [['6', 1169, 4, 4, 67, 2, 1]]}",
        "{'input_data': [[true, 1169, 4, 4, 67, 2, 1]]}",
        "{'input_data': [[null, 1169, 4, 4, 67, 2, 1]]}",
        "{'input_data': null}",
        "{'input_data': 6}",
        "{'input_data': {}}",
        "{'input_data': {'features': [" + row + "], 'other': [" + row + "]}}",
        "{'input_data': {'other': [" + row + "]}}"));
  }

  @Test
  void aSeveralInputModelsSchemaAcceptsWhatTheDecoderAccepts() {
    agree(TWO_INPUTS, List.of(
        "{'input_data': {'a': [[1, 2, 3]], 'b': [[4, 5, 6]]}}",
        "{'data': {'b': [[4, 5, 6], [7, 8, 9]], 'a': [[1, 2, 3], [0, 0, 0]]}}"), List.of(
        "{'input_data': [[1, 2, 3]]}",
        "{'data': [[1, 2, 3]]}",
        "{'input_data': {'a': [[1, 2, 3]]}}",
        "{'input_data': {'a': [[1, 2, 3]], 'b': [[4, 5]]}}",
        "{'input_data': {'a': [[1, 2, 3]], 'b': [[4, 5, 6]], 'c': [[1, 2, 3]]}}"));
  }

  @Test
  void fixedAndDynamicDimensionsAcceptWhatTheDecoderAccepts() {
    agree(FIXED, List.of("{'input_data': [[1, 2, 3], [4, 5, 6]]}"), List.of(
        "{'input_data': [[1, 2, 3]]}",
        "{'input_data': [[1, 2, 3], [4, 5, 6], [7, 8, 9]]}",
        "{'input_data': [[1, 2], [4, 5]]}"));
    ModelSignature dynamic = new ModelSignature(List.of(spec("x", DataType.FP32, -1, -1)), List.of());
    agree(dynamic, List.of("{'input_data': [[1, 2], [3, 4]]}", "{'input_data': [[1]]}", "{'input_data': [[]]}"),
        List.of("{'input_data': []}", "{'input_data': [1, 2]}"));
    ModelSignature vector = new ModelSignature(List.of(spec("x", DataType.FP32, -1)), List.of());
    agree(vector, List.of("{'input_data': [1, 2]}", "{'input_data': []}"), List.of("{'input_data': [[1, 2]]}"));
  }

  @Test
  void everyDatatypesElementsAreAcceptedAsTheDecoderAcceptsThem() {
    Map<String, String> valid = new LinkedHashMap<>();
    valid.put("f16", "[1.5, 2]");
    valid.put("i8", "[-128, 127]");
    valid.put("u8", "[0, 255]");
    valid.put("i32", "[-2147483648, 2147483647]");
    valid.put("u64", "[0, 18446744073709551615]");
    valid.put("flag", "[true, false]");
    valid.put("text", "['a', '']");
    valid.put("scalar", "2.5");
    String[][] wrong = {{"i8", "[128]"}, {"i8", "[1.5]"}, {"u8", "[-1]"}, {"u8", "[256]"}, {"i32", "[2147483648]"},
        {"u64", "[-1]"}, {"u64", "[18446744073709551616]"}, {"flag", "[1]"}, {"flag", "['true']"},
        {"text", "[1]"}, {"f16", "['1']"}, {"scalar", "[2.5]"}};
    List<String> refused = new ArrayList<>();
    for (String[] w : wrong) {
      Map<String, String> body = new LinkedHashMap<>(valid);
      body.put(w[0], w[1]);
      refused.add(inputsByName(body));
    }
    agree(EVERY_TYPE, List.of(inputsByName(valid)), refused);
  }

  private static String inputsByName(Map<String, String> inputs) {
    List<String> fields = new ArrayList<>();
    inputs.forEach((name, value) -> fields.add("'" + name + "': " + value));
    return "{'input_data': {" + String.join(", ", fields) + "}}";
  }

  @Test
  void differentSignaturesAcceptTheBodiesOfEither() {
    JsonSchema request = schema(document("blue", CREDIT, "green", TWO_INPUTS), "ScoreRequest");
    assertTrue(valid(request, "{'input_data': [[6, 1169, 4, 4, 67, 2, 1]]}"), "blue's body");
    assertTrue(valid(request, "{'input_data': {'a': [[1, 2, 3]], 'b': [[4, 5, 6]]}}"), "green's body");
    assertEquals(false, valid(request, "{'input_data': {'a': [[1, 2, 3]]}}"), "neither's body");
  }

  @Test
  void theExampleRequestIsValidAndDecodes() {
    for (ModelSignature signature : List.of(CREDIT, TWO_INPUTS, FIXED, ZIPMAP, EVERY_TYPE)) {
      JsonObject doc = document("blue", signature);
      Object example = doc.getJsonObject("paths").getJsonObject("/endpoints/credit/score").getJsonObject("post")
          .getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json")
          .getValue("example");
      String body = ((JsonObject) example).encode();
      assertTrue(valid(schema(doc, "ScoreRequest"), body), body);
      new ScoringRequestDecoder(signature.inputs()).decodeAzure(Buffer.buffer(body));
    }
  }

  @Test
  void theResponseSchemaAcceptsWhatTheEncoderWrites() {
    List<OutputValue> credit = List.of(
        new Tensor("probabilities", DataType.FP32, new long[] {2, 2}, new float[] {0.89f, 0.11f, 0.45f, 0.55f}),
        new Tensor("label", DataType.INT64, new long[] {2}, new long[] {0, 1}));
    assertResponse(CREDIT, credit, true);
    assertResponse(CREDIT, credit.subList(0, 1), false);
    assertResponse(CREDIT, List.of(new Tensor("probabilities", DataType.FP32, new long[] {0, 2}, new float[0]),
        new Tensor("label", DataType.INT64, new long[] {0}, new long[0])), true);

    Map<Object, Object> first = new LinkedHashMap<>();
    first.put(0L, 0.9f);
    first.put(1L, 0.1f);
    Map<Object, Object> second = new LinkedHashMap<>();
    second.put(0L, 0.25f);
    second.put(1L, 0.75f);
    List<OutputValue> zipmap = List.of(new MapSequence("probabilities", List.of(first, second)),
        new Tensor("label", DataType.INT64, new long[] {2}, new long[] {0, 1}));
    assertResponse(ZIPMAP, zipmap, true);
    assertResponse(new ModelSignature(ZIPMAP.inputs(), ZIPMAP.outputs()), zipmap, false);

    assertResponse(TWO_INPUTS, List.of(
        new Tensor("sum", DataType.FP64, new long[] {1, 3}, new double[] {1, 2, 3}),
        new Tensor("flag", DataType.BOOL, new long[] {1, 3}, new boolean[] {true, false, true}),
        new Tensor("count", DataType.INT32, new long[] {1, 3}, new int[] {1, 2, 3})), true);
  }

  @Test
  void theErrorSchemaAcceptsTheGatewaysErrors() {
    JsonSchema error = schema(document("blue", CREDIT), "Error");
    assertTrue(valid(error, "{'error': {'code': 'BadRequest', 'message': 'input features ...'}}"));
    assertEquals(false, valid(error, "{'error': 'input features ...'}"), "the /v2 shape is not this route's");
  }

  /** The schema of each signature's request agrees with the decoder on every body. */
  private static void agree(ModelSignature signature, List<String> accepted, List<String> refused) {
    JsonSchema request = schema(document("blue", signature), "ScoreRequest");
    ScoringRequestDecoder decoder = new ScoringRequestDecoder(signature.inputs());
    for (String body : accepted) {
      assertEquals(List.of(), messages(request, body), body + " passes the schema");
      decoder.decodeAzure(Buffer.buffer(json(body)));
    }
    for (String body : refused) {
      assertTrue(!messages(request, body).isEmpty(), body + " fails the schema");
      try {
        decoder.decodeAzure(Buffer.buffer(json(body)));
        throw new AssertionError(body + " is refused by the decoder");
      } catch (InferbusException expected) {
        // as the schema says
      }
    }
  }

  private static void assertResponse(ModelSignature signature, List<OutputValue> outputs, boolean valid) {
    String answer = ScoringResponseEncoder.encodeAzure(outputs).toString();
    assertEquals(valid, valid(schema(document("blue", signature), "ScoreResponse"), answer), answer);
  }

  /** A validator of one of the document's schemas, its references resolved within the document. */
  private static JsonSchema schema(JsonObject document, String name) {
    JsonObject root = new JsonObject()
        .put("$ref", "#/components/schemas/" + name)
        .put("components", document.getJsonObject("components"));
    return SCHEMAS.getSchema(node(root.encode()));
  }

  private static boolean valid(JsonSchema schema, String body) {
    return messages(schema, body).isEmpty();
  }

  private static List<String> messages(JsonSchema schema, String body) {
    Set<ValidationMessage> messages = schema.validate(node(json(body)));
    return messages.stream().map(ValidationMessage::getMessage).toList();
  }

  /** JSON written with single quotes for readability (no apostrophes in values). */
  private static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static JsonNode node(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
