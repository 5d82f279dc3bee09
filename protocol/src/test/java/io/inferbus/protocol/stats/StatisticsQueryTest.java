package io.inferbus.protocol.stats;

import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * StatisticsQuery: which slots it holds, the step each adds to, its JSON.
 *
 * <p>Bad inputs tried: a deployment without an endpoint; to_ms equal to and before from_ms; a step of
 * 0 and negative; more than 1000 steps; times missing, fractional or strings; an endpoint that is a
 * number; a query that is not an object.
 */
class StatisticsQueryTest {
  @Test
  void slotsStartingInsideTheSpanCountInTheStepTheyStartIn() {
    StatisticsQuery q = new StatisticsQuery("credit", null, 60_000, 180_000, 60_000);
    assertFalse(q.contains(50_000));
    assertTrue(q.contains(60_000));
    assertTrue(q.contains(179_999));
    assertFalse(q.contains(180_000), "the end is outside");
    assertEquals(60_000, q.stepOf(60_000));
    assertEquals(60_000, q.stepOf(110_000));
    assertEquals(120_000, q.stepOf(120_000));
    assertEquals(120_000, q.stepOf(170_000));
  }

  @Test
  void asksForItsEndpointAndDeploymentOrEvery() {
    assertTrue(StatisticsQuery.all(0, 10, 10).asksFor("credit", "blue"));
    assertTrue(new StatisticsQuery("credit", null, 0, 10, 10).asksFor("credit", "green"));
    assertFalse(new StatisticsQuery("credit", null, 0, 10, 10).asksFor("loans", "blue"));
    assertTrue(new StatisticsQuery("credit", "blue", 0, 10, 10).asksFor("credit", "blue"));
    assertFalse(new StatisticsQuery("credit", "blue", 0, 10, 10).asksFor("credit", "green"));
  }

  @Test
  void jsonRoundTrip() {
    for (StatisticsQuery q : new StatisticsQuery[] {StatisticsQuery.all(1_700_000_000_000L, 1_700_000_300_000L,
        300_000), new StatisticsQuery("credit", "blue", 10, 20, 10), new StatisticsQuery("credit", null, 0, 3_600_000,
        10_000)}) {
      assertEquals(q, StatisticsQuery.fromJson(new JsonObject(q.toJson().encode())));
    }
    assertEquals(new JsonObject().put("from_ms", 0L).put("to_ms", 10L).put("step_ms", 10L),
        StatisticsQuery.all(0, 10, 10).toJson(), "no endpoint: every endpoint");
  }

  /** Bad inputs: a deployment without its endpoint, an empty or backwards span, a step of 0 or -10, 1001 steps. */
  @Test
  void spansAndStepsThatMakeNoSenseAreRefused() {
    refused("deployment", () -> new StatisticsQuery(null, "blue", 0, 10, 10), "with its endpoint");
    refused("to_ms", () -> new StatisticsQuery("credit", null, 10, 10, 10), "must be after from_ms");
    refused("to_ms", () -> new StatisticsQuery("credit", null, 10, 5, 10), "must be after from_ms");
    refused("step_ms", () -> new StatisticsQuery("credit", null, 0, 10, 0), "positive");
    refused("step_ms", () -> new StatisticsQuery("credit", null, 0, 10, -10), "positive");
    refused("step_ms", () -> new StatisticsQuery("credit", null, 0, 10_010, 10), "at most 1000 steps");
    assertEquals(1000, (new StatisticsQuery("credit", null, 0, 10_000, 10).toMs()) / 10, "1000 steps are fine");
  }

  /** Bad inputs: not an object; from_ms missing, a fraction, a string; an endpoint that is a number. */
  @Test
  void malformedJsonIsRefusedNamingTheField() {
    assertEquals("a statistics query must be an object {\"endpoint\", \"from_ms\", \"to_ms\", \"step_ms\"}, not"
        + " \"credit\"", org.junit.jupiter.api.Assertions.assertThrows(io.inferbus.protocol.InferbusException.class,
        () -> StatisticsQuery.fromJson("credit")).getMessage());
    refused("from_ms", () -> StatisticsQuery.fromJson(new JsonObject("{\"to_ms\": 10, \"step_ms\": 10}")),
        "from_ms must be a whole number of milliseconds, not null");
    refused("from_ms", () -> StatisticsQuery.fromJson(new JsonObject("{\"from_ms\": 1.5, \"to_ms\": 10,"
        + " \"step_ms\": 10}")), "not 1.5");
    refused("to_ms", () -> StatisticsQuery.fromJson(new JsonObject("{\"from_ms\": 1, \"to_ms\": \"10\","
        + " \"step_ms\": 10}")), "to_ms must be a whole number");
    refused("endpoint", () -> StatisticsQuery.fromJson(new JsonObject("{\"endpoint\": 5, \"from_ms\": 1,"
        + " \"to_ms\": 10, \"step_ms\": 10}")), "endpoint must be a string");
  }
}
