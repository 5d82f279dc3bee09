package io.inferbus.protocol.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;

/** Shared helpers for the codec tests: JSON bodies, signatures and the BAD_INPUT assertion. */
final class Bodies {
  private Bodies() {}

  /** A body from JSON written with single quotes for readability (no apostrophes in values). */
  static Buffer json(String singleQuoted) {
    return Buffer.buffer(singleQuoted.replace('\'', '"'));
  }

  static TensorSpec spec(String name, DataType type, long... shape) {
    return new TensorSpec(name, type, shape);
  }

  static ScoringRequestDecoder decoder(TensorSpec... inputs) {
    return new ScoringRequestDecoder(List.of(inputs));
  }

  /** Runs the call, asserts it fails with an InferbusException of kind BAD_INPUT, returns it. */
  static InferbusException assertBadInput(Executable call) {
    InferbusException e = assertThrows(InferbusException.class, call);
    assertEquals(FailureKind.BAD_INPUT, e.kind(), () -> "kind of: " + e.getMessage());
    return e;
  }

  static Map<String, Tensor> byName(List<Tensor> tensors) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      m.put(t.name(), t);
    }
    return m;
  }

  /** n nested arrays around a single 1: depth 2 is [[1]]. */
  static String nested(int depth) {
    return "[".repeat(depth) + "1" + "]".repeat(depth);
  }
}
