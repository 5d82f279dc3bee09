package io.inferbus.protocol.tensor;

import static io.inferbus.protocol.tensor.Bodies.assertBadInput;
import static io.inferbus.protocol.tensor.Bodies.decoder;
import static io.inferbus.protocol.tensor.Bodies.json;
import static io.inferbus.protocol.tensor.Bodies.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.InferbusException;
import org.junit.jupiter.api.Test;

/** Bodies whose inputs or fields do not match the model: unknown, missing, twice, wrong datatype, stray fields. */
class InputSignatureRefusalTest {
  private static final String SIGNATURE = "features: FP32 [-1, 3]; mask: BOOL [-1]";
  private final ScoringRequestDecoder multi =
      decoder(spec("features", DataType.FP32, -1, 3), spec("mask", DataType.BOOL, -1));
  private static final String ONE_SIGNATURE = "x: FP32 [-1, 7]";
  private final ScoringRequestDecoder one = decoder(spec("x", DataType.FP32, -1, 7));

  private static final String FEATURES =
      "{'name': 'features', 'datatype': 'FP32', 'shape': [1, 3], 'data': [1, 2, 3]}";
  private static final String MASK = "{'name': 'mask', 'datatype': 'BOOL', 'shape': [1], 'data': [true]}";
  private static final String X = "{'name': 'x', 'datatype': 'FP32', 'shape': [1, 7], 'data': [1, 2, 3, 4, 5, 6, 7]}";

