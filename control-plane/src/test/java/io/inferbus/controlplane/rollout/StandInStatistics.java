package io.inferbus.controlplane.rollout;

import io.inferbus.controlplane.statistics.GatheredStatistics;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The gateways' statistics as a rollout reads them, kept by a test: answers counted into 10-second
 * slots by the time a test gives, merged from one stand-in gateway. A test can hold the answers back
 * (a gateway that is slow to answer) and release them later.
 */
final class StandInStatistics implements RolloutService.Statistics {
  private final Map<SeriesKey, TreeMap<Long, WindowStats>> slots = new HashMap<>();
  private Promise<Void> held;

  /** Counts {@code w} as live answers of {@code deployment} of endpoint credit at {@code atMs}. */
  synchronized void answered(String deployment, long atMs, WindowStats w) {
    slots.computeIfAbsent(new SeriesKey("credit", deployment, TrafficKind.LIVE), k -> new TreeMap<>())
        .merge(StepWindow.slotOf(atMs), w, WindowStats::merge);
  }

  /** From now on, gathers wait until {@link #release}. */
  synchronized void hold() {
    held = Promise.promise();
  }

  void release() {
    Promise<Void> p;
    synchronized (this) {
      p = held;
      held = null;
    }
    p.complete();
  }

  @Override
  public Future<GatheredStatistics> gather(StatisticsQuery query) {
    Promise<Void> wait;
    synchronized (this) {
      wait = held;
    }
    return wait == null ? Future.succeededFuture(answer(query)) : wait.future().map(v -> answer(query));
  }

  private synchronized GatheredStatistics answer(StatisticsQuery query) {
    Map<SeriesKey, SortedMap<Long, WindowStats>> series = new HashMap<>();
    slots.forEach((key, bySlot) -> {
      if (!query.asksFor(key.endpoint(), key.deployment())) {
        return;
      }
      TreeMap<Long, WindowStats> steps = new TreeMap<>();
      bySlot.forEach((start, w) -> {
        if (query.contains(start)) {
          steps.merge(query.stepOf(start), w, WindowStats::merge);
        }
      });
      if (!steps.isEmpty()) {
        series.put(key, steps);
      }
    });
    return new GatheredStatistics(series, List.of("gateway-1"), List.of());
  }
}
