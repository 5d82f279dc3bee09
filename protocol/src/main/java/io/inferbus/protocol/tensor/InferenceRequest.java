package io.inferbus.protocol.tensor;

import java.util.List;
import java.util.Map;

/**
 * A decoded scoring request: the input tensors, the client's request id (Open Inference Protocol
 * {@code id}, echoed in the answer), the outputs it asked for (empty: all of them) and which outputs
 * it wants as binary tensor data: {@code parameters.binary_data_output} for all, overridden per
 * output by that output's {@code parameters.binary_data}.
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<String> requestedOutputs,
    boolean binaryOutputs, Map<String, Boolean> binaryByOutput) {

  public InferenceRequest(String id, List<Tensor> inputs, List<String> requestedOutputs) {
    this(id, inputs, requestedOutputs, false, Map.of());
  }

  /** Whether the answer carries this output as binary data rather than JSON. */
  public boolean binary(String output) {
    return binaryByOutput.getOrDefault(output, binaryOutputs);
  }

  /** Whether any output may be binary, so the answer needs the binary layout. */
  public boolean mayBeBinary() {
    return binaryOutputs || binaryByOutput.containsValue(Boolean.TRUE);
  }
}
