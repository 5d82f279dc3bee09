package io.inferbus.protocol.stats;

import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WindowStats: counting answers, the error rate's definition, merging, and the JSON a gateway sends.
 *
 * <p>Bad inputs tried: a window that is a string or null; requests missing, negative, a fraction or a
 * string; errors that are not an object, keyed by a word, by 399 or 600, with a negative count; more
 * errors than requests; a latency histogram missing, refused, or with another count than requests;
 * and the same mismatches built in code.
 */
class WindowStatsTest {
  private static final long MS = 1_000_000;

  private static WindowStats answers(int... statusAndMillis) {
    WindowStats.Builder b = new WindowStats.Builder();
    for (int i = 0; i < statusAndMillis.length; i += 2) {
      b.record(statusAndMillis[i], statusAndMillis[i + 1] * MS);
    }
    return b.build();
  }

  @Test
  void countsEveryAnswerAndEveryStatusFrom400OnAsAnError() {
    WindowStats w = answers(200, 5, 200, 7, 400, 1, 404, 2, 429, 3, 500, 9, 503, 4, 503, 4, 408, 5000);
    assertEquals(9, w.requests());
    assertEquals(new TreeMap<>(Map.of(400, 1L, 404, 1L, 408, 1L, 429, 1L, 500, 1L, 503, 2L)), w.errors());
    assertEquals(7, w.errorCount());
    assertEquals(9, w.latency().count());
  }

  @Test
  void theErrorRateCountsOnlyTheServicesFailures() {
    // 5xx, 408 and 429 are the service's; 400, 401, 403, 404 and 413 are the caller's
    WindowStats w = answers(200, 1, 400, 1, 401, 1, 403, 1, 404, 1, 413, 1, 408, 1, 429, 1, 500, 1, 503, 1);
    assertEquals(4, w.failures());
    assertEquals(0.4, w.errorRate(), 1e-12);
    // as the management API defines error_rate: 424 (the model failed on this input) stays in errors only
    assertFalse(WindowStats.isFailure(424));
    assertFalse(WindowStats.isFailure(413));
    assertEquals(0, answers(400, 1, 404, 1).errorRate(), "only the callers' mistakes");
  }

  @Test
  void anEmptyWindowHasNoRequestsNoErrorsARateOfZeroAndNoQuantiles() {
    assertEquals(0, WindowStats.EMPTY.requests());
    assertEquals(0, WindowStats.EMPTY.errorRate());
    assertTrue(WindowStats.EMPTY.latency().quantileMs(0.5).isEmpty());
    assertSame(WindowStats.EMPTY, new WindowStats.Builder().build());
  }

  @Test
  void mergeIsAssociativeCommutativeAndHasTheEmptyWindowAsIdentity() {
    Random random = new Random(11);
    WindowStats[] w = new WindowStats[3];
    for (int k = 0; k < 3; k++) {
      WindowStats.Builder b = new WindowStats.Builder();
      for (int i = 0; i < 200 + 100 * k; i++) {
        int status = new int[] {200, 200, 200, 400, 429, 500, 503}[random.nextInt(7)];
        b.record(status, (long) (random.nextDouble() * 300 * MS));
      }
      w[k] = b.build();
    }
    assertEquals(w[0].merge(w[1]).merge(w[2]), w[0].merge(w[1].merge(w[2])));
    assertEquals(w[0].merge(w[1]), w[1].merge(w[0]));
    assertEquals(w[0], w[0].merge(WindowStats.EMPTY));
    assertEquals(w[0], WindowStats.EMPTY.merge(w[0]));
    WindowStats all = w[0].merge(w[1]).merge(w[2]);
    assertEquals(900, all.requests());
    assertEquals(w[0].errors().getOrDefault(500, 0L) + w[1].errors().getOrDefault(500, 0L)
        + w[2].errors().getOrDefault(500, 0L), all.errors().getOrDefault(500, 0L));
  }

  @Test
  void mergingIsTheSameAsCountingEveryAnswer() {
    assertEquals(answers(200, 1, 500, 2, 200, 3, 429, 4), answers(200, 1, 500, 2).merge(answers(200, 3, 429, 4)));
  }