  private static void assertMentions(InferbusException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> "message lacks <" + part + ">: " + e.getMessage());
    }
  }

  private InferbusException azure(ScoringRequestDecoder d, String body) {
    return assertBadInput(() -> d.decodeAzure(json(body)));
  }

  private InferbusException v2(ScoringRequestDecoder d, String body) {
    return assertBadInput(() -> d.decodeOpenInference(json(body)));
  }

  // ---- Azure style

  @Test
  void azureUnknownInputName() {
    InferbusException e = azure(multi, "{'input_data': {'feature': [[1, 2, 3]], 'mask': [true]}}");
    assertEquals("unknown input 'feature'; the model expects " + SIGNATURE, e.getMessage());
    assertEquals("feature", e.target());
  }

  @Test
  void azureMissingInput() {
    InferbusException e = azure(multi, "{'input_data': {'features': [[1, 2, 3]]}}");
    assertEquals("missing input 'mask'; the model expects " + SIGNATURE, e.getMessage());
    assertEquals("mask", e.target());
  }

  @Test
  void azureAllInputsMissing() {
    InferbusException e = azure(multi, "{'input_data': {}}");
    assertMentions(e, "missing inputs 'features', 'mask'", SIGNATURE);
  }

  @Test
  void azureInputGivenTwice() {
    InferbusException e = azure(multi, "{'input_data': {'mask': [true], 'features': [[1, 2, 3]], 'mask': [false]}}");
    assertMentions(e, "mask", SIGNATURE);
  }

  @Test
  void azureBareArrayForMultiInputModel() {
    InferbusException e = azure(multi, "{'input_data': [[1, 2, 3]]}");
    assertMentions(e, "2 inputs", SIGNATURE);
  }

  @Test
  void azureNamedInputUnknownToOneInputModel() {
    InferbusException e = azure(one, "{'input_data': {'y': [[1, 2, 3, 4, 5, 6, 7]]}}");
    assertMentions(e, "unknown input 'y'", ONE_SIGNATURE);
  }

  @Test
  void azureObjectWhereArrayExpected() {
    InferbusException e = azure(multi, "{'input_data': {'features': {'a': 1}, 'mask': [true]}}");
    assertMentions(e, "input 'features'", "FP32");
  }

  @Test
  void azureObjectInsideArray() {
    InferbusException e = azure(one, "{'input_data': [{'a': 1}]}");
    assertMentions(e, "input 'x'", "FP32");
  }

  @Test
  void azureUnknownTopLevelField() {
    InferbusException e = azure(one, "{'inputs': [[1, 2, 3, 4, 5, 6, 7]]}");
    assertMentions(e, "unknown field \"inputs\"", ONE_SIGNATURE);
  }

  @Test
  void azureUnknownFieldAfterTheInput() {
    InferbusException e = azure(one, "{'input_data': [[1, 2, 3, 4, 5, 6, 7]], 'extra': 1}");
    assertMentions(e, "unknown field \"extra\"", ONE_SIGNATURE);
  }

  @Test
  void azureBothInputDataAndData() {
    InferbusException e = azure(one, "{'input_data': [[1, 2, 3, 4, 5, 6, 7]], 'data': [[1, 2, 3, 4, 5, 6, 7]]}");
    assertMentions(e, "\"input_data\"", "\"data\"", ONE_SIGNATURE);
  }

  @Test
  void azureNoInputAtAll() {
    InferbusException e = azure(one, "{}");
    assertMentions(e, "input_data", ONE_SIGNATURE);
  }

  @Test
  void azureOnlyParams() {
    InferbusException e = azure(multi, "{'params': {'k': 1}}");
    assertMentions(e, "input_data", SIGNATURE);
  }

  @Test
  void azureNullInput() {
    InferbusException e = azure(one, "{'input_data': null}");
    assertMentions(e, "input 'x'", "FP32");
  }

  // ---- Open Inference Protocol

  @Test
  void v2UnknownInputName() {
    InferbusException e = v2(multi, "{'inputs': [" + FEATURES + ", {'name': 'masks', 'datatype': 'BOOL',"
        + " 'shape': [1], 'data': [true]}]}");
    assertEquals("unknown input 'masks'; the model expects " + SIGNATURE, e.getMessage());
    assertEquals("masks", e.target());
  }

  @Test
  void v2MissingInput() {
    InferbusException e = v2(multi, "{'inputs': [" + MASK + "]}");
    assertEquals("missing input 'features'; the model expects " + SIGNATURE, e.getMessage());
  }

  @Test
  void v2NoInputsAtAll() {
    InferbusException e = v2(multi, "{'inputs': []}");
    assertMentions(e, "missing inputs 'features', 'mask'", SIGNATURE);
  }

  @Test
  void v2InputGivenTwiceNamesTheInput() {
    InferbusException e = v2(multi, "{'inputs': [" + FEATURES + ", " + MASK + ", " + FEATURES + "]}");
    assertMentions(e, "'features'", "twice", SIGNATURE);
  }

  @Test
  void v2NoInputsField() {
    InferbusException e = v2(multi, "{'id': '1'}");
    assertMentions(e, "inputs", SIGNATURE);
  }

  @Test
  void v2InputsNotAnArray() {
    InferbusException e = v2(one, "{'inputs': " + X + "}");
    assertMentions(e, "inputs", ONE_SIGNATURE);
  }

  @Test
  void v2WrongDatatype() {
    InferbusException e = v2(one,
        "{'inputs': [{'name': 'x', 'datatype': 'FP64', 'shape': [1, 7], 'data': [1, 2, 3, 4, 5, 6, 7]}]}");
    assertEquals("input 'x' is FP64 but the model expects " + ONE_SIGNATURE, e.getMessage());
    assertEquals("x", e.target());
  }

  @Test
  void v2WrongDatatypeInReorderedInput() {
    InferbusException e = v2(one,
        "{'inputs': [{'data': [1, 2, 3, 4, 5, 6, 7], 'shape': [1, 7], 'datatype': 'INT32', 'name': 'x'}]}");
    assertEquals("input 'x' is INT32 but the model expects " + ONE_SIGNATURE, e.getMessage());
  }

  @Test
  void v2UnknownDatatype() {
    InferbusException e = v2(one,
        "{'inputs': [{'name': 'x', 'datatype': 'FLOAT32', 'shape': [1, 7], 'data': [1, 2, 3, 4, 5, 6, 7]}]}");
    assertMentions(e, "FLOAT32", "input 'x'", ONE_SIGNATURE);
  }

  @Test
  void v2LowercaseDatatypeIsUnknown() {
    InferbusException e = v2(one,
        "{'inputs': [{'name': 'x', 'datatype': 'fp32', 'shape': [1, 7], 'data': [1, 2, 3, 4, 5, 6, 7]}]}");
    assertMentions(e, "fp32", ONE_SIGNATURE);
  }

  @Test
  void v2InputWithoutName() {
    InferbusException e = v2(one, "{'inputs': [{'datatype': 'FP32', 'shape': [1, 7]}]}");
    assertMentions(e, "no \"name\"", ONE_SIGNATURE);
  }

  @Test
  void v2InputWithoutDatatype() {
    InferbusException e = v2(one, "{'inputs': [{'name': 'x', 'shape': [1, 7]}]}");
    assertMentions(e, "input 'x'", "datatype", ONE_SIGNATURE);
  }

  @Test
  void v2InputWithoutShape() {
    InferbusException e = v2(one, "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'data': [1, 2, 3, 4, 5, 6, 7]}]}");
    assertMentions(e, "input 'x'", "shape", ONE_SIGNATURE);
  }

  @Test
  void v2InputWithoutData() {
    InferbusException e = v2(one, "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'shape': [1, 7]}]}");
    assertMentions(e, "input 'x'", "data", ONE_SIGNATURE);
  }

  @Test
  void v2DataFirstAndNoName() {
    InferbusException e = v2(one, "{'inputs': [{'data': [1, 2, 3, 4, 5, 6, 7], 'datatype': 'FP32', 'shape': [1, 7]}]}");
    assertMentions(e, "no \"name\"", ONE_SIGNATURE);
  }

  @Test
  void v2DataFirstAndNoDatatype() {
    InferbusException e = v2(one, "{'inputs': [{'data': [1, 2, 3, 4, 5, 6, 7], 'name': 'x', 'shape': [1, 7]}]}");
    assertMentions(e, "input 'x'", "datatype", ONE_SIGNATURE);
  }

  @Test
  void v2DataOnly() {
    InferbusException e = v2(one, "{'inputs': [{'data': [1, 2, 3, 4, 5, 6, 7]}]}");
    assertMentions(e, ONE_SIGNATURE);
  }

  @Test
  void v2UnknownTopLevelField() {
    InferbusException e = v2(one, "{'inputs': [" + X + "], 'input_data': [[1]]}");
    assertMentions(e, "unknown field \"input_data\"", ONE_SIGNATURE);
  }

  @Test
  void v2UnknownFieldInAnInput() {
    InferbusException e = v2(one,
        "{'inputs': [{'name': 'x', 'datatype': 'FP32', 'dims': [1, 7], 'data': [1, 2, 3, 4, 5, 6, 7]}]}");
    assertMentions(e, "unknown field \"dims\"", ONE_SIGNATURE);
  }

  @Test
  void v2UnknownFieldAfterDataInReorderedInput() {
    InferbusException e = v2(one,
        "{'inputs': [{'data': [1, 2, 3, 4, 5, 6, 7], 'name': 'x', 'datatype': 'FP32', 'shape': [1, 7], 'dims': 2}]}");
    assertMentions(e, "unknown field \"dims\"", ONE_SIGNATURE);
  }

  @Test
  void v2InputNotAnObject() {
    InferbusException e = v2(one, "{'inputs': [[1, 2, 3, 4, 5, 6, 7]]}");
    assertMentions(e, "name, shape, datatype, data", ONE_SIGNATURE);
  }

  @Test
  void v2IdNotAString() {
    InferbusException e = v2(one, "{'id': 7, 'inputs': [" + X + "]}");
    assertMentions(e, "\"id\"", ONE_SIGNATURE);
  }

  @Test
  void v2RequestedOutputWithoutName() {
    InferbusException e = v2(one, "{'inputs': [" + X + "], 'outputs': [{'parameters': {}}]}");
    assertMentions(e, "output", "name");
  }

  @Test
  void v2RequestedOutputsNotAnArray() {
    InferbusException e = v2(one, "{'inputs': [" + X + "], 'outputs': 'y'}");
    assertMentions(e, "\"outputs\"");
  }

  @Test
  void v2NameNotAString() {
    InferbusException e = v2(one, "{'inputs': [{'name': 1, 'datatype': 'FP32', 'shape': [1, 7], 'data': [1]}]}");
    assertMentions(e, "\"name\"", ONE_SIGNATURE);
  }
}
