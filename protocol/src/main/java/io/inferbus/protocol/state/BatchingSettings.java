package io.inferbus.protocol.state;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.spec.SpecValues;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Dynamic batching of a deployment (an Inferbus extension to Azure's deployment spec): concurrent
 * requests of the same shape are stacked along the first dimension into one run of up to
 * {@code maxBatchSize} rows. {@code maxBatchDelayMs} is how long a partial batch may wait for more;
 * 0 means never wait, but take whatever queued while the previous run ran.
 */
public record BatchingSettings(int maxBatchSize, int maxBatchDelayMs) {
  public static final int MAX_BATCH_SIZE = 4096;
  public static final int MAX_BATCH_DELAY_MS = 1000;

  /** A spec's {@code batching: {max_batch_size, max_batch_delay_ms}}, validated; null (off) when absent. */
  public static BatchingSettings parse(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "batching must be an object such as {\"max_batch_size\": 16, \"max_batch_delay_ms\": 2}", "batching");
    }
    SpecValues.onlyKnown(json, "batching", Set.of("max_batch_size", "max_batch_delay_ms"),
        "max_batch_size and max_batch_delay_ms");
    return new BatchingSettings(
        SpecValues.wholeNumber(json, "max_batch_size", 16, 1, MAX_BATCH_SIZE),
        SpecValues.wholeNumber(json, "max_batch_delay_ms", 0, 0, MAX_BATCH_DELAY_MS));
  }

  public JsonObject toJson() {
    return new JsonObject().put("max_batch_size", maxBatchSize).put("max_batch_delay_ms", maxBatchDelayMs);
  }

  /** null when batching is off (absent). */
  public static BatchingSettings fromJson(JsonObject json) {
    if (json == null) {
      return null;
    }
    return new BatchingSettings(json.getInteger("max_batch_size", 16), json.getInteger("max_batch_delay_ms", 0));
  }
}
