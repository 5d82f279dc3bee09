package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.assertBadInput;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.json;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.InferbusException;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** Bodies that are not the JSON the protocols expect: refused as BAD_INPUT naming the model's signature. */
class MalformedBodyRefusalTest {
  private static final String SIGNATURE = "x: FP32 [-1, 2]";
  private final ScoringRequestDecoder d = decoder(spec("x", DataType.FP32, -1, 2));

  private InferbusException azure(String body) {
    return assertBadInput(() -> d.decodeAzure(json(body)));
  }

  private InferbusException v2(String body) {
    return assertBadInput(() -> d.decodeOpenInference(json(body)));
  }

  private static void assertMentions(InferbusException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "message lacks <" + part + ">: " + e.getMessage());
    }
  }

  @Test
  void truncatedAzureBody() {
    InferbusException e = azure("{'input_data': [[1, 2], [3");
    assertMentions(e, "malformed JSON", "line 1", SIGNATURE);
  }

  @Test
  void truncatedAfterTheObjectOpens() {
    assertMentions(azure("{"), SIGNATURE);
  }

  @Test
  void truncatedOpenInferenceBody() {
    InferbusException e = v2("{'inputs': [{'name': 'x', 'shape': [1, 2], 'datatype': 'FP32', 'data': [1,");
    assertMentions(e, "malformed JSON", SIGNATURE);
  }

  @Test
  void trailingGarbageAfterTheObject() {
    assertMentions(azure("{'input_data': [[1, 2]]} xyz"), SIGNATURE);
  }

  @Test
  void secondJsonValueAfterTheObject() {
    assertMentions(azure("{'input_data': [[1, 2]]} {}"), "after the JSON object");
  }

  @Test
  void trailingGarbageAfterOpenInferenceObject() {
    assertMentions(v2("{'inputs': [{'name': 'x', 'shape': [1, 2], 'datatype': 'FP32', 'data': [1, 2]}]}]"),
        SIGNATURE);
  }

  @Test
  void missingCommaBetweenElements() {
    assertMentions(azure("{'input_data': [[1 2]]}"), "malformed JSON", SIGNATURE);
  }

  @Test
  void arrayInsteadOfObject() {
    assertMentions(azure("[[1, 2]]"), "input_data", SIGNATURE);
  }

  @Test
  void stringInsteadOfObject() {
    assertMentions(azure("'input_data'"), "input_data", SIGNATURE);
  }

  @Test
  void arrayInsteadOfOpenInferenceObject() {
    assertMentions(v2("[{'name': 'x'}]"), "inputs", SIGNATURE);
  }

  @Test
  void emptyAzureBody() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(Buffer.buffer("")));
    assertMentions(e, "input_data", SIGNATURE);
  }

  @Test
  void whitespaceOnlyAzureBody() {
    assertMentions(assertBadInput(() -> d.decodeAzure(Buffer.buffer(" \n\t "))), SIGNATURE);
  }

  @Test
  void emptyOpenInferenceBody() {
    InferbusException e = assertBadInput(() -> d.decodeOpenInference(Buffer.buffer("")));
    assertMentions(e, "inputs", SIGNATURE);
  }

  @Test
  void nanToken() {
    assertMentions(azure("{'input_data': [[NaN, 1]]}"), "NaN", SIGNATURE);
  }

  @Test
  void infinityToken() {
    assertMentions(azure("{'input_data': [[1, Infinity]]}"), "Infinity", SIGNATURE);
  }

  @Test
  void negativeInfinityToken() {
    assertMentions(azure("{'input_data': [[-Infinity, 1]]}"), "Infinity", SIGNATURE);
  }

  @Test
  void nanTokenInOpenInferenceData() {
    assertMentions(v2("{'inputs': [{'name': 'x', 'shape': [1, 2], 'datatype': 'FP32', 'data': [NaN, 1]}]}"),
        "NaN", SIGNATURE);
  }

  @Test
  void nanTokenInReorderedOpenInferenceData() {
    assertMentions(v2("{'inputs': [{'data': [1, NaN], 'name': 'x', 'shape': [1, 2], 'datatype': 'FP32'}]}"),
        "NaN", SIGNATURE);
  }

  @Test
  void nanAsAStringIsNotANumber() {
    assertMentions(azure("{'input_data': [[1, 'NaN']]}"), "input 'x'", "FP32", "\"NaN\"");
  }

  @Test
  void singleQuotedJson() {
    InferbusException e = assertBadInput(() -> d.decodeAzure(Buffer.buffer("{'input_data': [[1, 2]]}")));
    assertMentions(e, "malformed JSON", SIGNATURE);
  }

  @Test
  void commentsAreNotJson() {
    assertMentions(azure("{/* c */ 'input_data': [[1, 2]]}"), "malformed JSON", SIGNATURE);
  }

  @Test
  void invalidUtf8() {
    byte[] bytes = {'{', '"', (byte) 0xFF, (byte) 0xFE, '"', ':', '1', '}'};
    assertMentions(assertBadInput(() -> d.decodeAzure(Buffer.buffer(bytes))), SIGNATURE);
  }

  @Test
  void numberTooLong() {
    String digits = "1".repeat(1000);
    assertMentions(azure("{'input_data': [[" + digits + ", 1]]}"), SIGNATURE);
  }

  @Test
  void sameTopLevelFieldTwice() {
    assertMentions(azure("{'input_data': [[1, 2]], 'input_data': [[3, 4]]}"), "input_data", SIGNATURE);
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"NaN", "Infinity", "-Infinity"})
  void nonNumericNumberTokensAreExplainedToTheCallerNotToTheParser(String token) {
    InferbusException e = assertBadInput(() -> decoder(spec("x", DataType.FP32, -1, 2))
        .decodeAzure(json("{'input_data': [[1, " + token + "]]}")));
    assertTrue(e.getMessage().contains("NaN and Infinity are not JSON numbers"), e.getMessage());
    assertTrue(e.getMessage().contains("binary tensor data"), e.getMessage());
    assertTrue(!e.getMessage().contains("JsonReadFeature"), "no parser settings in a caller's message: " + e.getMessage());
  }
}
