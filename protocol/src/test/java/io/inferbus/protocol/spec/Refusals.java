package io.inferbus.protocol.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.function.Executable;

/** Assertions shared by the spec parsers' tests (the spec package and RequestSettings/BatchingSettings). */
public final class Refusals {
  private Refusals() {}

  /** A body as a client sends it: JSON text parsed by Vert.x (whole numbers as Integer/Long, others as Double). */
  public static JsonObject json(String text) {
    return new JsonObject(text);
  }

  /** The call is refused as BAD_INPUT about {@code target}, with a message holding every fragment. */
  public static InferbusException refused(String target, Executable call, String... fragments) {
    InferbusException e = assertThrows(InferbusException.class, call);
    assertEquals(FailureKind.BAD_INPUT, e.kind(), e.getMessage());
    assertEquals(target, e.target(), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
    }
    return e;
  }
}
