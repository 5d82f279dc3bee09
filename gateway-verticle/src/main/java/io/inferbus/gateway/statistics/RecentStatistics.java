package io.inferbus.gateway.statistics;

import io.inferbus.protocol.stats.GatewayStatistics;
import io.inferbus.protocol.stats.LatencyHistogram;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * A gateway's recent statistics: for each endpoint, deployment and kind of traffic (live answers
 * apart from mirrored copies), the answers of each 10-second slot of the last hour: how many, their
 * error statuses and their latencies ({@link LatencyHistogram}'s buckets). The control plane asks
 * for them ({@link #snapshot}) and merges every gateway's.
 *
 * <p>Every event loop of the gateway records into the same slots, so recording is lock-free: a
 * lookup in a concurrent map and two atomic increments (latency bucket, and error status for an
 * error). Only the first answer of a series in a new slot installs the slot, under the map's lock
 * for that series, which is what keeps {@link #dropIdle} from dropping a series while it is being
 * written to; that happens once per series every 10 seconds.
 *
 * <p>Memory is bounded: a series keeps at most {@value #SLOTS} slots (a ring: a slot replaces the one
 * an hour older in its place), each a 387-int latency array (1.5 KiB) and, once it has an error, a
 * 200-int array of error statuses: at most about 0.6 MiB per series with answers in every 10 seconds
 * of the hour. A series is created only for a deployment that answered (the names come from the
 * routing table, never from the caller), and one without answers for an hour is dropped by
 * {@link #dropIdle}, which the gateway calls every minute.
 */
public final class RecentStatistics {
  /** Length of a slot. */
  public static final long SLOT_MS = 10_000;
  /** Slots kept per series: an hour. */
  public static final int SLOTS = 360;
  /** Error statuses counted per slot: 400 to 599. */
  private static final int FIRST_ERROR = 400;
  private static final int ERROR_STATUSES = 200;

  private final LongSupplier clockMillis;
  private final ConcurrentHashMap<SeriesKey, Series> series = new ConcurrentHashMap<>();

  /**
   * @param clockMillis the wall clock in epoch milliseconds (slots are wall-clock intervals, so that
   *     the gateways' slots line up)
   */
  public RecentStatistics(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  /**
   * Counts one answer of {@code deployment}: its status and its latency. Thread-safe; never blocks
   * (see the class comment for the once-per-slot exception).
   */
  public void record(String endpoint, String deployment, TrafficKind kind, int status, long nanos) {
    record(endpoint, deployment, SeriesKey.ANY_REVISION, kind, status, nanos);
  }

  /**
   * Counts one answer of {@code deployment} routed by the endpoint's traffic revision
   * {@code revision}: kept apart per revision, so that the control plane's rollups count each
   * revision's answers exactly; added up over revisions for every query that does not ask by revision.
   */
  public void record(String endpoint, String deployment, long revision, TrafficKind kind, int status, long nanos) {
    long nowMs = clockMillis.getAsLong();
    long slotIndex = Math.floorDiv(nowMs, SLOT_MS);
    SeriesKey key = new SeriesKey(endpoint, deployment, kind, revision);
    Series s = series.get(key);
    Slot slot = s == null ? null : s.current(slotIndex);
    if (slot == null) {
      slot = install(key, slotIndex);
      s = series.get(key);
    }
    if (s != null && s.lastAnswerMs != nowMs) { // one write per millisecond at most, whatever the rate
      s.lastAnswerMs = nowMs;
    }
    slot.latency.incrementAndGet(LatencyHistogram.bucketOf(nanos));
    if (status >= FIRST_ERROR && status < FIRST_ERROR + ERROR_STATUSES) {
      slot.errors().incrementAndGet(status - FIRST_ERROR);
    }
  }

  /** The slot for {@code slotIndex}, created (with its series) if need be, under the map's lock for it. */
  private Slot install(SeriesKey key, long slotIndex) {
    Slot[] installed = new Slot[1];
    series.compute(key, (k, s) -> {
      Series current = s == null ? new Series() : s;
      installed[0] = current.install(slotIndex);
      return current;
    });
    return installed[0];
  }

  /**
   * The windows the query asks for, added up per step: every series of the endpoint (or of every
   * endpoint), the slots of the last hour that start within the query's span. Steps without answers
   * are left out, and so are series without any. Safe to call from any thread while answers are
   * recorded; a slot being written may show some of the answers recorded during the call.
   */
  public GatewayStatistics snapshot(String node, StatisticsQuery query) {
    long oldest = Math.floorDiv(clockMillis.getAsLong(), SLOT_MS) - SLOTS + 1;
    // series of one deployment under several revisions add up into one unless the query asks by revision
    Map<SeriesKey, TreeMap<Long, WindowStats.Builder>> byKey = new HashMap<>();
    series.forEach((key, s) -> {
      if (!query.asksFor(key.endpoint(), key.deployment())) {
        return;
      }
      TreeMap<Long, WindowStats.Builder> steps =
          byKey.computeIfAbsent(query.byRevision() ? key : key.anyRevision(), k -> new TreeMap<>());
      for (int i = 0; i < SLOTS; i++) {
        Slot slot = s.ring.get(i);
        if (slot == null || slot.index < oldest || !query.contains(slot.startMs())) {
          continue;
        }
        slot.addTo(steps.computeIfAbsent(query.stepOf(slot.startMs()), t -> new WindowStats.Builder()));
      }
    });
    List<GatewayStatistics.Series> out = new ArrayList<>();
    byKey.forEach((key, steps) -> {
      TreeMap<Long, WindowStats> windows = new TreeMap<>();
      steps.forEach((t, b) -> {
        WindowStats w = b.build();
        if (w.requests() > 0) {
          windows.put(t, w);
        }
      });
      if (!windows.isEmpty()) {
        out.add(new GatewayStatistics.Series(key, windows));
      }
    });
    return new GatewayStatistics(node, out);
  }

  /**
   * Drops the series without answers in the last hour; returns how many. The check and the removal
   * hold the map's lock for the series, as installing a slot does, so an answer recorded meanwhile
   * either keeps its series or starts a new one: it is never counted into a dropped one.
   */
  public int dropIdle() {
    long oldest = Math.floorDiv(clockMillis.getAsLong(), SLOT_MS) - SLOTS + 1;
    int[] dropped = {0};
    for (SeriesKey key : List.copyOf(series.keySet())) {
      series.computeIfPresent(key, (k, s) -> {
        if (s.newest < oldest) {
          dropped[0]++;
          return null;
        }
        return s;
      });
    }
    return dropped[0];
  }

  /**
   * Milliseconds since this gateway last answered a request of the deployment, live or mirrored, by
   * its own clock; -1 when it answered none in the last hour (or since it started). The autoscaler's
   * measure of idleness: a gateway reports the time since, not a time, so no two clocks are compared.
   */
  public long millisSinceLastAnswer(String endpoint, String deployment) {
    long last = Long.MIN_VALUE;
    for (var e : series.entrySet()) { // every kind and traffic revision of the deployment
      if (e.getKey().endpoint().equals(endpoint) && e.getKey().deployment().equals(deployment)) {
        last = Math.max(last, e.getValue().lastAnswerMs);
      }
    }
    return last == Long.MIN_VALUE ? -1 : Math.max(0, clockMillis.getAsLong() - last);
  }

  /** How many series are kept. */
  public int seriesCount() {
    return series.size();
  }

  /** How many slots are kept, over every series (each at most {@value #SLOTS}). */
  public int slotCount() {
    int n = 0;
    for (Series s : series.values()) {
      for (int i = 0; i < SLOTS; i++) {
        if (s.ring.get(i) != null) {
          n++;
        }
      }
    }
    return n;
  }

  /** One series' ring of slots, indexed by slot number modulo {@value #SLOTS}. */
  private static final class Series {
    final AtomicReferenceArray<Slot> ring = new AtomicReferenceArray<>(SLOTS);
    /** The newest slot's number; written under the map's lock for the series. */
    volatile long newest = Long.MIN_VALUE;
    /** When the series' latest answer was recorded (epoch ms); unlocked, so a late writer may win by a millisecond. */
    volatile long lastAnswerMs = Long.MIN_VALUE;

    /** The slot for {@code slotIndex} if it is in place (the lock-free path). */
    Slot current(long slotIndex) {
      Slot slot = ring.get(position(slotIndex));
      return slot != null && slot.index == slotIndex ? slot : null;
    }

    /**
     * Called under the map's lock for this series: the slot for {@code slotIndex}, replacing the one
     * an hour (or more) older in its place. A clock set back by more than an hour finds a newer slot
     * there and counts into it rather than losing the answer.
     */
    Slot install(long slotIndex) {
      int position = position(slotIndex);
      Slot slot = ring.get(position);
      if (slot == null || slot.index < slotIndex) {
        slot = new Slot(slotIndex);
        ring.set(position, slot);
      }
      newest = Math.max(newest, slotIndex);
      return slot;
    }

    private static int position(long slotIndex) {
      return (int) Math.floorMod(slotIndex, (long) SLOTS);
    }
  }

  /** One series' answers in one 10-second slot. */
  private static final class Slot {
    final long index;
    /** Answers by latency bucket; ints, since 2^31 answers in 10 seconds is out of reach. */
    final AtomicIntegerArray latency = new AtomicIntegerArray(LatencyHistogram.BUCKETS);
    /** Answers by error status (index: status - 400), created with the slot's first error. */
    private final AtomicReference<AtomicIntegerArray> errors = new AtomicReference<>();

    Slot(long index) {
      this.index = index;
    }

    long startMs() {
      return index * SLOT_MS;
    }

    AtomicIntegerArray errors() {
      AtomicIntegerArray e = errors.get();
      if (e == null) {
        errors.compareAndSet(null, new AtomicIntegerArray(ERROR_STATUSES));
        e = errors.get();
      }
      return e;
    }

    /**
     * Adds this slot's counts to {@code window}. Errors are read before latencies, and recorded after
     * them, so a window never shows an error whose answer it does not count.
     */
    void addTo(WindowStats.Builder window) {
      AtomicIntegerArray e = errors.get();
      if (e != null) {
        for (int i = 0; i < ERROR_STATUSES; i++) {
          window.addErrors(FIRST_ERROR + i, e.get(i));
        }
      }
      for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
        int n = latency.get(i);
        if (n != 0) {
          window.addLatencies(i, n);
        }
      }
    }
  }
}
