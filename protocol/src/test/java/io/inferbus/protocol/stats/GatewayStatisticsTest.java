package io.inferbus.protocol.stats;

import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * GatewayStatistics, a gateway's answer on the event bus: round trip, and refusal of answers the
 * control plane cannot trust.
 *
 * <p>Bad inputs tried: an answer that is an array; a node that is missing or empty; series that are
 * not an array; a series that is a string, without an endpoint, with kind "shadow", with steps that
 * are an object; a step without t, with t as a string, twice the same t; a step with refused stats.
 */
class GatewayStatisticsTest {
  private static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private static WindowStats window(int status, double... ms) {
    WindowStats.Builder b = new WindowStats.Builder();
    for (double m : ms) {
      b.record(status, Math.round(m * 1e6));
    }
    return b.build();
  }

  @Test
  void jsonRoundTrip() {
    GatewayStatistics answer = new GatewayStatistics("gw-1", List.of(
        new GatewayStatistics.Series(new SeriesKey("credit", "blue", TrafficKind.LIVE),
            new TreeMap<>(Map.of(T0, window(200, 1, 2, 3), T0 + 10_000, window(503, 40)))),
        new GatewayStatistics.Series(new SeriesKey("credit", "green", TrafficKind.MIRRORED),
            new TreeMap<>(Map.of(T0, window(200, 7)))),
        new GatewayStatistics.Series(new SeriesKey("loans", "blue", TrafficKind.LIVE), new TreeMap<>())));
    JsonObject json = answer.toJson();
    assertEquals("gw-1", json.getString("node"));
    JsonObject first = json.getJsonArray("series").getJsonObject(0);
    assertEquals("live", first.getString("kind"));
    assertEquals(T0, first.getJsonArray("steps").getJsonObject(0).getLong("t"), "steps in time order");
    assertEquals("mirrored", json.getJsonArray("series").getJsonObject(1).getString("kind"));
    assertEquals(answer, GatewayStatistics.fromJson(new JsonObject(json.encode())));
  }

  @Test
  void aGatewayWithNothingToTellAnswersNoSeries() {
    GatewayStatistics none = new GatewayStatistics("gw-1", List.of());
    assertEquals(new JsonObject().put("node", "gw-1").put("series", new JsonArray()), none.toJson());
    assertEquals(none, GatewayStatistics.fromJson(none.toJson()));
  }

  /** Bad inputs: an array instead of an object; no node; an empty node; series an object. */
  @Test
  void anAnswerWithoutNodeOrSeriesIsRefused() {
    assertThrows(InferbusException.class, () -> GatewayStatistics.fromJson(new JsonArray()));
    refused("node", () -> GatewayStatistics.fromJson(new JsonObject().put("series", new JsonArray())),
        "node must be a non-empty string");
    refused("node", () -> GatewayStatistics.fromJson(new JsonObject().put("node", "").put("series", new JsonArray())),
        "node must be a non-empty string");
    refused("series", () -> GatewayStatistics.fromJson(new JsonObject().put("node", "gw").put("series",
        new JsonObject())), "series must be an array");
  }

  /** Bad inputs: a series that is a string, without an endpoint, of kind shadow, with steps as an object. */
  @Test
  void aMalformedSeriesIsRefused() {
    refused("series", () -> parse("\"credit/blue\""), "each series must be an object");
    refused("endpoint", () -> parse("{\"deployment\": \"blue\", \"kind\": \"live\", \"steps\": []}"),
        "endpoint must be a non-empty string");
    refused("kind", () -> parse("{\"endpoint\": \"credit\", \"deployment\": \"blue\", \"kind\": \"shadow\","
        + " \"steps\": []}"), "kind must be 'live' or 'mirrored'");
    refused("steps", () -> parse("{\"endpoint\": \"credit\", \"deployment\": \"blue\", \"kind\": \"live\","
        + " \"steps\": {}}"), "steps must be an array");
  }

  /** Bad inputs: a step without t, with t as a string, the same t twice, stats refused. */
  @Test
  void aMalformedStepIsRefused() {
    String stats = window(200, 1).toJson().encode();
    refused("steps", () -> parse(series("{\"stats\": " + stats + "}")), "each step must be");
    refused("steps", () -> parse(series("{\"t\": \"0\", \"stats\": " + stats + "}")), "each step must be");
    refused("steps", () -> parse(series("{\"t\": 0, \"stats\": " + stats + "}, {\"t\": 0, \"stats\": " + stats
        + "}")), "step t=0 appears twice");
    refused("requests", () -> parse(series("{\"t\": 0, \"stats\": {\"requests\": -3}}")), "requests must be");
  }

  private static String series(String steps) {
    return "{\"endpoint\": \"credit\", \"deployment\": \"blue\", \"kind\": \"live\", \"steps\": [" + steps + "]}";
  }

  private static GatewayStatistics parse(String series) {
    return GatewayStatistics.fromJson(new JsonObject("{\"node\": \"gw\", \"series\": [" + series + "]}"));
  }
}
