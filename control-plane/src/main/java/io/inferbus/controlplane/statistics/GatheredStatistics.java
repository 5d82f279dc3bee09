package io.inferbus.controlplane.statistics;

import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every gateway's answer to one {@link io.inferbus.protocol.stats.StatisticsQuery}, merged: per
 * series, the windows by the start of their step (epoch ms; steps without answers absent), and which
 * gateways answered and which did not.
 *
 * @param gateways the gateways whose answers are in, sorted
 * @param missingGateways the gateways asked that did not answer in time (or answered what could not
 *     be read), sorted: their answers are missing from the numbers
 */
public record GatheredStatistics(Map<SeriesKey, SortedMap<Long, WindowStats>> series, List<String> gateways,
    List<String> missingGateways) {
  public GatheredStatistics {
    series = Map.copyOf(series);
    gateways = List.copyOf(gateways);
    missingGateways = List.copyOf(missingGateways);
  }

  /** One series' windows by step, empty when no gateway had answers for it. */
  public SortedMap<Long, WindowStats> steps(SeriesKey key) {
    SortedMap<Long, WindowStats> steps = series.get(key);
    return steps == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(steps);
  }

  /** One series' windows added up. */
  public WindowStats total(SeriesKey key) {
    return add(steps(key).values());
  }

  /** The windows of every deployment of {@code endpoint} of this kind, by step. */
  public SortedMap<Long, WindowStats> endpointSteps(String endpoint, TrafficKind kind) {
    TreeMap<Long, WindowStats> steps = new TreeMap<>();
    series.forEach((key, windows) -> {
      if (key.endpoint().equals(endpoint) && key.kind() == kind) {
        windows.forEach((t, w) -> steps.merge(t, w, WindowStats::merge));
      }
    });
    return steps;
  }

  /** Every deployment of {@code endpoint} of this kind, added up. */
  public WindowStats endpointTotal(String endpoint, TrafficKind kind) {
    return add(endpointSteps(endpoint, kind).values());
  }

  private static WindowStats add(Iterable<WindowStats> windows) {
    WindowStats sum = WindowStats.EMPTY;
    for (WindowStats w : windows) {
      sum = sum.merge(w);
    }
    return sum;
  }
}
