package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;

/**
 * Dynamic batching of a deployment (an Inferbus extension to Azure's deployment spec): concurrent
 * requests of the same shape are stacked along the first dimension into one run of up to
 * {@code maxBatchSize} rows. {@code maxBatchDelayMs} is how long a partial batch may wait for more;
 * 0 means never wait, but take whatever queued while the previous run ran.
 */
public record BatchingSettings(int maxBatchSize, int maxBatchDelayMs) {
  public static final int MAX_BATCH_SIZE = 4096;
  public static final int MAX_BATCH_DELAY_MS = 1000;

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
