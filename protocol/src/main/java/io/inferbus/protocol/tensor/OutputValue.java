package io.inferbus.protocol.tensor;

/** A model output: a tensor, or a non-tensor value such as a sequence of maps. */
public sealed interface OutputValue permits Tensor, MapSequence {
  String name();
}
