package io.inferbus.protocol.stats;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What callers saw of one deployment (or endpoint) over a span of time: how many answers, the
 * errors among them by HTTP status code, and their latencies. Windows merge by adding, in any order
 * and grouping, so a gateway's 10-second slots and several gateways' answers combine into the same
 * numbers.
 *
 * <p>{@code errors} counts every answer with a status of 400 or more, by code. {@link #failures} are
 * the answers that are the service's fault rather than the caller's: 5xx, 408 (the deployment did not
 * answer within {@code request_timeout_ms}) and 429 (it was over capacity); a 400, 401, 403, 404 or
 * 413 is the caller's mistake and does not make a deployment look unhealthy. A 424 (the model failed
 * on this input) is counted in {@code errors} but not as a failure: it follows the input as much as
 * the deployment.
 *
 * <p>JSON: {@code {"requests": n, "errors": {"<status>": n, ...}, "latency": <LatencyHistogram>}}.
 *
 * @param requests answers counted
 * @param errors answers with status 400–599, by status; unmodifiable, sorted by status
 * @param latency one latency per answer: its count is {@code requests}
 */
public record WindowStats(long requests, SortedMap<Integer, Long> errors, LatencyHistogram latency) {
  public static final WindowStats EMPTY = new WindowStats(0, new TreeMap<>(), LatencyHistogram.EMPTY);

  public WindowStats {
    if (requests < 0) {
      throw new IllegalArgumentException("requests cannot be negative: " + requests);
    }
    if (latency.count() != requests) {
      throw new IllegalArgumentException("a window holds one latency per request: " + requests + " requests, "
          + latency.count() + " latencies");
    }
    TreeMap<Integer, Long> copy = new TreeMap<>();
    long errorCount = 0;
    for (Map.Entry<Integer, Long> e : errors.entrySet()) {
      if (e.getKey() < 400 || e.getKey() > 599 || e.getValue() < 0) {
        throw new IllegalArgumentException("errors are counts of statuses 400-599, not " + errors);
      }
      if (e.getValue() > 0) {
        copy.put(e.getKey(), e.getValue());
        errorCount += e.getValue();
      }
    }
    if (errorCount > requests) {
      throw new IllegalArgumentException(errorCount + " errors among " + requests + " requests");
    }
    errors = Collections.unmodifiableSortedMap(copy);
  }

  /** Whether {@code status} counts among the service's failures (see the class comment). */
  public static boolean isFailure(int status) {
    return status >= 500 || status == 408 || status == 429;
  }

  /** Answers with status 400 or more. */
  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Answers that are the service's failures: 5xx, 408 and 429. */
  public long failures() {
    long n = 0;
    for (Map.Entry<Integer, Long> e : errors.entrySet()) {
      if (isFailure(e.getKey())) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** {@link #failures} as a share of requests, 0 when there were none. */
  public double errorRate() {
    return requests == 0 ? 0 : (double) failures() / requests;
  }

  /** Both windows added. */
  public WindowStats merge(WindowStats other) {
    if (other.requests == 0) {
      return this;
    }
    if (requests == 0) {
      return other;
    }
    TreeMap<Integer, Long> sum = new TreeMap<>(errors);
    other.errors.forEach((status, n) -> sum.merge(status, n, Long::sum));
    return new WindowStats(requests + other.requests, sum, latency.merge(other.latency));
  }

  public JsonObject toJson() {
    JsonObject byStatus = new JsonObject();
    errors.forEach((status, n) -> byStatus.put(Integer.toString(status), n));
    return new JsonObject().put("requests", requests).put("errors", byStatus).put("latency", latency.toJson());
  }

  /**
   * Reads {@link #toJson}'s form. Refused, as BAD_INPUT naming the field: anything but an object;
   * {@code requests} missing or not a whole number of 0 or more; {@code errors} not an object, a key
   * that is not a status from 400 to 599, a count that is not a whole number; more errors than
   * requests; a latency histogram refused by {@link LatencyHistogram#fromJson} or whose count is not
   * {@code requests}.
   */
  public static WindowStats fromJson(Object value) {
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "window statistics must be an object {\"requests\","
          + " \"errors\", \"latency\"}, not " + LatencyHistogram.describe(value));
    }
    long requests = LatencyHistogram.wholeNumber(json.getValue("requests"), "requests", "requests");
    Object errorsValue = json.getValue("errors");
    if (!(errorsValue instanceof JsonObject errorsJson)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "errors must be an object of status → count, not "
          + LatencyHistogram.describe(errorsValue), "errors");
    }
    TreeMap<Integer, Long> errors = new TreeMap<>();
    long errorCount = 0;
    for (Map.Entry<String, Object> e : errorsJson) {
      int status;
      try {
        status = Integer.parseInt(e.getKey());
      } catch (NumberFormatException notNumber) {
        status = -1;
      }
      if (status < 400 || status > 599) {
        throw new InferbusException(FailureKind.BAD_INPUT, "errors: '" + e.getKey()
            + "' is not an HTTP status from 400 to 599", "errors");
      }
      long n = LatencyHistogram.wholeNumber(e.getValue(), "errors", "the count of status " + status);
      errors.put(status, n);
      errorCount += n;
    }
    if (errorCount > requests) {
      throw new InferbusException(FailureKind.BAD_INPUT, "errors: " + errorCount + " errors among " + requests
          + " requests", "errors");
    }
    LatencyHistogram latency = LatencyHistogram.fromJson(json.getValue("latency"));
    if (latency.count() != requests) {
      throw new InferbusException(FailureKind.BAD_INPUT, "latency: " + latency.count() + " latencies for " + requests
          + " requests (one per request)", "latency");
    }
    return new WindowStats(requests, errors, latency);
  }

  /** Builds a window from answers or from counts, on one thread. */
  public static final class Builder {
    private long requests;
    private final TreeMap<Integer, Long> errors = new TreeMap<>();
    private final LatencyHistogram.Builder latency = new LatencyHistogram.Builder();

    /** One answer: its status and its latency. */
    public Builder record(int status, long nanos) {
      latency.recordNanos(nanos);
      requests++;
      if (status >= 400 && status <= 599) {
        errors.merge(status, 1L, Long::sum);
      }
      return this;
    }

    /** {@code n} answers whose latency falls in {@code bucket}. */
    public Builder addLatencies(int bucket, long n) {
      latency.add(bucket, n);
      requests += n;
      return this;
    }

    /** {@code n} of the answers had {@code status} (400–599). */
    public Builder addErrors(int status, long n) {
      if (n > 0) {
        errors.merge(status, n, Long::sum);
      }
      return this;
    }

    public WindowStats build() {
      return requests == 0 && errors.isEmpty() ? EMPTY : new WindowStats(requests, errors, latency.build());
    }
  }
}
