package io.inferbus.protocol.tensor;

import java.util.List;

/**
 * A decoded scoring request: the input tensors, the client's request id (Open Inference Protocol
 * {@code id}, echoed in the answer) and the outputs it asked for (empty: all of them).
 */
public record InferenceRequest(String id, List<Tensor> inputs, List<String> requestedOutputs) {}
