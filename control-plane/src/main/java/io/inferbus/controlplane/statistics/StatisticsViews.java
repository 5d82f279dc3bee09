package io.inferbus.controlplane.statistics;

import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Collection;
import java.util.OptionalDouble;
import java.util.SortedMap;

/**
 * How the statistics routes show gathered statistics (docs/management-api.md, "Recent statistics").
 * Pure: no Vert.x but its JSON types, no clock.
 *
 * <p>Counts are live answers; a deployment's {@code mirrored_requests} counts the copies it answered
 * as a mirror, apart. {@code errors} holds every status of 400 or more; {@code error_rate} is the
 * share of answers that are the service's failures ({@link WindowStats#isFailure}: 5xx, 408, 429),
 * 0 without answers. Quantiles are in milliseconds, null without answers.
 */
public final class StatisticsViews {
  private StatisticsViews() {}

  /**
   * {@code GET /endpoints/{e}/metrics}: each of {@code deployments} (zeros when idle) with one point
   * per step of the window, zeros included, and the endpoint's total.
   */
  public static JsonObject endpoint(String endpoint, Collection<String> deployments, MetricsWindow window,
      GatheredStatistics gathered) {
    JsonObject byDeployment = new JsonObject();
    for (String deployment : deployments) {
      SeriesKey live = new SeriesKey(endpoint, deployment, TrafficKind.LIVE);
      SortedMap<Long, WindowStats> steps = gathered.steps(live);
      JsonArray series = new JsonArray();
      for (long t : window.stepStarts()) {
        series.add(new JsonObject().put("t", iso(t)).mergeIn(point(steps.getOrDefault(t, WindowStats.EMPTY))));
      }
      WindowStats total = gathered.total(live);
      JsonObject shown = new JsonObject()
          .put("requests", total.requests())
          .put("mirrored_requests", gathered.total(new SeriesKey(endpoint, deployment, TrafficKind.MIRRORED))
              .requests())
          .put("errors", errors(total))
          .put("error_rate", rate(total.errorRate()));
      quantiles(shown, total);
      byDeployment.put(deployment, shown.put("series", series));
    }
    // every live answer of the endpoint, a deployment deleted since included
    WindowStats total = gathered.endpointTotal(endpoint, TrafficKind.LIVE);
    JsonObject totalShown = new JsonObject().put("requests", total.requests()).put("errors", errors(total))
        .put("error_rate", rate(total.errorRate()));
    quantiles(totalShown, total);
    return new JsonObject()
        .put("endpoint", endpoint)
        .put("minutes", window.minutes())
        .put("step_seconds", window.stepMs() / 1000)
        .put("from", iso(window.fromMs()))
        .put("to", iso(window.toMs()))
        .put("deployments", byDeployment)
        .put("total", totalShown)
        .put("gateways", new JsonArray(gathered.gateways()))
        .put("missing_gateways", new JsonArray(gathered.missingGateways()));
  }

  /**
   * {@code GET /metrics/endpoints}: each of {@code endpoints} (zeros when idle) over the whole window,
   * from {@code gathered} holding one window per series ({@link MetricsWindow#wholeSpan}).
   */
  public static JsonObject endpoints(Collection<String> endpoints, MetricsWindow window, GatheredStatistics gathered) {
    JsonArray value = new JsonArray();
    double seconds = window.elapsedSeconds();
    for (String endpoint : endpoints) {
      WindowStats total = gathered.endpointTotal(endpoint, TrafficKind.LIVE);
      value.add(new JsonObject()
          .put("endpoint", endpoint)
          .put("requests", total.requests())
          .put("requests_per_second", round(seconds > 0 ? total.requests() / seconds : 0, 3))
          .put("error_rate", rate(total.errorRate()))
          .put("p95_ms", quantile(total, 0.95)));
    }
    return new JsonObject().put("minutes", window.minutes()).put("value", value)
        .put("missing_gateways", new JsonArray(gathered.missingGateways()));
  }

  /** One step of a deployment's series. */
  private static JsonObject point(WindowStats w) {
    JsonObject point = new JsonObject().put("requests", w.requests()).put("errors", errors(w));
    quantiles(point, w);
    return point;
  }

  private static void quantiles(JsonObject shown, WindowStats w) {
    shown.put("p50_ms", quantile(w, 0.5)).put("p95_ms", quantile(w, 0.95)).put("p99_ms", quantile(w, 0.99));
  }

  private static JsonObject errors(WindowStats w) {
    JsonObject errors = new JsonObject();
    w.errors().forEach((status, n) -> errors.put(Integer.toString(status), n));
    return errors;
  }

  /** In milliseconds to the microsecond; null without answers. */
  private static Double quantile(WindowStats w, double q) {
    OptionalDouble ms = w.latency().quantileMs(q);
    return ms.isPresent() ? round(ms.getAsDouble(), 3) : null;
  }

  private static double rate(double rate) {
    return round(rate, 6);
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  private static String iso(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis).toString();
  }
}
