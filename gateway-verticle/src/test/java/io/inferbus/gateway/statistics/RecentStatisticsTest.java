package io.inferbus.gateway.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.stats.GatewayStatistics;
import io.inferbus.protocol.stats.LatencyHistogram;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A gateway's recent statistics: answers counted per deployment and kind in 10-second slots, exact
 * under recording from several threads at once, rotated by the (injected) clock, an hour kept and
 * no more, idle series dropped.
 *
 * <p>Odd inputs tried: a negative latency, statuses 304 and 600 (not errors), a clock set back by
 * two hours, a query for another endpoint or deployment.
 */
class RecentStatisticsTest {
  /** 2026-01-01T10:00:00Z, on a slot boundary. */
  private static final long T0 = 1_767_261_600_000L;
  private static final long MS = 1_000_000;
  private static final long HOUR = 3_600_000;

  private final AtomicLong clock = new AtomicLong(T0);
  private final RecentStatistics stats = new RecentStatistics(clock::get);

  private static final SeriesKey BLUE = new SeriesKey("credit", "blue", TrafficKind.LIVE);
  private static final SeriesKey GREEN = new SeriesKey("credit", "green", TrafficKind.LIVE);
  private static final SeriesKey GREEN_MIRRORED = new SeriesKey("credit", "green", TrafficKind.MIRRORED);
  private static final SeriesKey LOANS = new SeriesKey("loans", "blue", TrafficKind.LIVE);

  private void record(SeriesKey key, int status, double ms) {
    stats.record(key.endpoint(), key.deployment(), key.kind(), status, Math.round(ms * MS));
  }

  /** Every series' steps for the query, by key. */
  private Map<SeriesKey, SortedMap<Long, WindowStats>> snapshot(StatisticsQuery query) {
    GatewayStatistics answer = stats.snapshot("gw-1", query);
    assertEquals("gw-1", answer.node());
    Map<SeriesKey, SortedMap<Long, WindowStats>> out = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    answer.series().forEach(s -> out.put(s.key(), s.steps()));
    return out;
  }

  /** The whole last hour, one window. */
  private Map<SeriesKey, SortedMap<Long, WindowStats>> lastHour() {
    long to = (Math.floorDiv(clock.get(), RecentStatistics.SLOT_MS) + 1) * RecentStatistics.SLOT_MS;
    return snapshot(StatisticsQuery.all(to - HOUR, to, HOUR));
  }

  private WindowStats total(Map<SeriesKey, SortedMap<Long, WindowStats>> snapshot, SeriesKey key) {
    return snapshot.getOrDefault(key, new TreeMap<>()).values().stream().reduce(WindowStats.EMPTY,
        WindowStats::merge);
  }

  @Test
  void countsEachDeploymentsLiveAndMirroredAnswersApart() {
    record(BLUE, 200, 3);
    record(BLUE, 200, 4);
    record(BLUE, 503, 1);
    record(BLUE, 429, 0.5);
    record(GREEN_MIRRORED, 200, 9);
    record(GREEN_MIRRORED, 500, 20);
    record(LOANS, 200, 1);
    Map<SeriesKey, SortedMap<Long, WindowStats>> all = lastHour();
    assertEquals(3, all.size(), all.keySet().toString());
    WindowStats blue = total(all, BLUE);
    assertEquals(4, blue.requests());
    assertEquals(new TreeMap<>(Map.of(429, 1L, 503, 1L)), blue.errors());
    assertEquals(LatencyHistogram.ofMillis(3, 4, 1, 0.5), blue.latency());
    assertEquals(2, total(all, GREEN_MIRRORED).requests(), "the mirror's copies, apart");
    assertEquals(0, total(all, GREEN).requests(), "a mirror's copies are not green's live answers");
  }

  @Test
  void onlyStatusesFrom400To599AreErrorsAndANegativeLatencyIsStillCounted() {
    record(BLUE, 200, 1);
    record(BLUE, 304, 1);
    record(BLUE, 600, 1);
    stats.record("credit", "blue", TrafficKind.LIVE, 404, -5 * MS); // a clock step backwards
    WindowStats blue = total(lastHour(), BLUE);
    assertEquals(4, blue.requests());
    assertEquals(new TreeMap<>(Map.of(404, 1L)), blue.errors());
    assertEquals(1, blue.latency().countAt(0));
  }