  @Test
  void jsonRoundTrip() {
    WindowStats w = answers(200, 5, 500, 30, 503, 1, 429, 2);
    JsonObject json = w.toJson();
    assertEquals(4, json.getLong("requests"));
    assertEquals(new JsonObject().put("429", 1L).put("500", 1L).put("503", 1L), json.getJsonObject("errors"));
    assertEquals(w, WindowStats.fromJson(new JsonObject(json.encode())));
    assertEquals(WindowStats.EMPTY, WindowStats.fromJson(new JsonObject(WindowStats.EMPTY.toJson().encode())));
  }

  /** Bad inputs: a string and null instead of an object. */
  @Test
  void anythingButAnObjectIsRefused() {
    assertThrows(io.inferbus.protocol.InferbusException.class, () -> WindowStats.fromJson("requests=3"));
    assertThrows(io.inferbus.protocol.InferbusException.class, () -> WindowStats.fromJson(null));
  }

  /** Bad inputs: requests missing, negative, a fraction, a string. */
  @ParameterizedTest
  @ValueSource(strings = {"null", "-1", "2.5", "\"2\""})
  void requestsThatAreNotAWholeNumberAreRefused(String requests) {
    refused("requests", () -> WindowStats.fromJson(new JsonObject("{\"requests\": " + requests
        + ", \"errors\": {}, \"latency\": " + LatencyHistogram.EMPTY.toJson().encode() + "}")),
        "requests must be a whole number");
  }

  /** Bad inputs: errors an array; keyed by a word, 399, 600; a negative count. */
  @Test
  void errorsThatAreNotCountsOfErrorStatusesAreRefused() {
    refused("errors", () -> WindowStats.fromJson(window(1, "[500]", 1)), "errors must be an object");
    refused("errors", () -> WindowStats.fromJson(window(1, "{\"oops\": 1}", 1)), "'oops'", "400 to 599");
    refused("errors", () -> WindowStats.fromJson(window(1, "{\"399\": 1}", 1)), "'399'");
    refused("errors", () -> WindowStats.fromJson(window(1, "{\"600\": 1}", 1)), "'600'");
    refused("errors", () -> WindowStats.fromJson(window(1, "{\"500\": -1}", 1)), "the count of status 500");
  }

  /** Bad input: three errors among two requests. */
  @Test
  void moreErrorsThanRequestsAreRefused() {
    refused("errors", () -> WindowStats.fromJson(window(2, "{\"500\": 2, \"429\": 1}", 2)), "3 errors among 2");
  }

  /** Bad inputs: no latency, a latency refused by the histogram, latencies not one per request. */
  @Test
  void aLatencyThatDoesNotMatchTheRequestsIsRefused() {
    refused("latency", () -> WindowStats.fromJson(new JsonObject().put("requests", 0).put("errors",
        new JsonObject())), "must be an object");
    refused("latency", () -> WindowStats.fromJson(window(3, "{}", 2)), "2 latencies for 3 requests");
    refused("latency", () -> WindowStats.fromJson(new JsonObject().put("requests", 1).put("errors", new JsonObject())
        .put("latency", new JsonObject().put("scale", "other").put("counts", new JsonObject()))), "scale");
  }

  /** Bad inputs built in code: negative requests, latencies other than requests, status 300, too many errors. */
  @Test
  void theConstructorKeepsTheSameRules() {
    LatencyHistogram two = LatencyHistogram.ofMillis(1, 2);
    assertThrows(IllegalArgumentException.class, () -> new WindowStats(-1, new TreeMap<>(), LatencyHistogram.EMPTY));
    assertThrows(IllegalArgumentException.class, () -> new WindowStats(3, new TreeMap<>(), two));
    assertThrows(IllegalArgumentException.class, () -> new WindowStats(2, new TreeMap<>(Map.of(302, 1L)), two));
    assertThrows(IllegalArgumentException.class, () -> new WindowStats(2, new TreeMap<>(Map.of(500, 3L)), two));
    assertThrows(UnsupportedOperationException.class, () -> new WindowStats(2, new TreeMap<>(), two).errors()
        .put(500, 1L), "unmodifiable");
  }

  /** A window of {@code requests} with these errors and {@code latencies} latencies of 1 ms. */
  private static JsonObject window(long requests, String errors, int latencies) {
    LatencyHistogram.Builder latency = new LatencyHistogram.Builder();
    for (int i = 0; i < latencies; i++) {
      latency.recordNanos(MS);
    }
    return new JsonObject("{\"requests\": " + requests + ", \"errors\": " + errors + ", \"latency\": "
        + latency.build().toJson().encode() + "}");
  }
}
