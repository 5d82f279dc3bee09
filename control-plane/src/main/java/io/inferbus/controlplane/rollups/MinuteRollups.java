package io.inferbus.controlplane.rollups;

import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.statistics.GatheredStatistics;
import io.inferbus.controlplane.statistics.StatisticsGatherer;
import io.inferbus.controlplane.store.Store.RollupRow;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's per-minute rollups: every minute (and on demand, before an evidence bundle is
 * built) it asks every gateway for the last minutes' live answers split by the endpoint's traffic
 * revision that routed them, and stores one row per (endpoint, deployment, revision, minute): the
 * requests, the errors by status and the latency histogram, which merge, so quantiles over any period
 * come from the stored rows. Gateways keep an hour; the rollups keep {@link RollupRetention#keep}.
 *
 * <p>Not double counted: a minute is asked for again and again (while it fills, and by the next
 * collections), and each time its row is replaced only by numbers with more requests
 * ({@link io.inferbus.controlplane.store.Store#upsertRollup}); the same minute stored twice is stored
 * once. A gateway gone since a minute was stored does not lower it.
 */
public final class MinuteRollups {
  private static final Logger LOG = LoggerFactory.getLogger(MinuteRollups.class);
  public static final long MINUTE_MS = 60_000;
  /** The first collection after a start reaches back as far as the gateways keep (an hour). */
  static final int FIRST_LOOKBACK_MINUTES = 60;
  /**
   * Later ones ask again for the last few minutes: a minute a slow gateway missed at one tick is
   * filled by the next.
   */
  static final int LOOKBACK_MINUTES = 5;

  private final StoreThread storeThread;
  private final StatisticsGatherer gatherer;
  private final LongSupplier clockMillis;
  private final RollupRetention retention;
  private boolean collectedOnce;
  private long timer = -1;

  public MinuteRollups(StoreThread storeThread, StatisticsGatherer gatherer, LongSupplier clockMillis,
      RollupRetention retention) {
    this.storeThread = storeThread;
    this.gatherer = gatherer;
    this.clockMillis = clockMillis;
    this.retention = retention;
  }

  /** Collects every minute from now on (on the caller's event loop). */
  public void start(Vertx vertx) {
    timer = vertx.setPeriodic(MINUTE_MS, id -> collect().onFailure(e -> LOG.warn("rollup collection failed: {}",
        e.getMessage())));
  }

  public void stop(Vertx vertx) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** What one collection did: rows written, and the gateways that did not answer (their answers wait for the next). */
  public record Collected(int written, List<String> missingGateways) {}

  /**
   * Gathers the last minutes (the current one too, as far as it holds answers) from every gateway and
   * stores them, then drops what retention no longer keeps. Call on the
   * control plane's event loop.
   */
  public Future<Collected> collect() {
    long now = clockMillis.getAsLong();
    long currentMinute = Math.floorDiv(now, MINUTE_MS) * MINUTE_MS;
    long from = currentMinute - (collectedOnce ? LOOKBACK_MINUTES : FIRST_LOOKBACK_MINUTES) * MINUTE_MS;
    StatisticsQuery query = new StatisticsQuery(null, null, from, currentMinute + MINUTE_MS, MINUTE_MS, true);
    return gatherer.gather(query).compose(gathered -> {
      collectedOnce = true;
      List<RollupRow> rows = rows(gathered);
      return storeThread.write(() -> {
        int written = 0;
        for (RollupRow row : rows) {
          if (storeThread.store().upsertRollup(row)) {
            written++;
          }
        }
        long pruned = storeThread.store().pruneRollups(now - retention.keep().toMillis(), retention.maxRows());
        if (pruned > 0) {
          LOG.info("rollups: dropped {} rows older than {} or over the bound of {} rows", pruned, retention.keep(),
              retention.maxRows());
        }
        if (!gathered.missingGateways().isEmpty()) {
          LOG.info("rollups: gateways {} did not answer; their minutes are filled by a later collection",
              gathered.missingGateways());
        }
        return new Collected(written, gathered.missingGateways());
      });
    });
  }

  /** The live series' minutes as rows (mirrored copies are not what callers received: left out). */
  static List<RollupRow> rows(GatheredStatistics gathered) {
    List<RollupRow> rows = new ArrayList<>();
    for (Map.Entry<SeriesKey, SortedMap<Long, WindowStats>> series : gathered.series().entrySet()) {
      SeriesKey key = series.getKey();
      if (key.kind() != TrafficKind.LIVE) {
        continue;
      }
      series.getValue().forEach((minute, stats) -> rows.add(new RollupRow(key.endpoint(), key.deployment(),
          key.revision(), minute, stats.requests(), stats.toJson())));
    }
    return rows;
  }
}