  @Test
  void answersCountInTheTenSecondSlotTheyEndInAndStepsAddSlotsUp() {
    record(BLUE, 200, 1); // 10:00:00
    clock.set(T0 + 9_999);
    record(BLUE, 500, 2); // 10:00:09.999, same slot
    clock.set(T0 + 10_000);
    record(BLUE, 200, 3); // 10:00:10, the next
    clock.set(T0 + 65_000);
    record(BLUE, 200, 4); // 10:01:05
    SortedMap<Long, WindowStats> tenSeconds = snapshot(new StatisticsQuery("credit", null, T0, T0 + 120_000, 10_000))
        .get(BLUE);
    assertEquals(List.of(T0, T0 + 10_000, T0 + 60_000), new ArrayList<>(tenSeconds.keySet()),
        "empty steps are left out");
    assertEquals(2, tenSeconds.get(T0).requests());
    assertEquals(1, tenSeconds.get(T0).errors().get(500));
    assertEquals(1, tenSeconds.get(T0 + 10_000).requests());
    SortedMap<Long, WindowStats> minutes = snapshot(new StatisticsQuery("credit", "blue", T0, T0 + 120_000, 60_000))
        .get(BLUE);
    assertEquals(3, minutes.get(T0).requests());
    assertEquals(1, minutes.get(T0 + 60_000).requests());
    SortedMap<Long, WindowStats> onlyTheFirstMinute = snapshot(new StatisticsQuery("credit", null, T0, T0 + 60_000,
        60_000)).get(BLUE);
    assertEquals(3, onlyTheFirstMinute.get(T0).requests(), "a slot starting at the span's end is outside it");
    assertEquals(1, onlyTheFirstMinute.size());
  }

  @Test
  void aQueryForAnotherEndpointOrDeploymentGetsNothingOfThese() {
    record(BLUE, 200, 1);
    record(LOANS, 200, 1);
    assertEquals(List.of(BLUE), List.copyOf(snapshot(new StatisticsQuery("credit", null, T0, T0 + 10_000, 10_000))
        .keySet()));
    assertEquals(Map.of(), snapshot(new StatisticsQuery("credit", "green", T0, T0 + 10_000, 10_000)));
    assertEquals(Map.of(), snapshot(new StatisticsQuery("scoring", null, T0, T0 + 10_000, 10_000)));
  }

  @Test
  void anHourIsKeptAndNotASlotMore() {
    record(BLUE, 200, 1); // in the slot of 10:00:00
    clock.set(T0 + HOUR - 1);
    assertEquals(1, total(snapshot(StatisticsQuery.all(T0 - HOUR, T0 + HOUR, 2 * HOUR)), BLUE).requests(),
        "at 10:59:59.999 the slot of 10:00:00 is within the hour");
    clock.set(T0 + HOUR);
    assertEquals(Map.of(), snapshot(StatisticsQuery.all(T0 - HOUR, T0 + HOUR, 2 * HOUR)),
        "at 11:00:00 it is not, even when the query asks for it");
    record(BLUE, 500, 2); // takes the place of the slot of 10:00:00
    WindowStats now = total(snapshot(StatisticsQuery.all(T0 - HOUR, T0 + 2 * HOUR, 3 * HOUR)), BLUE);
    assertEquals(1, now.requests());
    assertEquals(1, now.errors().get(500));
    assertEquals(1, stats.slotCount());
  }

  @Test
  void memoryIsBoundedByAnHourOfSlotsPerSeries() {
    for (long t = 0; t < 3 * HOUR; t += 5_000) { // three hours, an answer every five seconds
      clock.set(T0 + t);
      record(BLUE, 200, 1);
      record(GREEN_MIRRORED, 200, 1);
    }
    assertEquals(2, stats.seriesCount());
    assertEquals(2 * RecentStatistics.SLOTS, stats.slotCount(), "360 slots per series, however long it runs");
    assertEquals(720, total(lastHour(), BLUE).requests(), "the last hour's answers: 2 per slot");
  }

  @Test
  void seriesIdleForAnHourAreDropped() {
    record(BLUE, 200, 1);
    clock.set(T0 + 30 * 60_000);
    record(LOANS, 200, 1);
    clock.set(T0 + HOUR - 1);
    assertEquals(0, stats.dropIdle(), "blue answered 59:59.999 ago: kept");
    clock.set(T0 + HOUR);
    assertEquals(1, stats.dropIdle(), "an hour without an answer: dropped");
    assertEquals(1, stats.seriesCount());
    assertEquals(Map.of(LOANS, 1L), Map.of(LOANS, total(lastHour(), LOANS).requests()));
    record(BLUE, 200, 1);
    assertEquals(1, total(lastHour(), BLUE).requests(), "an answer after the drop starts the series again");
    clock.set(T0 + 3 * HOUR);
    assertEquals(2, stats.dropIdle());
    assertEquals(0, stats.seriesCount());
    assertEquals(0, stats.slotCount());
  }

  @Test
  void aClockSetBackByTwoHoursCountsIntoTheNewerSlotRatherThanLosingTheAnswer() {
    record(BLUE, 200, 1);
    clock.set(T0 - 2 * HOUR); // the same place in the ring, two hours earlier
    record(BLUE, 200, 1);
    clock.set(T0);
    assertEquals(2, total(lastHour(), BLUE).requests());
  }

