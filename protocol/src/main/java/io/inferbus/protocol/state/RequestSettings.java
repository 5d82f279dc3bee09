package io.inferbus.protocol.state;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.spec.SpecValues;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** A deployment's request settings, with Azure ML's names and defaults. */
public record RequestSettings(int requestTimeoutMs, int maxConcurrentRequestsPerInstance, int maxQueueWaitMs) {
  public static final int MAX_REQUEST_TIMEOUT_MS = 180_000;
  /** Azure's defaults, as constants the CLI can read without loading this class (or Vert.x). */
  public static final int DEFAULT_REQUEST_TIMEOUT_MS = 5000;
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS_PER_INSTANCE = 1;
  public static final int DEFAULT_MAX_QUEUE_WAIT_MS = 500;
  public static final RequestSettings DEFAULTS = new RequestSettings(DEFAULT_REQUEST_TIMEOUT_MS,
      DEFAULT_MAX_CONCURRENT_REQUESTS_PER_INSTANCE, DEFAULT_MAX_QUEUE_WAIT_MS);

  public static final int MAX_CONCURRENT_REQUESTS_PER_INSTANCE = 1024;
  private static final Set<String> FIELDS = Set.of("request_timeout_ms", "max_concurrent_requests_per_instance",
      "max_queue_wait_ms");

  /**
   * A spec's {@code request_settings}, validated: each field a whole number in its range, a field
   * that is absent taken from {@code base} (the defaults for a new deployment, the current settings
   * for a PATCH), and no other fields. {@code base} itself when the value is absent.
   */
  public static RequestSettings parse(Object value, RequestSettings base) {
    if (value == null) {
      return base;
    }
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "request_settings must be an object", "request_settings");
    }
    int timeout = SpecValues.wholeNumber(json, "request_timeout_ms", base.requestTimeoutMs(), 1,
        MAX_REQUEST_TIMEOUT_MS);
    int concurrent = SpecValues.wholeNumber(json, "max_concurrent_requests_per_instance",
        base.maxConcurrentRequestsPerInstance(), 1, MAX_CONCURRENT_REQUESTS_PER_INSTANCE);
    int queueWait = SpecValues.wholeNumber(json, "max_queue_wait_ms", base.maxQueueWaitMs(), 0,
        MAX_REQUEST_TIMEOUT_MS);
    SpecValues.onlyKnown(json, "request_settings", FIELDS,
        "request_timeout_ms, max_concurrent_requests_per_instance, max_queue_wait_ms");
    return new RequestSettings(timeout, concurrent, queueWait);
  }

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
