package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;

/** A deployment's request settings, with Azure ML's names and defaults. */
public record RequestSettings(int requestTimeoutMs, int maxConcurrentRequestsPerInstance, int maxQueueWaitMs) {
  public static final int MAX_REQUEST_TIMEOUT_MS = 180_000;
  /** Azure's defaults, as constants the CLI can read without loading this class (or Vert.x). */
  public static final int DEFAULT_REQUEST_TIMEOUT_MS = 5000;
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS_PER_INSTANCE = 1;
  public static final int DEFAULT_MAX_QUEUE_WAIT_MS = 500;
  public static final RequestSettings DEFAULTS = new RequestSettings(DEFAULT_REQUEST_TIMEOUT_MS,
      DEFAULT_MAX_CONCURRENT_REQUESTS_PER_INSTANCE, DEFAULT_MAX_QUEUE_WAIT_MS);

  public JsonObject toJson() {
    return new JsonObject()
        .put("request_timeout_ms", requestTimeoutMs)
        .put("max_concurrent_requests_per_instance", maxConcurrentRequestsPerInstance)
        .put("max_queue_wait_ms", maxQueueWaitMs);
  }

  /** Reads settings, taking the default for each field that is absent. Does not validate ranges. */
  public static RequestSettings fromJson(JsonObject json) {
    if (json == null) {
      return DEFAULTS;
    }
    return new RequestSettings(
        json.getInteger("request_timeout_ms", DEFAULTS.requestTimeoutMs),
        json.getInteger("max_concurrent_requests_per_instance", DEFAULTS.maxConcurrentRequestsPerInstance),
        json.getInteger("max_queue_wait_ms", DEFAULTS.maxQueueWaitMs));
  }
}
