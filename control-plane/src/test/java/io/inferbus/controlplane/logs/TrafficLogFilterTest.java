package io.inferbus.controlplane.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The traffic-log route's parameters, as an operator (or az's habits) writes them. */
class TrafficLogFilterTest {
  private static final Instant NOW = Instant.parse("2026-12-06T05:00:00Z");

  private static TrafficLogFilter parse(String requestId, String since, String status, String lines) {
    return TrafficLogFilter.parse(requestId, since, status, lines, NOW);
  }

  @Test
  void noParametersAskForTheLastHundredLinesUnfiltered() {
    TrafficLogFilter f = parse(null, null, null, null);
    assertEquals(new JsonObject().put("endpoint", "credit").put("lines", 100), f.query("credit"));
  }

  @ParameterizedTest
  @CsvSource({"45s, PT45S", "30m, PT30M", "2h, PT2H", "7d, PT168H", "30d, PT720H"})
  void sinceAsADurationCountsBackFromNow(String since, Duration back) {
    assertEquals(NOW.minus(back).toEpochMilli(), parse(null, since, null, null).sinceMs());
  }

  @Test
  void sinceAsAnInstant() {
    assertEquals(Instant.parse("2026-12-01T10:15:30.250Z").toEpochMilli(),
        parse(null, "2026-12-01T10:15:30.250Z", null, null).sinceMs());
  }

  @Test
  void statusCodeOrClassIsPassedOnInLowerCase() {
    assertEquals("503", parse(null, null, "503", null).status());
    assertEquals("5xx", parse(null, null, "5XX", null).status());
    assertEquals("1xx", parse(null, null, "1xx", null).status());
    assertEquals("100", parse(null, null, "100", null).status());
    assertEquals("599", parse(null, null, "599", null).status());
  }

  @Test
  void everyFilterReachesTheGatewaysQuestion() {
    TrafficLogFilter f = parse("req-1.a:b_c", "1h", "429", "7");
    assertEquals(new JsonObject().put("endpoint", "loans").put("lines", 7).put("request_id", "req-1.a:b_c")
        .put("since_ms", NOW.minus(Duration.ofHours(1)).toEpochMilli()).put("status", "429"), f.query("loans"));
  }

  /**
   * Refused, each with a 400 naming the parameter: lines 0, negative, above 10000, empty, not a
   * number; since empty, a word, a zero or negative or unit-less duration, a date without time;
   * status outside 100-599, two digits, a class outside 1xx-5xx, a word; request_id empty, with a
   * space or slash, over 128 characters.
   */
  @ParameterizedTest
  @CsvSource(nullValues = "NULL", value = {
      "NULL, NULL, NULL, 0, lines", "NULL, NULL, NULL, -3, lines", "NULL, NULL, NULL, 10001, lines",
      "NULL, NULL, NULL, '', lines", "NULL, NULL, NULL, many, lines",
      "NULL, '', NULL, NULL, since", "NULL, yesterday, NULL, NULL, since", "NULL, 0m, NULL, NULL, since",
      "NULL, -5m, NULL, NULL, since", "NULL, 30, NULL, NULL, since", "NULL, 2026-12-01, NULL, NULL, since",
      "NULL, NULL, 600, NULL, status", "NULL, NULL, 099, NULL, status", "NULL, NULL, 50, NULL, status",
      "NULL, NULL, 9xx, NULL, status", "NULL, NULL, 0xx, NULL, status", "NULL, NULL, error, NULL, status",
      "'', NULL, NULL, NULL, request_id", "a b, NULL, NULL, NULL, request_id", "a/b, NULL, NULL, NULL, request_id"})
  void badParameterIsRefusedNamingIt(String requestId, String since, String status, String lines, String parameter) {
    InferbusException e = assertThrows(InferbusException.class, () -> parse(requestId, since, status, lines));
    assertEquals(FailureKind.BAD_INPUT, e.kind());
    assertEquals(parameter, e.target());
    assertTrue(e.getMessage().startsWith(parameter + " must be"), e.getMessage());
  }

  @Test
  void requestIdOfAtMost128Characters() {
    assertEquals(128, parse("x".repeat(128), null, null, null).requestId().length());
    InferbusException e = assertThrows(InferbusException.class, () -> parse("x".repeat(129), null, null, null));
    assertEquals("request_id", e.target());
  }

  @Test
  void requestIdIsWhatAGatewayCouldHaveAnsweredWith() {
    String generated = RequestIds.accept(null);
    assertEquals(generated, parse(generated, null, null, null).requestId());
    InferbusException e = assertThrows(InferbusException.class, () -> parse("a b", null, null, null));
    assertEquals("request_id must be 1 to 128 characters of letters, digits and . _ : - (as the x-request-id the "
        + "gateway answered with), not 'a b'", e.getMessage());
  }

  @Test
  void linesFromOneToTenThousand() {
    assertEquals(1, parse(null, null, null, "1").lines());
    assertEquals(10_000, parse(null, null, null, "10000").lines());
  }
}
