package io.inferbus.protocol.tensor;

import java.util.List;
import java.util.Map;

/**
 * A non-tensor output: a sequence of maps, as scikit-learn converters emit for class probabilities
 * ({@code [{"0": 0.89, "1": 0.11}, ...]}), one map per row of the batch. Rendered as a JSON list of
 * objects on the Azure-style route; on the Open Inference Protocol, which has no map type, as a
 * BYTES tensor of shape [n] whose elements are the maps' JSON texts.
 */
public record MapSequence(String name, List<Map<Object, Object>> maps) implements OutputValue {
  public MapSequence {
    maps = List.copyOf(maps);
  }
}
