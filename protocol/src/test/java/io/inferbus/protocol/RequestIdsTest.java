package io.inferbus.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A caller's request id is kept when it is sane and replaced by a new UUID when it is not. */
class RequestIdsTest {
  @ParameterizedTest
  @ValueSource(strings = {"a", "req-1.a:b_c", "0f8fad5b-d9cb-469f-a165-70867728950e", "A.Z_0:9-"})
  void saneIdIsKept(String id) {
    assertTrue(RequestIds.isValid(id));
    assertEquals(id, RequestIds.accept(id));
  }

  @Test
  void longestSaneIdIsKept() {
    String id = "x".repeat(128);
    assertTrue(RequestIds.isValid(id));
    assertEquals(id, RequestIds.accept(id));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a/b", "a\nb", "a\"b", "caf\u00e9", "<script>", "a;b", "a%20b"})
  void otherIdIsReplaced(String id) {
    assertFalse(RequestIds.isValid(id));
    assertReplaced(id);
  }

  @Test
  void overlongIdIsReplaced() {
    String id = "x".repeat(129);
    assertFalse(RequestIds.isValid(id));
    assertReplaced(id);
  }

  @Test
  void missingIdIsGenerated() {
    assertFalse(RequestIds.isValid(null));
    assertReplaced(null);
  }

  private static void assertReplaced(String callerId) {
    String id = RequestIds.accept(callerId);
    assertNotEquals(callerId, id);
    assertEquals(id, UUID.fromString(id).toString());
    assertTrue(RequestIds.isValid(id), "a generated id follows the rule too");
    assertNotEquals(id, RequestIds.accept(callerId), "each generated id is new");
  }
}
