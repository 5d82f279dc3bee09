package io.inferbus.conformance;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The graph inputs (those that are not initializers, in order) and outputs of an ONNX model, with
 * their declared kind, read from the ModelProto's wire format.
 */
record ModelSignature(List<Value> inputs, List<Value> outputs) {

  /**
   * One graph input or output: {@code kind} is "tensor", "sequence", "map", "optional",
   * "sparse_tensor" or "unknown"; {@code elemType} is the ONNX element type of a tensor (0 unknown).
   */
  record Value(String name, String kind, int elemType) {
    String describe() {
      return kind.equals("tensor") ? name + ": tensor(" + TensorValue.typeName(elemType) + ")" : name + ": " + kind;
    }
  }

  /** The first input or output that is not a tensor, described, or null when all are tensors. */
  String firstNonTensor() {
    for (Value v : inputs) {
      if (!v.kind().equals("tensor")) {
        return "input " + v.describe();
      }
    }
    for (Value v : outputs) {
      if (!v.kind().equals("tensor")) {
        return "output " + v.describe();
      }
    }
    return null;
  }

  static ModelSignature parse(byte[] model) {
    Wire m = new Wire(model);
    while (m.next()) {
      if (m.field() == 7 && m.wireType() == Wire.LEN) { // ModelProto.graph
        return graph(m.message());
      }
      m.skip();
    }
    throw new IllegalArgumentException("the model has no graph");
  }

  private static ModelSignature graph(Wire g) {
    List<Value> inputs = new ArrayList<>();
    List<Value> outputs = new ArrayList<>();
    Set<String> initializers = new HashSet<>();
    while (g.next()) {
      switch (g.field()) {
        case 5, 15 -> initializers.add(initializerName(g.message(), g.field() == 15)); // initializer, sparse_initializer
        case 11 -> inputs.add(valueInfo(g.message()));
        case 12 -> outputs.add(valueInfo(g.message()));
        default -> g.skip();
      }
    }
    inputs.removeIf(v -> initializers.contains(v.name()));
    return new ModelSignature(List.copyOf(inputs), List.copyOf(outputs));
  }

  private static String initializerName(Wire t, boolean sparse) {
    while (t.next()) {
      if (!sparse && t.field() == 8) { // TensorProto.name
        return t.string();
      }
      if (sparse && t.field() == 1) { // SparseTensorProto.values (a TensorProto named after the initializer)
        return initializerName(t.message(), false);
      }
      t.skip();
    }
    return "";
  }

  private static Value valueInfo(Wire v) {
    String name = "";
    String kind = "unknown";
    int elem = 0;
    while (v.next()) {
      if (v.field() == 1) {
        name = v.string();
      } else if (v.field() == 2 && v.wireType() == Wire.LEN) { // TypeProto
        Wire t = v.message();
        while (t.next()) {
          switch (t.field()) {
            case 1 -> {
              kind = "tensor";
              Wire tensor = t.message();
              while (tensor.next()) {
                if (tensor.field() == 1) {
                  elem = (int) tensor.varint();
                } else {
                  tensor.skip();
                }
              }
            }
            case 4 -> {
              kind = "sequence";
              t.skip();
            }
            case 5 -> {
              kind = "map";
              t.skip();
            }
            case 8 -> {
              kind = "sparse_tensor";
              t.skip();
            }
            case 9 -> {
              kind = "optional";
              t.skip();
            }
            default -> t.skip();
          }
        }
      } else {
        v.skip();
      }
    }
    return new Value(name, kind, elem);
  }
}
