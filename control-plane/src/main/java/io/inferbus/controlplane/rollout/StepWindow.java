package io.inferbus.controlplane.rollout;

import io.inferbus.controlplane.statistics.GatheredStatistics;
import io.inferbus.protocol.stats.LatencyHistogram;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A step's window, from the gateways' statistics: what the canary and the stable deployment(s)
 * answered since the step started. Pure.
 *
 * <p>Gateways count in 10-second slots, and a step starts anywhere in one. So at each step's start
 * the rollout keeps a {@link Baseline}: what that slot held for each deployment at that moment. The
 * step's window is every slot from that one on, minus the baseline: exactly the answers since the
 * step started, to within the few milliseconds between reading the baseline and writing the step.
 * A series whose slot now holds fewer answers than its baseline was counted afresh (its gateway
 * restarted): its slot is taken whole, and a bucket below the baseline counts as empty.
 *
 * @param canary the canary's live answers in the window
 * @param stable the stable deployments' live answers in the window, added up
 * @param snapshot what the slot in progress holds now: the baseline of a step that starts now
 */
public record StepWindow(WindowStats canary, WindowStats stable, Baseline snapshot) {
  /** The length of a gateway's statistics slot. */
  public static final long SLOT_MS = 10_000;

  /**
   * Each deployment's answers in slot {@code slotMs} when a step started: subtracted from that slot.
   *
   * @param deployments by deployment name
   */
  public record Baseline(long slotMs, Map<String, WindowStats> deployments) {
    public Baseline {
      deployments = Map.copyOf(deployments);
    }

    public WindowStats of(String deployment) {
      return deployments.getOrDefault(deployment, WindowStats.EMPTY);
    }

    /** {@code {"slot_ms", "deployments": {"<name>": <WindowStats>}}}. */
    public JsonObject toJson() {
      JsonObject shown = new JsonObject();
      deployments.forEach((name, w) -> shown.put(name, w.toJson()));
      return new JsonObject().put("slot_ms", slotMs).put("deployments", shown);
    }

    public static Baseline fromJson(JsonObject json) {
      if (json == null) {
        return null;
      }
      Map<String, WindowStats> deployments = new LinkedHashMap<>();
      json.getJsonObject("deployments", new JsonObject())
          .forEach(e -> deployments.put(e.getKey(), WindowStats.fromJson(e.getValue())));
      return new Baseline(json.getLong("slot_ms"), deployments);
    }
  }

  /** The start of the slot that holds {@code ms}. */
  public static long slotOf(long ms) {
    return Math.floorDiv(ms, SLOT_MS) * SLOT_MS;
  }

  /**
   * The window from {@code gathered}, which holds the endpoint's windows per slot from the
   * baseline's slot (or the step's, without a baseline) through the one holding {@code nowMs}.
   */
  public static StepWindow of(GatheredStatistics gathered, String endpoint, String canary,
      Collection<String> stable, Baseline baseline, long nowMs) {
    long current = slotOf(nowMs);
    Map<String, WindowStats> snapshot = new LinkedHashMap<>();
    WindowStats canaryWindow = since(gathered.steps(live(endpoint, canary)), baseline, canary);
    snapshot.put(canary, gathered.steps(live(endpoint, canary)).getOrDefault(current, WindowStats.EMPTY));
    WindowStats stableWindow = WindowStats.EMPTY;
    for (String d : stable) {
      SortedMap<Long, WindowStats> slots = gathered.steps(live(endpoint, d));
      stableWindow = stableWindow.merge(since(slots, baseline, d));
      snapshot.put(d, slots.getOrDefault(current, WindowStats.EMPTY));
    }
    return new StepWindow(canaryWindow, stableWindow, new Baseline(current, snapshot));
  }

  private static SeriesKey live(String endpoint, String deployment) {
    return new SeriesKey(endpoint, deployment, TrafficKind.LIVE);
  }

  /** A series' slots added up, the baseline taken off its slot. */
  static WindowStats since(SortedMap<Long, WindowStats> slots, Baseline baseline, String deployment) {
    WindowStats sum = WindowStats.EMPTY;
    for (Map.Entry<Long, WindowStats> slot : slots.entrySet()) {
      WindowStats w = slot.getValue();
      if (baseline != null && slot.getKey() == baseline.slotMs()) {
        w = minus(w, baseline.of(deployment));
      }
      sum = sum.merge(w);
    }
    return sum;
  }

  /**
   * The answers of {@code later} that {@code earlier} (the same slot read before) did not hold. When
   * {@code later} holds fewer answers, the slot was counted afresh since: {@code later} is returned
   * whole.
   */
  static WindowStats minus(WindowStats later, WindowStats earlier) {
    if (earlier.requests() == 0 || later.requests() < earlier.requests()) {
      return later;
    }
    WindowStats.Builder diff = new WindowStats.Builder();
    long requests = 0;
    for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
      long n = later.latency().countAt(i) - earlier.latency().countAt(i);
      if (n > 0) {
        diff.addLatencies(i, n);
        requests += n;
      }
    }
    // errors are bounded by the answers left: the earlier read may hold an answer's latency but not yet its error
    TreeMap<Integer, Long> errors = new TreeMap<>();
    long room = requests;
    for (Map.Entry<Integer, Long> e : later.errors().entrySet()) {
      long n = Math.min(room, e.getValue() - earlier.errors().getOrDefault(e.getKey(), 0L));
      if (n > 0) {
        errors.put(e.getKey(), n);
        room -= n;
      }
    }
    errors.forEach(diff::addErrors);
    return diff.build();
  }
}