  /**
   * Four threads record 50,000 answers each, with the clock moving one millisecond per answer (so
   * slots rotate under them, 21 of them), while a fifth takes snapshots: every answer is counted
   * once, in the slot of its time, and no snapshot shows more errors than answers.
   */
  @Test
  void recordingFromSeveralThreadsAtOnceLosesAndDoublesNothing() throws Exception {
    AtomicLong ticks = new AtomicLong();
    RecentStatistics concurrent = new RecentStatistics(() -> T0 + ticks.get());
    int threads = 4;
    int perThread = 50_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean recording = new AtomicBoolean(true);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < threads; w++) {
        int writer = w;
        writers.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            ticks.incrementAndGet();
            int status = i % 10 == 0 ? 503 : i % 10 == 1 ? 429 : 200;
            concurrent.record("credit", writer % 2 == 0 ? "blue" : "green", TrafficKind.LIVE, status,
                (1 + i % 100) * MS);
          }
          return null;
        }));
      }
      Future<Integer> reader = pool.submit(() -> {
        start.await();
        int snapshots = 0;
        while (recording.get()) {
          for (GatewayStatistics.Series s : concurrent.snapshot("gw", StatisticsQuery.all(T0, T0 + HOUR, 10_000))
              .series()) {
            s.steps().values().forEach(wdw -> assertTrue(wdw.errorCount() <= wdw.requests()));
          }
          snapshots++;
        }
        return snapshots;
      });
      start.countDown();
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
      recording.set(false);
      assertTrue(reader.get(60, TimeUnit.SECONDS) > 0);
    } finally {
      pool.shutdownNow();
    }
    GatewayStatistics answer = concurrent.snapshot("gw", StatisticsQuery.all(T0, T0 + HOUR, 10_000));
    long requests = 0;
    long unavailable = 0;
    long overloaded = 0;
    java.util.Set<Long> slots = new java.util.TreeSet<>();
    for (GatewayStatistics.Series s : answer.series()) {
      for (WindowStats w : s.steps().values()) { // by slot
        requests += w.requests();
        unavailable += w.errors().getOrDefault(503, 0L);
        overloaded += w.errors().getOrDefault(429, 0L);
        slots.addAll(s.steps().keySet());
      }
    }
    assertEquals(threads * perThread, requests);
    assertEquals(threads * perThread / 10, unavailable);
    assertEquals(threads * perThread / 10, overloaded);
    assertEquals(21, slots.size(), "answers at 1 ms to 200 s after 10:00:00: the slots of 10:00:00 to 10:03:20");
  }

  @Test
  void answersAreKeptPerTrafficRevisionAndAddedUpUnlessAskedByRevision() {
    stats.record("credit", "blue", 3, TrafficKind.LIVE, 200, 2 * MS);
    stats.record("credit", "blue", 3, TrafficKind.LIVE, 503, 4 * MS);
    stats.record("credit", "blue", 4, TrafficKind.LIVE, 200, 3 * MS);
    StatisticsQuery summed = new StatisticsQuery("credit", null, T0, T0 + 60_000, 60_000);
    Map<SeriesKey, SortedMap<Long, WindowStats>> all = snapshot(summed);
    assertEquals(1, all.size(), "the metrics routes' query sees one series per deployment: " + all);
    assertEquals(3, all.get(BLUE).get(T0).requests());

    StatisticsQuery byRevision = new StatisticsQuery("credit", null, T0, T0 + 60_000, 60_000, true);
    Map<SeriesKey, SortedMap<Long, WindowStats>> split = snapshot(byRevision);
    WindowStats three = split.get(new SeriesKey("credit", "blue", TrafficKind.LIVE, 3)).get(T0);
    assertEquals(2, three.requests());
    assertEquals(Map.of(503, 1L), three.errors());
    assertEquals(1, split.get(new SeriesKey("credit", "blue", TrafficKind.LIVE, 4)).get(T0).requests());
    // and the revision crosses the event bus
    GatewayStatistics read = GatewayStatistics.fromJson(stats.snapshot("gw-1", byRevision).toJson());
    assertTrue(read.series().stream().anyMatch(s -> s.key().revision() == 4));
    assertEquals(byRevision, StatisticsQuery.fromJson(byRevision.toJson()));
  }

  @Test
  void millisSinceTheLastAnswerLiveOrMirroredForTheAutoscaler() {
    assertEquals(-1, stats.millisSinceLastAnswer("credit", "green"), "never answered");
    record(GREEN, 200, 1);
    clock.addAndGet(1500);
    assertEquals(1500, stats.millisSinceLastAnswer("credit", "green"));
    record(GREEN_MIRRORED, 200, 1);
    clock.addAndGet(200);
    assertEquals(200, stats.millisSinceLastAnswer("credit", "green"), "a mirrored answer counts too");
    assertEquals(-1, stats.millisSinceLastAnswer("credit", "blue"));
    clock.addAndGet(HOUR + RecentStatistics.SLOT_MS);
    stats.dropIdle();
    assertEquals(-1, stats.millisSinceLastAnswer("credit", "green"), "an hour without answers: none in the last hour");
  }
}
