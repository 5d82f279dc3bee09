package io.inferbus.protocol.stats;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A gateway's answer to a {@link StatisticsQuery}: for each deployment it answered for (live and
 * mirrored apart), the window of each step that holds answers, by the step's start. Steps without
 * answers are left out.
 *
 * <p>JSON: {@code {"node", "series": [{"endpoint", "deployment", "kind": "live"|"mirrored", "revision"?,
 * "steps": [{"t": <epoch ms of the step's start>, "stats": <WindowStats>}, ...]}, ...]}}. {@code revision}
 * (the endpoint's traffic revision that routed the answers) is there only when the query asked for
 * answers by revision; without it the series adds up every revision.
 *
 * @param node the gateway's node id
 */
public record GatewayStatistics(String node, List<Series> series) {
  public GatewayStatistics {
    series = List.copyOf(series);
  }

  /** One deployment's live or mirrored windows, by the start (epoch ms) of their step; unmodifiable. */
  public record Series(SeriesKey key, SortedMap<Long, WindowStats> steps) {
    public Series {
      steps = Collections.unmodifiableSortedMap(new TreeMap<>(steps));
    }

    JsonObject toJson() {
      JsonArray stepsJson = new JsonArray();
      steps.forEach((t, stats) -> stepsJson.add(new JsonObject().put("t", t).put("stats", stats.toJson())));
      JsonObject json = new JsonObject().put("endpoint", key.endpoint()).put("deployment", key.deployment())
          .put("kind", key.kind().wireName()).put("steps", stepsJson);
      if (key.revision() != SeriesKey.ANY_REVISION) {
        json.put("revision", key.revision());
      }
      return json;
    }

    static Series fromJson(Object value) {
      if (!(value instanceof JsonObject json)) {
        throw refused("series", "each series must be an object {\"endpoint\", \"deployment\", \"kind\", \"steps\"},"
            + " not " + LatencyHistogram.describe(value));
      }
      Object revision = json.getValue("revision");
      if (revision != null && !(revision instanceof Integer || revision instanceof Long)) {
        throw refused("revision", "revision must be a whole number, not " + LatencyHistogram.describe(revision));
      }
      SeriesKey key = new SeriesKey(string(json, "endpoint"), string(json, "deployment"),
          TrafficKind.parse(json.getValue("kind")),
          revision == null ? SeriesKey.ANY_REVISION : ((Number) revision).longValue());
      if (!(json.getValue("steps") instanceof JsonArray stepsJson)) {
        throw refused("steps", "steps must be an array, not " + LatencyHistogram.describe(json.getValue("steps")));
      }
      TreeMap<Long, WindowStats> steps = new TreeMap<>();
      for (Object step : stepsJson) {
        if (!(step instanceof JsonObject s)
            || !(s.getValue("t") instanceof Integer || s.getValue("t") instanceof Long)) {
          throw refused("steps", "each step must be {\"t\": <epoch ms>, \"stats\"}, not "
              + LatencyHistogram.describe(step));
        }
        long t = s.getLong("t");
        if (steps.put(t, WindowStats.fromJson(s.getValue("stats"))) != null) {
          throw refused("steps", "step t=" + t + " appears twice in series " + key.endpoint() + "/"
              + key.deployment());
        }
      }
      return new Series(key, steps);
    }
  }

  public JsonObject toJson() {
    JsonArray seriesJson = new JsonArray();
    series.forEach(s -> seriesJson.add(s.toJson()));
    return new JsonObject().put("node", node).put("series", seriesJson);
  }

  /**
   * Reads {@link #toJson}'s form. Refused, as BAD_INPUT naming the field: anything but an object; a
   * node, endpoint or deployment that is not a string; series or steps that are not arrays; a kind
   * other than live and mirrored; a step without a whole-number {@code t}, or twice; windows refused
   * by {@link WindowStats#fromJson}.
   */
  public static GatewayStatistics fromJson(Object value) {
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "a gateway's statistics must be an object {\"node\","
          + " \"series\"}, not " + LatencyHistogram.describe(value));
    }
    String node = string(json, "node");
    if (!(json.getValue("series") instanceof JsonArray seriesJson)) {
      throw refused("series", "series must be an array, not " + LatencyHistogram.describe(json.getValue("series")));
    }
    List<Series> series = new ArrayList<>();
    for (Object s : seriesJson) {
      series.add(Series.fromJson(s));
    }
    return new GatewayStatistics(node, series);
  }

  private static String string(JsonObject json, String field) {
    Object v = json.getValue(field);
    if (v instanceof String s && !s.isEmpty()) {
      return s;
    }
    throw refused(field, field + " must be a non-empty string, not " + LatencyHistogram.describe(v));
  }

  private static InferbusException refused(String field, String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message, field);
  }
}
