package io.inferbus.protocol.state;

import static io.inferbus.protocol.spec.Refusals.json;
import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RequestSettings.parse(value, base).
 *
 * <p>Bad inputs tried: each field one beyond each edge (request_timeout_ms 0 and 180001,
 * max_concurrent_requests_per_instance 0 and 1025, max_queue_wait_ms -1 and 180001), a fraction, a
 * numeric string, a boolean and a number that wraps to a valid int; request_settings as a number, a
 * string and an array; an unknown field (alone, and next to a valid one).
 */
class RequestSettingsParseTest {
  private static final RequestSettings BASE = new RequestSettings(7000, 4, 100);

  private static RequestSettings parse(String text) {
    return RequestSettings.parse(json(text), BASE);
  }

  @Test
  void absentValueIsTheBaseItself() {
    assertSame(BASE, RequestSettings.parse(null, BASE));
    assertSame(RequestSettings.DEFAULTS, RequestSettings.parse(null, RequestSettings.DEFAULTS));
  }

  @Test
  void emptyObjectTakesEveryFieldFromTheBase() {
    assertEquals(BASE, parse("{}"));
    assertEquals(new RequestSettings(5000, 1, 500), RequestSettings.parse(json("{}"), RequestSettings.DEFAULTS));
  }

  @Test
  void eachAbsentFieldComesFromTheBase() {
    assertEquals(new RequestSettings(9000, 4, 100), parse("{\"request_timeout_ms\": 9000}"));
    assertEquals(new RequestSettings(7000, 16, 100), parse("{\"max_concurrent_requests_per_instance\": 16}"));
    assertEquals(new RequestSettings(7000, 4, 0), parse("{\"max_queue_wait_ms\": 0}"));
    assertEquals(new RequestSettings(7000, 4, 100), parse("{\"request_timeout_ms\": null}"), "null is absent");
  }

  @Test
  void allThreeFieldsGiven() {
    assertEquals(new RequestSettings(1, 1024, 180000), parse("{\"request_timeout_ms\": 1,"
        + " \"max_concurrent_requests_per_instance\": 1024, \"max_queue_wait_ms\": 180000}"));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 180000})
  void requestTimeoutAtTheEdgesIsAccepted(int ms) {
    assertEquals(ms, parse("{\"request_timeout_ms\": " + ms + "}").requestTimeoutMs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-5", "180001", "1.5", "4294967297"})
  void requestTimeoutBeyondTheEdgesIsRefused(String ms) {
    refused("request_timeout_ms", () -> parse("{\"request_timeout_ms\": " + ms + "}"),
        "request_timeout_ms is " + ms, "use a whole number from 1 to 180000");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 1024})
  void maxConcurrentAtTheEdgesIsAccepted(int n) {
    assertEquals(n, parse("{\"max_concurrent_requests_per_instance\": " + n + "}").maxConcurrentRequestsPerInstance());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1025", "2.0"})
  void maxConcurrentBeyondTheEdgesIsRefused(String n) {
    refused("max_concurrent_requests_per_instance",
        () -> parse("{\"max_concurrent_requests_per_instance\": " + n + "}"),
        "max_concurrent_requests_per_instance is " + n, "use a whole number from 1 to 1024");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 180000})
  void maxQueueWaitAtTheEdgesIsAccepted(int ms) {
    assertEquals(ms, parse("{\"max_queue_wait_ms\": " + ms + "}").maxQueueWaitMs());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "180001"})
  void maxQueueWaitBeyondTheEdgesIsRefused(String ms) {
    refused("max_queue_wait_ms", () -> parse("{\"max_queue_wait_ms\": " + ms + "}"),
        "max_queue_wait_ms is " + ms, "use a whole number from 0 to 180000");
  }

  @Test
  void valuesOfTheWrongTypeAreRefused() {
    refused("request_timeout_ms", () -> parse("{\"request_timeout_ms\": \"5000\"}"), "request_timeout_ms is \"5000\"",
        "whole number");
    refused("max_queue_wait_ms", () -> parse("{\"max_queue_wait_ms\": false}"), "max_queue_wait_ms is false",
        "whole number");
  }

  @Test
  void notAnObjectIsRefused() {
    refused("request_settings", () -> RequestSettings.parse(5000, BASE), "request_settings must be an object");
    refused("request_settings", () -> RequestSettings.parse("fast", BASE), "request_settings must be an object");
    refused("request_settings", () -> RequestSettings.parse(new io.vertx.core.json.JsonArray().add(1), BASE),
        "request_settings must be an object");
  }

  @Test
  void unknownFieldIsRefusedNamingItAndTheKnownOnes() {
    // the target is the unknown field itself, not request_settings
    refused("timeout", () -> parse("{\"timeout\": 5}"), "request_settings has unknown field 'timeout'",
        "it takes request_timeout_ms, max_concurrent_requests_per_instance, max_queue_wait_ms");
    refused("request_timeout", () -> parse("{\"max_queue_wait_ms\": 5, \"request_timeout\": 5}"),
        "unknown field 'request_timeout'");
  }

  @Test
  void rangesAreCheckedBeforeUnknownFields() {
    // current behaviour: with both a bad value and an unknown field, the value is reported
    refused("request_timeout_ms", () -> parse("{\"timeout\": 5, \"request_timeout_ms\": 0}"),
        "request_timeout_ms is 0");
  }

  @Test
  void toJsonRoundTripsThroughFromJson() {
    RequestSettings s = new RequestSettings(123, 45, 6);
    assertEquals(s, RequestSettings.fromJson(s.toJson()));
    assertEquals(s, RequestSettings.parse(s.toJson(), RequestSettings.DEFAULTS));
  }
}
