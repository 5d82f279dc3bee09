package io.inferbus.controlplane.statistics;

import io.inferbus.controlplane.gateways.GatewayQuestion;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.stats.GatewayStatistics;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Asks every gateway of the cluster (the live nodes with the gateway role) for its recent statistics
 * ({@link Addresses#gatewayStatistics}) and merges the answers. Each gateway keeps only what it
 * answered itself, for an hour; a gateway that does not answer within the timeout (down, partitioned,
 * overloaded), or answers what cannot be read, is named among the missing and its answers are left
 * out: the others' numbers still come. Call on the control plane's event loop (it reads the node
 * table there).
 */
public final class StatisticsGatherer {
  /**
   * How long to wait for each gateway: a gateway answers from memory within milliseconds, so one that
   * takes longer is in trouble, and a console refreshing its charts should not wait on it.
   */
  public static final long DEFAULT_TIMEOUT_MS = 2000;

  private final GatewayQuestion<GatewayStatistics> question;

  public StatisticsGatherer(Vertx vertx, LiveCluster live, long timeoutMs) {
    this.question = new GatewayQuestion<>(vertx, live, timeoutMs, Addresses::gatewayStatistics,
        GatewayStatistics::fromJson, "statistics", false);
  }

  /** Every gateway's answer to {@code query}, merged; never fails for a gateway that does not answer. */
  public Future<GatheredStatistics> gather(StatisticsQuery query) {
    return question.ask(query.toJson()).map(answers -> {
      Map<SeriesKey, SortedMap<Long, WindowStats>> merged = new HashMap<>();
      for (GatewayStatistics answer : answers.byGateway().values()) {
        for (GatewayStatistics.Series s : answer.series()) {
          SortedMap<Long, WindowStats> steps = merged.computeIfAbsent(s.key(), k -> new TreeMap<>());
          s.steps().forEach((t, w) -> steps.merge(t, w, WindowStats::merge));
        }
      }
      return new GatheredStatistics(merged, answers.gateways(), answers.missingGateways());
    });
  }

  /** One deployment's answers over a span, merged over every gateway, and who answered. */
  public record GatheredWindow(WindowStats stats, List<String> gateways, List<String> missingGateways) {}

  /**
   * One deployment's live (or mirrored) answers whose 10-second slots start within
   * {@code [from, to)}, over every gateway: what a rollout analyser compares between a canary and
   * its baseline. Gateways keep an hour, so a span reaching further back holds only that hour. Fails
   * with BAD_INPUT when {@code to} is not after {@code from}.
   */
  public Future<GatheredWindow> window(String endpoint, String deployment, TrafficKind kind, Instant from,
      Instant to) {
    StatisticsQuery query;
    try {
      query = new StatisticsQuery(endpoint, deployment, from.toEpochMilli(), to.toEpochMilli(),
          to.toEpochMilli() - from.toEpochMilli());
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
    return gather(query).map(g -> new GatheredWindow(g.total(new SeriesKey(endpoint, deployment, kind)),
        g.gateways(), g.missingGateways()));
  }
}
