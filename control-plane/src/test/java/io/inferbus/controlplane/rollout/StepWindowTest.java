package io.inferbus.controlplane.rollout;

import static io.inferbus.controlplane.rollout.Windows.answers;
import static io.inferbus.controlplane.rollout.Windows.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.controlplane.rollout.StepWindow.Baseline;
import io.inferbus.controlplane.statistics.GatheredStatistics;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A step's window from the gateways' 10-second slots: the answers since the step started, the
 * baseline taken off the slot it started in; the stable deployments added up; mirrored copies left
 * out; a slot counted afresh (a gateway restarted) taken whole.
 */
class StepWindowTest {
  private static final long T0 = 1_700_000_000_000L; // a slot's start
  private final Map<SeriesKey, SortedMap<Long, WindowStats>> series = new HashMap<>();

  private void slot(String deployment, long start, WindowStats w) {
    series.computeIfAbsent(new SeriesKey("credit", deployment, TrafficKind.LIVE), k -> new TreeMap<>()).put(start, w);
  }

  private GatheredStatistics gathered() {
    return new GatheredStatistics(series, List.of("gw1"), List.of());
  }

  @Test
  void theStepsWindowIsEverySlotSinceMinusTheBaseline() {
    // the step started 4 s into slot T0, when green had 30 answers and blue 270 there
    Baseline baseline = new Baseline(T0, Map.of("green", ok(30, 5), "blue", ok(270, 5)));
    slot("green", T0, ok(30, 5).merge(answers(15, 50, 5, 503)));
    slot("green", T0 + 10_000, ok(12, 50));
    slot("blue", T0, ok(270, 5).merge(ok(80, 5)));
    slot("blue", T0 + 10_000, ok(90, 5));
    series.put(new SeriesKey("credit", "green", TrafficKind.MIRRORED), new TreeMap<>(Map.of(T0, ok(500, 1))));
    StepWindow w = StepWindow.of(gathered(), "credit", "green", List.of("blue"), baseline, T0 + 12_000);
    assertEquals(32, w.canary().requests(), "15 + 5 + 12 since the step started, no mirrored copy");
    assertEquals(Map.of(503, 5L), w.canary().errors());
    assertEquals(32, w.canary().latency().count());
    assertEquals(170, w.stable().requests());
    assertEquals(T0 + 10_000, w.snapshot().slotMs(), "the slot in progress");
    assertEquals(12, w.snapshot().of("green").requests());
    assertEquals(90, w.snapshot().of("blue").requests());
  }

  @Test
  void severalStableDeploymentsAreAddedUp() {
    slot("blue", T0, ok(10, 5));
    slot("red", T0, answers(20, 5, 1, 500));
    StepWindow w = StepWindow.of(gathered(), "credit", "green", List.of("blue", "red"), null, T0 + 1000);
    assertEquals(31, w.stable().requests());
    assertEquals(1, w.stable().failures());
    assertEquals(0, w.canary().requests());
  }

  @Test
  void aSlotCountedAfreshIsTakenWhole() {
    // the gateway restarted after the baseline: its slot holds fewer answers than the baseline did
    Baseline baseline = new Baseline(T0, Map.of("green", ok(50, 5)));
    slot("green", T0, ok(8, 5));
    assertEquals(8, StepWindow.of(gathered(), "credit", "green", List.of(), baseline, T0 + 5000).canary().requests());
  }

  @Test
  void minusNeverLeavesMoreErrorsThanAnswers() {
    // read before: an answer's latency counted, its error not yet
    WindowStats before = ok(10, 5);
    WindowStats after = answers(10, 5, 1, 503);
    WindowStats diff = StepWindow.minus(after, before);
    assertEquals(1, diff.requests());
    assertEquals(Map.of(503, 1L), diff.errors());
    WindowStats noNewAnswer = new WindowStats.Builder().record(503, 5_000_000).build().merge(ok(9, 5));
    assertEquals(WindowStats.EMPTY, StepWindow.minus(noNewAnswer, ok(10, 5)).merge(WindowStats.EMPTY));
  }

  @Test
  void aBaselineIsStoredAndReadBack() {
    Baseline baseline = new Baseline(T0, Map.of("green", answers(3, 7, 1, 429), "blue", ok(5, 2)));
    assertEquals(baseline, Baseline.fromJson(new JsonObject(baseline.toJson().encode())));
  }
}
