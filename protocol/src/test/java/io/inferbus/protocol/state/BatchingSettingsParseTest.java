package io.inferbus.protocol.state;

import static io.inferbus.protocol.spec.Refusals.json;
import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BatchingSettings.parse(value).
 *
 * <p>Bad inputs tried: max_batch_size 0, -1, 4097, 1.5 and "16"; max_batch_delay_ms -1, 1001 and
 * 0.5; an unknown field (alone and next to a bad value); batching as true, a number, a string and an
 * array.
 */
class BatchingSettingsParseTest {

  private static BatchingSettings parse(String text) {
    return BatchingSettings.parse(json(text));
  }

  @Test
  void absentIsOff() {
    assertNull(BatchingSettings.parse(null));
  }

  @Test
  void emptyObjectIsOnWithTheDefaults() {
    assertEquals(new BatchingSettings(16, 0), parse("{}"));
  }

  @Test
  void eachAbsentFieldTakesItsDefault() {
    assertEquals(new BatchingSettings(64, 0), parse("{\"max_batch_size\": 64}"));
    assertEquals(new BatchingSettings(16, 5), parse("{\"max_batch_delay_ms\": 5}"));
    assertEquals(new BatchingSettings(16, 0), parse("{\"max_batch_size\": null, \"max_batch_delay_ms\": null}"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4096})
  void batchSizeAtTheEdgesIsAccepted(int n) {
    assertEquals(n, parse("{\"max_batch_size\": " + n + "}").maxBatchSize());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "4097", "1.5"})
  void batchSizeBeyondTheEdgesIsRefused(String n) {
    refused("max_batch_size", () -> parse("{\"max_batch_size\": " + n + "}"), "max_batch_size is " + n,
        "use a whole number from 1 to 4096");
  }

  @Test
  void batchSizeAsAStringIsRefused() {
    refused("max_batch_size", () -> parse("{\"max_batch_size\": \"16\"}"), "max_batch_size is \"16\"",
        "whole number from 1 to 4096");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1000})
  void batchDelayAtTheEdgesIsAccepted(int ms) {
    assertEquals(ms, parse("{\"max_batch_delay_ms\": " + ms + "}").maxBatchDelayMs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "1001", "0.5"})
  void batchDelayBeyondTheEdgesIsRefused(String ms) {
    refused("max_batch_delay_ms", () -> parse("{\"max_batch_delay_ms\": " + ms + "}"), "max_batch_delay_ms is " + ms,
        "use a whole number from 0 to 1000");
  }

  @Test
  void unknownFieldIsRefusedNamingItAndTheKnownOnes() {
    refused("max_batch", () -> parse("{\"max_batch\": 8}"), "batching has unknown field 'max_batch'",
        "it takes max_batch_size and max_batch_delay_ms");
  }

  @Test
  void unknownFieldsAreCheckedBeforeRanges() {
    // the opposite order to request_settings (current behaviour)
    refused("delay", () -> parse("{\"max_batch_size\": 0, \"delay\": 1}"), "unknown field 'delay'");
  }

  @Test
  void notAnObjectIsRefusedShowingTheForm() {
    for (Object value : new Object[] {true, 16, "on", new JsonArray().add(16)}) {
      refused("batching", () -> BatchingSettings.parse(value), "batching must be an object",
          "{\"max_batch_size\": 16, \"max_batch_delay_ms\": 2}");
    }
  }

  @Test
  void toJsonRoundTrips() {
    BatchingSettings b = new BatchingSettings(32, 7);
    assertEquals(b, BatchingSettings.fromJson(b.toJson()));
    assertEquals(b, BatchingSettings.parse(b.toJson()));
    assertNull(BatchingSettings.fromJson(null));
  }
}
