package io.inferbus.protocol.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decodes scoring bodies into tensors for a model with the given input signature, streaming: numbers
 * go straight from the JSON text into primitive arrays. Every problem is an {@link InferbusException}
 * of kind BAD_INPUT whose message names the input and the expected signature.
 */
public final class ScoringRequestDecoder {
  private final List<TensorSpec> inputs;

  public ScoringRequestDecoder(List<TensorSpec> inputs) {
    this.inputs = List.copyOf(inputs);
  }

  /**
   * Azure ML style: {@code {"input_data": <nested array>}} or {@code {"data": <nested array>}} for a
   * one-input model, or {@code {"input_data": {"<input>": <nested array>, ...}}}.
   */
  public List<Tensor> decodeAzure(Buffer body) {
    try {
      return readAzure(body);
    } catch (InferbusException e) {
      throw withSignature(e);
    }
  }

  private List<Tensor> readAzure(Buffer body) {
    try (JsonParser p = TensorJson.parser(body, 0, body.length())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw badInput("the body must be a JSON object such as " + example());
      }
      List<Tensor> tensors = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "input_data", "data" -> {
            if (tensors != null) {
              throw badInput("give either \"input_data\" or \"data\", not both");
            }
            tensors = p.currentToken() == JsonToken.START_OBJECT ? readNamedInputs(p) : List.of(readOnlyInput(p));
          }
          case "params" -> p.skipChildren();
          default -> throw badInput("unknown field \"" + field + "\": the body is " + example());
        }
      }
      expectEnd(p);
      if (tensors == null) {
        throw badInput("the body has no \"input_data\": expected " + example());
      }
      return tensors;
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** Open Inference Protocol JSON request. */
  public InferenceRequest decodeOpenInference(Buffer body) {
    return decodeOpenInference(body, -1);
  }

  /**
   * Open Inference Protocol request, with the binary tensor data extension when
   * {@code jsonLength >= 0}: the first {@code jsonLength} bytes (the
   * {@code Inference-Header-Content-Length} header) are the JSON, the binary inputs follow.
   */
  public InferenceRequest decodeOpenInference(Buffer body, int jsonLength) {
    try {
      return readOpenInference(body, jsonLength);
    } catch (InferbusException e) {
      throw withSignature(e);
    }
  }

  /** An input whose elements come after the JSON header: {@code size} bytes for {@code count} elements. */
  private record BinarySlot(int size, long count) {}

  private InferenceRequest readOpenInference(Buffer body, int jsonLength) {
    if (jsonLength > body.length()) {
      throw badInput("Inference-Header-Content-Length is " + jsonLength + " but the body has only "
          + body.length() + " bytes");
    }
    try (JsonParser p = TensorJson.parser(body, 0, jsonLength < 0 ? body.length() : jsonLength)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "the body must be a JSON object with \"inputs\"");
      String id = null;
      List<Tensor> tensors = null;
      List<String> outputs = List.of();
      Map<String, Boolean> binaryByOutput = new HashMap<>();
      boolean binaryOutputs = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "id" -> {
            expect(t == JsonToken.VALUE_STRING, "\"id\" must be a string");
            id = p.getText();
          }
          case "inputs" -> {
            expect(t == JsonToken.START_ARRAY, "\"inputs\" must be an array of tensors");
            tensors = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
              tensors.add(readOpenInferenceInput(p, false));
            }
          }
          case "outputs" -> outputs = readRequestedOutputs(p, binaryByOutput);
          case "parameters" -> {
            expect(t == JsonToken.START_OBJECT, "\"parameters\" must be an object");
            binaryOutputs = readBooleanParameter(p, "binary_data_output", "the request's");
          }
          default -> throw badInput("unknown field \"" + field + "\" in the inference request");
        }
      }
      expectEnd(p);
      if (tensors == null) {
        throw badInput("the request has no \"inputs\"; the model expects " + signature());
      }
      checkAllInputsGiven(tensors);
      readBinaryInputs(tensors, body, jsonLength);
      return new InferenceRequest(id, tensors, outputs, binaryOutputs,
          binaryByOutput.isEmpty() ? Map.of() : binaryByOutput);
    } catch (IOException e) {
      throw malformed(e);
    }
  }

  /** Replaces each binary input's slot with its elements, read in input order after the JSON. */
  private static void readBinaryInputs(List<Tensor> tensors, Buffer body, int jsonLength) {
    int offset = jsonLength;
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      if (!(t.data() instanceof BinarySlot slot)) {
        continue;
      }
      if (jsonLength < 0) {
        throw badInput("input '" + t.name() + "' has parameters.binary_data_size, but the request has no"
            + " Inference-Header-Content-Length header saying where the JSON ends and the binary data begins");
      }
      if (slot.size() > body.length() - offset) {
        throw badInput("input '" + t.name() + "' has binary_data_size " + slot.size() + " but only "
            + (body.length() - offset) + " bytes of binary data remain in the body");
      }
      if (t.datatype() == DataType.BYTES && slot.count() > slot.size() / 4) {
        throw badInput("input '" + t.name() + "' has " + slot.count() + " BYTES elements, which need at least "
            + slot.count() * 4 + " bytes, but its binary_data_size is " + slot.size());
      }
      Object data = BinaryTensorData.read(t.name(), t.datatype(), slot.count(), body, offset, slot.size());
      tensors.set(i, new Tensor(t.name(), t.datatype(), t.shape(), data));
      offset += slot.size();
    }
    if (jsonLength >= 0 && offset != body.length()) {
      throw badInput((body.length() - offset) + " bytes follow the binary inputs: the inputs' binary_data_size"
          + " values must add up to the body after the Inference-Header-Content-Length bytes of JSON");
    }
  }

  /** Reads a parameters object, returning the named boolean parameter, or null when absent. */
  private static Boolean readOptionalBoolean(JsonParser p, String name) throws IOException {
    Boolean value = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals(name)) {
        expect(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE, "parameters." + name + " must be true or false");
        value = t == JsonToken.VALUE_TRUE;
      } else {
        p.skipChildren();
      }
    }
    return value;
  }

  /** Reads a parameters object, returning the named boolean parameter (false when absent). */
  private static boolean readBooleanParameter(JsonParser p, String name, String whose) throws IOException {
    boolean value = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals(name)) {
        expect(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE,
            whose + " parameters." + name + " must be true or false");
        value = t == JsonToken.VALUE_TRUE;
      } else {
        p.skipChildren();
      }
    }
    return value;
  }

  private List<Tensor> readNamedInputs(JsonParser p) throws IOException {
    List<Tensor> tensors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      TensorSpec spec = spec(name);
      p.nextToken();
      if (!seen.add(name)) {
        throw badInput("input '" + name + "' is given twice");
      }
      tensors.add(readTensor(p, spec));
    }
    checkAllInputsGiven(tensors);
    return tensors;
  }

  private Tensor readOnlyInput(JsonParser p) throws IOException {
    if (inputs.size() != 1) {
      throw badInput("the model has " + inputs.size() + " inputs (" + signature()
          + "): send \"input_data\" as an object keyed by input name");
    }
    return readTensor(p, inputs.get(0));
  }

  /** Reads a nested array whose nesting is the tensor's shape (Azure style). */
  private Tensor readTensor(JsonParser p, TensorSpec spec) throws IOException {
    Tensor t = readElements(p, spec);
    checkShape(spec, t.shape());
    return t;
  }

  /** Reads the elements of a nested or flat array; the shape returned is the nesting's. */
  private static Tensor readElements(JsonParser p, TensorSpec spec) throws IOException {
    ElementBuffer buffer = ElementBuffer.create(spec.name(), spec.datatype(), expectedElements(spec));
    long[] shape = new NestedArrayReader(spec.name(), buffer, spec.shape().length).read(p);
    return new Tensor(spec.name(), spec.datatype(), shape, buffer.toArray());
  }

  /** A first guess of a request's element count: one row of the signature (fixed dimensions only). */
  private static int expectedElements(TensorSpec spec) {
    long n = 1;
    for (long d : spec.shape()) {
      if (d > 0) {
        n *= d;
      }
      if (n > 4096) {
        return 4096;
      }
    }
    return (int) Math.max(1, n);
  }

  /** {@code reordered}: the object was already rebuilt with data last; never rebuild it again. */
  private Tensor readOpenInferenceInput(JsonParser p, boolean reordered) throws IOException {
    expect(p.currentToken() == JsonToken.START_OBJECT, "each of \"inputs\" must be an object with name, shape, datatype, data");
    String name = null;
    long[] shape = null;
    DataType declared = null;
    Tensor data = null;
    long binarySize = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "name" -> {
          expect(t == JsonToken.VALUE_STRING, "an input's \"name\" must be a string");
          name = p.getText();
          spec(name);
        }
        case "datatype" -> {
          expect(t == JsonToken.VALUE_STRING, "an input's \"datatype\" must be a string");
          declared = DataType.fromName(p.getText());
          if (declared == null) {
            throw badInput("unknown datatype \"" + p.getText() + "\""
                + (name == null ? "" : " for input '" + name + "'") + "; the model expects " + signature());
          }
        }
        case "shape" -> shape = readShape(p, name);
        case "parameters" -> {
          expect(t == JsonToken.START_OBJECT, "an input's \"parameters\" must be an object");
          binarySize = readBinaryDataSize(p, name);
        }
        case "data" -> {
          if (name == null || declared == null) {
            if (reordered) { // name or datatype is absent altogether: refused below
              p.skipChildren();
              continue;
            }
            // Clients put name and datatype first; for the rare one that does not, re-read the
            // object in that order (small cost, only on this path).
            return reorderAndRead(p, name, shape, declared);
          }
          data = readElements(p, checkedSpec(name, declared));
        }
        default -> throw badInput("unknown field \"" + field + "\" in an input");
      }
    }
    if (name == null) {
      throw badInput("an input has no \"name\"; the model expects " + signature());
    }
    if (declared == null) {
      throw badInput("input '" + name + "' has no \"datatype\"; expected " + spec(name).describe());
    }
    if (shape == null) {
      throw badInput("input '" + name + "' has no \"shape\"; expected " + spec(name).describe());
    }
    if (binarySize >= 0) {
      if (data != null) {
        throw badInput("input '" + name + "' has both \"data\" and parameters.binary_data_size; give one");
      }
      checkedSpec(name, declared);
      checkShape(spec(name), shape);
      long elements = exactElementCount(shape);
      if (elements < 0 || elements > Integer.MAX_VALUE - 8) {
        throw badInput("input '" + name + "' has shape " + java.util.Arrays.toString(shape)
            + ", more elements than one tensor can hold");
      }
      return new Tensor(name, declared, shape, new BinarySlot((int) binarySize, elements));
    }
    if (data == null) {
      throw badInput("input '" + name + "' has no \"data\" (or parameters.binary_data_size for binary data)");
    }
    long count = exactElementCount(shape);
    if (count != data.length()) {
      throw badInput("input '" + name + "' has shape " + java.util.Arrays.toString(shape) + " ("
          + (count < 0 ? "more than " + Long.MAX_VALUE : count) + " elements) but " + data.length()
          + " data elements");
    }
    checkShape(spec(name), shape);
    return new Tensor(name, declared, shape, data.data());
  }

  /** The number of elements of a shape, or -1 when it does not fit in a long. */
  private static long exactElementCount(long[] shape) {
    for (long d : shape) {
      if (d == 0) {
        return 0;
      }
    }
    long n = 1;
    try {
      for (long d : shape) {
        n = Math.multiplyExact(n, d);
      }
    } catch (ArithmeticException e) {
      return -1;
    }
    return n;
  }

  private Tensor reorderAndRead(JsonParser p, String name, long[] shape, DataType declared) throws IOException {
    JsonObject input = new JsonObject();
    if (name != null) {
      input.put("name", name);
    }
    if (declared != null) {
      input.put("datatype", declared.name());
    }
    if (shape != null) {
      JsonArray dims = new JsonArray();
      for (long d : shape) {
        dims.add(d);
      }
      input.put("shape", dims);
    }
    Object dataValue;
    Object rest;
    try {
      String dataText = readRawValue(p);
      dataValue = io.vertx.core.json.Json.decodeValue(dataText);
      rest = readRestOfObject(p);
    } catch (DecodeException e) {
      throw badInput("malformed JSON in an input: " + e.getMessage());
    }
    JsonObject restObject = (JsonObject) rest;
    for (String key : List.of("name", "datatype", "shape", "parameters")) {
      if (restObject.containsKey(key)) {
        input.put(key, restObject.getValue(key));
      }
    }
    for (String key : restObject.fieldNames()) {
      if (!List.of("name", "datatype", "shape", "parameters").contains(key)) {
        throw badInput("unknown field \"" + key + "\" in an input");
      }
    }
    input.put("data", dataValue);
    try (JsonParser again = TensorJson.FACTORY.createParser(input.encode())) {
      again.nextToken();
      return readOpenInferenceInput(again, true);
    }
  }

  private static String readRawValue(JsonParser p) throws IOException {
    java.io.StringWriter w = new java.io.StringWriter();
    try (com.fasterxml.jackson.core.JsonGenerator g = TensorJson.FACTORY.createGenerator(w)) {
      g.copyCurrentStructure(p);
    }
    return w.toString();
  }

  /** Reads the remaining fields of the current object into a JsonObject. */
  private static JsonObject readRestOfObject(JsonParser p) throws IOException {
    JsonObject o = new JsonObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      o.put(field, io.vertx.core.json.Json.decodeValue(readRawValue(p)));
    }
    return o;
  }

  /** An input's parameters: returns binary_data_size, or -1 when absent. */
  private static long readBinaryDataSize(JsonParser p, String name) throws IOException {
    String what = name == null ? "an input's" : "input '" + name + "'s";
    long size = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals("binary_data_size")) {
        expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
            && p.getLongValue() >= 0 && p.getLongValue() <= Integer.MAX_VALUE,
            what + " parameters.binary_data_size must be a non-negative integer number of bytes");
        size = p.getLongValue();
      } else {
        p.skipChildren();
      }
    }
    return size;
  }

  private long[] readShape(JsonParser p, String name) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw badShape(name, "must be an array of non-negative integers");
    }
    long[] dims = new long[4];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
          || p.getLongValue() < 0) {
        throw badShape(name, "must be an array of non-negative integers");
      }
      if (n == NestedArrayReader.MAX_RANK) {
        throw badShape(name, "has more than " + NestedArrayReader.MAX_RANK + " dimensions");
      }
      if (n == dims.length) {
        dims = java.util.Arrays.copyOf(dims, dims.length * 2);
      }
      dims[n++] = p.getLongValue();
    }
    return n == dims.length ? dims : java.util.Arrays.copyOf(dims, n);
  }

  private static InferbusException badShape(String name, String problem) {
    return badInput("the \"shape\" of " + (name == null ? "an input" : "input '" + name + "'") + " " + problem);
  }

  private List<String> readRequestedOutputs(JsonParser p, Map<String, Boolean> binaryByOutput) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, "\"outputs\" must be an array of {\"name\": ...}");
    List<String> names = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expect(p.currentToken() == JsonToken.START_OBJECT, "each of \"outputs\" must be an object with a \"name\"");
      String name = null;
      Boolean binary = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if (field.equals("name")) {
          expect(t == JsonToken.VALUE_STRING, "an output's \"name\" must be a string");
          name = p.getText();
        } else if (field.equals("parameters")) {
          expect(t == JsonToken.START_OBJECT, "a requested output's \"parameters\" must be an object");
          binary = readOptionalBoolean(p, "binary_data");
        } else {
          throw badInput("unknown field \"" + field + "\" in a requested output");
        }
      }
      expect(name != null, "a requested output has no \"name\"");
      names.add(name);
      if (binary != null) {
        binaryByOutput.put(name, binary);
      }
    }
    return names;
  }

  /** The shape must have the model's rank and match every fixed (non-negative) dimension. */
  private static void checkShape(TensorSpec spec, long[] shape) {
    long[] expected = spec.shape();
    boolean ok = expected.length == shape.length;
    for (int i = 0; ok && i < shape.length; i++) {
      ok = expected[i] < 0 || expected[i] == shape[i];
    }
    if (!ok) {
      throw new InferbusException(FailureKind.BAD_INPUT, "input '" + spec.name() + "' has shape "
          + java.util.Arrays.toString(shape) + " but the model expects " + spec.describe()
          + " (-1: any size)", spec.name());
    }
  }

  private TensorSpec spec(String name) {
    for (TensorSpec s : inputs) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new InferbusException(FailureKind.BAD_INPUT,
        "unknown input '" + name + "'; the model expects " + signature(), name);
  }

  private TensorSpec checkedSpec(String name, DataType declared) {
    TensorSpec spec = spec(name);
    if (spec.datatype() != declared) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "input '" + name + "' is " + declared + " but the model expects " + spec.describe(), name);
    }
    return spec;
  }

  private void checkAllInputsGiven(List<Tensor> tensors) {
    Set<String> given = new HashSet<>();
    for (Tensor t : tensors) {
      if (!given.add(t.name())) {
        throw new InferbusException(FailureKind.BAD_INPUT,
            "input '" + t.name() + "' is given twice; the model expects " + signature(), t.name());
      }
    }
    List<String> missing = inputs.stream().map(TensorSpec::name).filter(n -> !given.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "missing input" + (missing.size() > 1 ? "s " : " ") + missing.stream().map(n -> "'" + n + "'")
              .collect(Collectors.joining(", ")) + "; the model expects " + signature(), missing.get(0));
    }
  }

  /** The model's inputs, for messages: {@code features: FP32 [-1, 6]; mask: BOOL [-1]}. */
  public String signature() {
    return inputs.stream().map(TensorSpec::describe).collect(Collectors.joining("; "));
  }

  /**
   * Every refusal names the expected signature: a message that names no input's spec gets the
   * model's whole signature appended (malformed JSON, stray fields, element values, ...).
   */
  private InferbusException withSignature(InferbusException e) {
    String message = e.getMessage();
    if (inputs.isEmpty() || inputs.stream().anyMatch(s -> message.contains(s.describe()))) {
      return e;
    }
    return new InferbusException(e.kind(), message + "; the model expects " + signature(), e.target());
  }

  private String example() {
    if (inputs.size() == 1) {
      return "{\"input_data\": [[...], ...]} for input " + inputs.get(0).describe();
    }
    return "{\"input_data\": {" + inputs.stream().map(s -> "\"" + s.name() + "\": [...]")
        .collect(Collectors.joining(", ")) + "}} for inputs " + signature();
  }

  private static void expect(boolean condition, String message) {
    if (!condition) {
      throw badInput(message);
    }
  }

  private static void expectEnd(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
      throw badInput("unexpected content after the JSON object");
    }
  }

  private static InferbusException badInput(String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message);
  }

  private static InferbusException malformed(IOException e) {
    if (e instanceof StreamConstraintsException) {
      return badInput("the body is nested too deeply or has a number too long: " + e.getMessage());
    }
    String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    if (detail != null && detail.startsWith("Non-standard token")) {
      // Jackson's text goes on to advise a parser setting the caller cannot change
      int end = detail.indexOf(':');
      detail = (end > 0 ? detail.substring(0, end) : detail)
          + ": NaN and Infinity are not JSON numbers; send such values as binary tensor data (V2)";
    }
    if (e instanceof JsonProcessingException j && j.getLocation() != null) {
      detail += " (line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ")";
    }
    return badInput("malformed JSON: " + detail);
  }
}
