package io.inferbus.gateway.openapi;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.tensor.DataType;
import io.inferbus.protocol.tensor.ModelSignature;
import io.inferbus.protocol.tensor.TensorSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAPI 3.0 document of one endpoint's Azure-style scoring route, as Azure ML serves at an
 * endpoint's {@code openapi_uri}: {@code POST /endpoints/{e}/score} with request and response
 * schemas derived from the model signatures of the deployments that take live traffic, so client
 * generators and API gateways can consume it. The request schema accepts what
 * {@link io.inferbus.protocol.tensor.ScoringRequestDecoder#decodeAzure} accepts; the response schema
 * is what {@link io.inferbus.protocol.tensor.ScoringResponseEncoder#encodeAzure} writes. Pure: no
 * Vert.x, no clock.
 */
public final class OpenApiDocument {
  public static final String OPENAPI_VERSION = "3.0.1";
  static final String SECURITY_SCHEME = "bearer";
  /** Inputs with more elements than this get no example: an image's zeros would dwarf the document. */
  static final long MAX_EXAMPLE_ELEMENTS = 1024;

  /** The errors the scoring route answers, each with when, as docs/scoring.md lists them. */
  private static final List<ErrorResponse> ERRORS = List.of(
      new ErrorResponse(FailureKind.BAD_INPUT, "Malformed body, unknown or missing input, wrong datatype or shape;"
          + " the message names the input and the expected signature"),
      new ErrorResponse(FailureKind.UNAUTHORIZED, "Missing, wrong or expired credential, or one of the wrong kind"
          + " for the endpoint's auth_mode"),
      new ErrorResponse(FailureKind.FORBIDDEN, "A valid trusted-issuer token whose roles claim lacks"
          + " score:<endpoint> and score:*"),
      new ErrorResponse(FailureKind.NOT_FOUND, "No such endpoint, pinned deployment unknown, or no deployment with"
          + " traffic"),
      new ErrorResponse(FailureKind.TIMED_OUT, "The deployment's request_timeout_ms passed"),
      new ErrorResponse(FailureKind.TOO_LARGE, "The body is over the node's limit"),
      new ErrorResponse(FailureKind.MODEL_FAILED, "The model failed while running"),
      new ErrorResponse(FailureKind.OVERLOADED, "The instance was busy for longer than max_queue_wait_ms, or its"
          + " queue is full; back off and retry"),
      new ErrorResponse(FailureKind.UNAVAILABLE, "No ready instance of the chosen deployment"));

  private record ErrorResponse(FailureKind kind, String when) {}

  private OpenApiDocument() {}

  /**
   * The document of one endpoint.
   *
   * @param endpoint the endpoint's name
   * @param authMode its {@code auth_mode}: what the bearer credential is
   * @param baseUrl the scoring base URL callers reach the gateway at ({@code https://host:port})
   * @param signatures the signatures of the deployments with live traffic that have a ready
   *     instance, by deployment name, the one with the most traffic first; not empty. Deployments
   *     with the same signature share one schema; different ones make the schemas a {@code oneOf}.
   */
  public static JsonObject build(String endpoint, String authMode, String baseUrl,
      Map<String, ModelSignature> signatures) {
    if (signatures.isEmpty()) {
      throw new IllegalArgumentException("an OpenAPI document needs at least one deployment's signature");
    }
    Map<ModelSignature, List<String>> distinct = new LinkedHashMap<>();
    signatures.forEach((deployment, signature) ->
        distinct.computeIfAbsent(signature, s -> new ArrayList<>()).add(deployment));

    JsonObject schemas = new JsonObject();
    if (distinct.size() == 1) {
      ModelSignature signature = distinct.keySet().iterator().next();
      addSignatureSchemas(schemas, "", signature, distinct.get(signature));
    } else {
      JsonArray requests = new JsonArray();
      JsonArray responses = new JsonArray();
      distinct.forEach((signature, deployments) -> {
        String suffix = "_" + deployments.get(0);
        addSignatureSchemas(schemas, suffix, signature, deployments);
        requests.add(ref("schemas", "ScoreRequest" + suffix));
        responses.add(ref("schemas", "ScoreResponse" + suffix));
      });
      schemas.put("ScoreRequest", new JsonObject()
          .put("description", "The deployments with traffic serve models of different signatures: a request is"
              + " scored by one of them, drawn by the traffic weights, so it must suit the one it reaches (or pin"
              + " that one with the azureml-model-deployment header)")
          .put("oneOf", requests));
      schemas.put("ScoreResponse", new JsonObject()
          .put("description", "The outputs of the deployment that answered (its name is in the"
              + " azureml-model-deployment header)")
          .put("oneOf", responses));
    }
    schemas.put("Error", errorSchema());

    JsonObject requestContent = new JsonObject().put("schema", ref("schemas", "ScoreRequest"));
    Object example = requestExample(signatures.values().iterator().next());
    if (example != null) {
      requestContent.put("example", example);
    }
    JsonObject responses = new JsonObject().put("200", new JsonObject()
        .put("description", "Scored: each output of the model by name")
        .put("headers", new JsonObject()
            .put("x-request-id", ref("headers", "RequestId"))
            .put("azureml-model-deployment", ref("headers", "ModelDeployment")))
        .put("content", json(ref("schemas", "ScoreResponse"))));
    for (ErrorResponse error : ERRORS) {
      responses.put(Integer.toString(error.kind().httpStatus()), ref("responses", error.kind().code()));
    }
    JsonObject score = new JsonObject()
        .put("operationId", "score")
        .put("summary", "Score the model of endpoint '" + endpoint + "'")
        .put("description", "Azure ML style scoring. The request goes to a deployment drawn by the endpoint's"
            + " traffic weights, unless the azureml-model-deployment header pins one.")
        .put("parameters", new JsonArray()
            .add(ref("parameters", "ModelDeployment"))
            .add(ref("parameters", "RequestId")))
        .put("requestBody", new JsonObject().put("required", true)
            .put("content", new JsonObject().put("application/json", requestContent)))
        .put("responses", responses)
        .put("security", new JsonArray().add(new JsonObject().put(SECURITY_SCHEME, new JsonArray())));

    return new JsonObject()
        .put("openapi", OPENAPI_VERSION)
        .put("info", new JsonObject()
            .put("title", endpoint)
            .put("description", "Scoring API of the Inferbus endpoint '" + endpoint + "', derived from the model"
                + " signatures of its deployments with traffic (" + String.join(", ", signatures.keySet()) + ")")
            .put("version", version(distinct.keySet())))
        .put("servers", new JsonArray().add(new JsonObject().put("url", baseUrl)))
        .put("paths", new JsonObject().put("/endpoints/" + endpoint + "/score", new JsonObject().put("post", score)))
        .put("components", new JsonObject()
            .put("schemas", schemas)
            .put("responses", errorResponses())
            .put("parameters", parameters())
            .put("headers", headers())
            .put("securitySchemes", new JsonObject().put(SECURITY_SCHEME, securityScheme(authMode))));
  }

  /**
   * {@code ScoreInputs}, {@code ScoreRequest} and {@code ScoreResponse} (with {@code suffix}) of one
   * signature. The body is {@code {"input_data": <inputs>}} or {@code {"data": <inputs>}} (not both),
   * optionally with {@code "params"}, which Azure ML hands to a scoring script and Inferbus ignores.
   */
  private static void addSignatureSchemas(JsonObject schemas, String suffix, ModelSignature signature,
      List<String> deployments) {
    String servedBy = "deployment" + (deployments.size() > 1 ? "s " : " ") + String.join(", ", deployments);
    schemas.put("ScoreInputs" + suffix, inputsSchema(signature));
    JsonObject params = new JsonObject().put("description", "Accepted and ignored (Azure ML passes it to a"
        + " scoring script)");
    JsonArray forms = new JsonArray();
    for (String field : List.of("input_data", "data")) {
      forms.add(new JsonObject()
          .put("title", field)
          .put("type", "object")
          .put("properties", new JsonObject().put(field, ref("schemas", "ScoreInputs" + suffix)).put("params", params))
          .put("required", new JsonArray().add(field))
          .put("additionalProperties", false));
    }
    JsonObject request = new JsonObject()
        .put("description", "The inputs of the model of " + servedBy + ": " + describe(signature.inputs())
            + " (-1: any size), under \"input_data\" or \"data\"")
        .put("oneOf", forms);
    Object example = requestExample(signature);
    if (example != null) {
      request.put("example", example);
    }
    schemas.put("ScoreRequest" + suffix, request);
    schemas.put("ScoreResponse" + suffix, responseSchema(signature, servedBy));
  }

  /**
   * What {@code "input_data"} holds: an object keyed by input name, each input a nested array; for a
   * model with one input also that input's nested array alone.
   */
  private static JsonObject inputsSchema(ModelSignature signature) {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (TensorSpec input : signature.inputs()) {
      properties.put(input.name(), tensorSchema(input, false));
      required.add(input.name());
    }
    JsonObject byName = new JsonObject()
        .put("type", "object")
        .put("description", "Every input of the model, by name")
        .put("properties", properties);
    if (!required.isEmpty()) { // OpenAPI 3.0 refuses an empty "required"
      byName.put("required", required);
    }
    byName.put("additionalProperties", false);
    if (signature.inputs().size() != 1) {
      return byName;
    }
    JsonObject alone = tensorSchema(signature.inputs().get(0), false);
    return new JsonObject().put("oneOf", new JsonArray().add(alone).add(byName));
  }

  /** {@code {"<output>": <nested array, or list of objects for a sequence of maps>, ...}}: every output. */
  private static JsonObject responseSchema(ModelSignature signature, String servedBy) {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (TensorSpec output : signature.outputs()) {
      DataType mapValues = signature.mapOutputs().get(output.name());
      properties.put(output.name(),
          mapValues != null ? mapsSchema(output.name(), mapValues) : tensorSchema(output, true));
      required.add(output.name());
    }
    JsonObject schema = new JsonObject()
        .put("type", "object")
        .put("description", "The outputs of the model of " + servedBy + ", each a nested array whose nesting is its"
            + " shape. Floating-point NaN and infinities are written as the strings \"NaN\", \"Infinity\" and"
            + " \"-Infinity\" (JSON has no such numbers)")
        .put("properties", properties);
    if (!required.isEmpty()) {
      schema.put("required", required);
    }
    return schema.put("additionalProperties", false);
  }

  /**
   * A tensor as nested arrays whose nesting is its shape: each fixed dimension is an array of exactly
   * that many items, each -1 dimension an array of any length, the innermost items of its datatype.
   * (JSON Schema cannot say that rows must have equal lengths; the gateway refuses ragged arrays.)
   */
  static JsonObject tensorSchema(TensorSpec spec, boolean output) {
    JsonObject schema = elementSchema(spec.datatype());
    long[] shape = spec.shape();
    for (int i = shape.length - 1; i >= 0; i--) {
      JsonObject array = new JsonObject().put("type", "array").put("items", schema);
      if (shape[i] >= 0) {
        array.put("minItems", shape[i]).put("maxItems", shape[i]);
      } else if (!output && i < shape.length - 1) {
        // The decoder learns an input's rank from the nesting: an empty array where arrays should
        // nest has none to check, so it is refused (an answer's empty batch is written as []).
        array.put("minItems", 1);
      }
      schema = array;
    }
    return schema.put("description", (output ? "output " : "input ") + spec.describe() + " (-1: any size)");
  }

  /** A sequence of maps as ScoringResponseEncoder writes it: one JSON object per row, keyed by label. */
  private static JsonObject mapsSchema(String name, DataType values) {
    return new JsonObject()
        .put("type", "array")
        .put("description", "output " + name + ": one object per row, mapping each class label to its value")
        .put("items", new JsonObject().put("type", "object").put("additionalProperties", elementSchema(values)));
  }

  /**
   * One element: the JSON type the decoder takes for the datatype (floating point takes any number,
   * integer types only integers within their range, BOOL true/false, BYTES strings).
   */
  static JsonObject elementSchema(DataType type) {
    if (type == null) { // a datatype this gateway does not know (a newer node's): no constraint
      return new JsonObject();
    }
    return switch (type) {
      case FP16, BF16, FP32 -> new JsonObject().put("type", "number").put("format", "float");
      case FP64 -> new JsonObject().put("type", "number").put("format", "double");
      case INT8 -> integer("int32", Byte.MIN_VALUE, Byte.MAX_VALUE);
      case UINT8 -> integer("int32", 0, 255);
      case INT16 -> integer("int32", Short.MIN_VALUE, Short.MAX_VALUE);
      case UINT16 -> integer("int32", 0, 65535);
      case INT32 -> integer("int32", Integer.MIN_VALUE, Integer.MAX_VALUE);
      case UINT32 -> integer("int64", 0, 0xFFFF_FFFFL);
      case INT64 -> integer("int64", Long.MIN_VALUE, Long.MAX_VALUE);
      case UINT64 -> new JsonObject().put("type", "integer").put("minimum", 0) // beyond int64: no format
          .put("maximum", new BigInteger(Long.toUnsignedString(-1L)));
      case BOOL -> new JsonObject().put("type", "boolean");
      case BYTES -> new JsonObject().put("type", "string");
    };
  }

  /** The bounds are explicit: validators treat {@code format} as a hint, the decoder refuses values beyond them. */
  private static JsonObject integer(String format, long min, long max) {
    return new JsonObject().put("type", "integer").put("format", format).put("minimum", min).put("maximum", max);
  }

  /**
   * A request the model accepts: zeros of its input shapes with every -1 dimension 1, in the
   * one-input form for a model with one input; null when an input is too large to show.
   */
  static Object requestExample(ModelSignature signature) {
    JsonObject byName = new JsonObject();
    for (TensorSpec input : signature.inputs()) {
      long elements = 1;
      for (long d : input.shape()) {
        elements *= Math.max(1, d);
        if (elements > MAX_EXAMPLE_ELEMENTS) {
          return null;
        }
      }
      byName.put(input.name(), zeros(input.datatype(), input.shape(), 0));
    }
    Object inputData = signature.inputs().size() == 1 ? byName.getValue(signature.inputs().get(0).name()) : byName;
    return new JsonObject().put("input_data", inputData);
  }

  private static Object zeros(DataType type, long[] shape, int dim) {
    if (dim == shape.length) {
      if (type == null) {
        return 0;
      }
      return switch (type) {
        case FP16, BF16, FP32, FP64 -> 0.0;
        case BOOL -> false;
        case BYTES -> "";
        default -> 0;
      };
    }
    JsonArray array = new JsonArray();
    long n = shape[dim] < 0 ? 1 : shape[dim];
    for (long i = 0; i < n; i++) {
      array.add(zeros(type, shape, dim + 1));
    }
    return array;
  }

  private static JsonObject errorSchema() {
    JsonObject string = new JsonObject().put("type", "string");
    return new JsonObject()
        .put("type", "object")
        .put("required", new JsonArray().add("error"))
        .put("properties", new JsonObject().put("error", new JsonObject()
            .put("type", "object")
            .put("required", new JsonArray().add("code").add("message"))
            .put("properties", new JsonObject()
                .put("code", string.copy().put("description", "BadRequest, Unauthorized, NotFound, ..."))
                .put("message", string.copy().put("description", "what went wrong, for a person")))));
  }

  private static JsonObject errorResponses() {
    JsonObject responses = new JsonObject();
    for (ErrorResponse error : ERRORS) {
      JsonObject headers = new JsonObject().put("x-request-id", ref("headers", "RequestId"));
      if (error.kind() == FailureKind.MODEL_FAILED) { // as Azure ML answers a failed scoring script
        headers.put("ms-azureml-model-error-statuscode", new JsonObject()
            .put("description", "The model's own status: 500")
            .put("schema", new JsonObject().put("type", "string")));
        headers.put("ms-azureml-model-error-reason", new JsonObject()
            .put("description", "model_error")
            .put("schema", new JsonObject().put("type", "string")));
      }
      responses.put(error.kind().code(), new JsonObject()
          .put("description", error.kind().code() + ": " + error.when())
          .put("headers", headers)
          .put("content", json(ref("schemas", "Error"))));
    }
    return responses;
  }

  private static JsonObject parameters() {
    JsonObject string = new JsonObject().put("type", "string");
    return new JsonObject()
        .put("ModelDeployment", new JsonObject()
            .put("name", "azureml-model-deployment")
            .put("in", "header")
            .put("required", false)
            .put("description", "Send the request to this deployment instead of one drawn by the traffic weights"
                + " (also one at 0 % traffic, whose model may differ from the schemas here; 404 if there is none)")
            .put("schema", string.copy()))
        .put("RequestId", new JsonObject()
            .put("name", "x-request-id")
            .put("in", "header")
            .put("required", false)
            .put("description", "The request's id in answers and logs, kept when it is letters, digits and ._:-"
                + " up to 128 characters, else replaced by a generated one")
            .put("schema", string.copy().put("maxLength", 128)));
  }

  private static JsonObject headers() {
    JsonObject string = new JsonObject().put("type", "string");
    return new JsonObject()
        .put("RequestId", new JsonObject()
            .put("description", "The request's id: the caller's x-request-id when it is a sane id, else generated")
            .put("schema", string.copy()))
        .put("ModelDeployment", new JsonObject()
            .put("description", "The deployment that answered")
            .put("schema", string.copy()));
  }

  /** Every auth_mode sends {@code Authorization: Bearer <credential>}; the mode says which credential. */
  private static JsonObject securityScheme(String authMode) {
    JsonObject scheme = new JsonObject().put("type", "http").put("scheme", "bearer");
    if (EndpointState.AUTH_AML_TOKEN.equals(authMode)) {
      return scheme.put("bearerFormat", "JWT")
          .put("description", "A token of the management API's POST /endpoints/{e}/token (auth_mode aml_token)");
    }
    if (EndpointState.AUTH_AAD_TOKEN.equals(authMode)) {
      return scheme.put("bearerFormat", "JWT")
          .put("description", "A token of the trusted issuer whose roles claim holds score:<endpoint> or score:*"
              + " (auth_mode aad_token)");
    }
    return scheme.put("description", "One of the endpoint's two keys, from the management API's"
        + " POST /endpoints/{e}/keys (auth_mode key)");
  }

  /**
   * The version of the API the document describes: a digest of its distinct signatures, so it changes
   * exactly when the request or response schemas do, and a client can tell its generated code is stale.
   */
  static String version(Iterable<ModelSignature> signatures) {
    List<String> texts = new ArrayList<>();
    signatures.forEach(s -> texts.add(s.toJson().encode()));
    texts.sort(null);
    return Sha256.hex(String.join("\n", texts)).substring(0, 12); // the first six bytes
  }

  private static String describe(List<TensorSpec> specs) {
    if (specs.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    specs.forEach(s -> parts.add(s.describe()));
    return String.join("; ", parts);
  }

  private static JsonObject ref(String kind, String name) {
    return new JsonObject().put("$ref", "#/components/" + kind + "/" + name);
  }

  private static JsonObject json(JsonObject schema) {
    return new JsonObject().put("application/json", new JsonObject().put("schema", schema));
  }
}
