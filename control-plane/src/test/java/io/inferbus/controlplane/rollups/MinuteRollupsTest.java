package io.inferbus.controlplane.rollups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.statistics.GatheredStatistics;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.RollupRow;
import io.inferbus.protocol.stats.LatencyHistogram;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-minute rollups in the store: a minute gathered again and again is stored once (never
 * double counted), a later answer with fewer requests (a gateway gone) does not lower it, rows
 * survive a reopen, retention drops old minutes and the row bound the oldest; minutes merge into
 * quantiles over a period.
 */
class MinuteRollupsTest {
  private static final long T0 = 1_767_261_600_000L; // 2026-01-01T10:00:00Z, a minute boundary
  private static final long MIN = MinuteRollups.MINUTE_MS;

  @TempDir
  Path dataDir;
  private Store store;

  @BeforeEach
  void open() throws Exception {
    store = Store.open(dataDir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static WindowStats window(int status, double... latenciesMs) {
    WindowStats.Builder b = new WindowStats.Builder();
    for (double ms : latenciesMs) {
      b.record(status, Math.round(ms * 1e6));
    }
    return b.build();
  }

  private static RollupRow row(String deployment, long revision, long minute, WindowStats w) {
    return new RollupRow("credit", deployment, revision, minute, w.requests(), w.toJson());
  }

  private long requests(List<RollupRow> rows) {
    return rows.stream().mapToLong(RollupRow::requests).sum();
  }

  @Test
  void aMinuteGatheredAgainIsStoredOnceAndOnlyGrows() throws Exception {
    WindowStats partial = window(200, 1, 2);
    WindowStats complete = partial.merge(window(503, 3));
    assertTrue(store.upsertRollup(row("blue", 1, T0, partial)));
    assertTrue(store.upsertRollup(row("blue", 1, T0, complete)), "the minute filled up: replaced");
    assertFalse(store.upsertRollup(row("blue", 1, T0, complete)), "the same numbers again: nothing changes");
    assertFalse(store.upsertRollup(row("blue", 1, T0, partial)), "a gateway gone since: not lowered");
    List<RollupRow> rows = store.rollups("credit", T0, T0 + MIN);
    assertEquals(1, rows.size());
    assertEquals(3, requests(rows));
    assertEquals(complete, WindowStats.fromJson(rows.get(0).stats()));

    store.close();
    store = Store.open(dataDir);
    assertEquals(3, requests(store.rollups("credit", T0, T0 + MIN)), "rollups survive a restart");
  }

  @Test
  void revisionsAndDeploymentsAreRowsApart() {
    store.upsertRollup(row("blue", 1, T0, window(200, 1)));
    store.upsertRollup(row("blue", 2, T0, window(200, 1, 1)));
    store.upsertRollup(row("green", 2, T0, window(200, 1, 1, 1)));
    store.upsertRollup(row("green", 2, T0 + MIN, window(200, 1)));
    assertEquals(4, store.rollups("credit", T0, T0 + 2 * MIN).size());
    assertEquals(3, store.rollups("credit", T0, T0 + MIN).size(), "the window's end is exclusive");
    assertEquals(0, store.rollups("loans", T0, T0 + 2 * MIN).size());
  }

  @Test
  void retentionDropsOldMinutesAndTheBoundTheOldestFirst() {
    for (int m = 0; m < 10; m++) {
      store.upsertRollup(row("blue", 1, T0 + m * MIN, window(200, 1)));
    }
    assertEquals(2, store.pruneRollups(T0 + 2 * MIN, 100), "minutes 0 and 1 are past retention");
    assertEquals(3, store.pruneRollups(T0, 5), "over the bound of 5 rows: the 3 oldest go");
    List<RollupRow> left = store.rollups("credit", 0, Long.MAX_VALUE);
    assertEquals(5, left.size());
    assertEquals(T0 + 5 * MIN, left.get(0).minute());
  }

  @Test
  void quantilesOverAPeriodComeFromMergedMinutes() {
    store.upsertRollup(row("blue", 1, T0, window(200, 10, 10, 10, 10, 10)));
    store.upsertRollup(row("blue", 1, T0 + MIN, window(200, 100, 100, 100, 100, 100)));
    WindowStats period = WindowStats.EMPTY;
    for (RollupRow r : store.rollups("credit", T0, T0 + 2 * MIN)) {
      period = period.merge(WindowStats.fromJson(r.stats()));
    }
    assertEquals(10, period.requests());
    assertEquals(10, period.latency().quantileMs(0.5).getAsDouble(), 0.4);
    assertEquals(100, period.latency().quantileMs(0.99).getAsDouble(), 4);
  }

  @Test
  void onlyLiveAnswersBecomeRowsWithTheirRevision() {
    SortedMap<Long, WindowStats> steps = new TreeMap<>(Map.of(T0, window(200, 1, 2)));
    GatheredStatistics gathered = new GatheredStatistics(Map.of(
        new SeriesKey("credit", "blue", TrafficKind.LIVE, 7), steps,
        new SeriesKey("credit", "green", TrafficKind.MIRRORED, 7), steps), List.of("gw-1"), List.of());
    List<RollupRow> rows = MinuteRollups.rows(gathered);
    assertEquals(1, rows.size());
    assertEquals(new RollupRow("credit", "blue", 7, T0, 2, steps.get(T0).toJson()), rows.get(0));
    assertEquals(LatencyHistogram.SCALE, rows.get(0).stats().getJsonObject("latency").getString("scale"));
  }
}
