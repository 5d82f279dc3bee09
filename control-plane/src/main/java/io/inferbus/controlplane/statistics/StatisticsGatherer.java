package io.inferbus.controlplane.statistics;

import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.NodeState;
import io.inferbus.protocol.stats.GatewayStatistics;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks every gateway of the cluster (the live nodes with the gateway role) for its recent statistics
 * ({@link Addresses#gatewayStatistics}) and merges the answers. Each gateway keeps only what it
 * answered itself, for an hour; a gateway that does not answer within the timeout (down, partitioned,
 * overloaded), or answers what cannot be read, is named among the missing and its answers are left
 * out: the others' numbers still come. Call on the control plane's event loop (it reads the node
 * table there).
 */
public final class StatisticsGatherer {
  private static final Logger LOG = LoggerFactory.getLogger(StatisticsGatherer.class);
  /**
   * How long to wait for each gateway: a gateway answers from memory within milliseconds, so one that
   * takes longer is in trouble, and a console refreshing its charts should not wait on it.
   */
  public static final long DEFAULT_TIMEOUT_MS = 2000;

  private final Vertx vertx;
  private final LiveCluster live;
  private final long timeoutMs;

  public StatisticsGatherer(Vertx vertx, LiveCluster live, long timeoutMs) {
    this.vertx = vertx;
    this.live = live;
    this.timeoutMs = timeoutMs;
  }

  /** Every gateway's answer to {@code query}, merged; never fails for a gateway that does not answer. */
  public Future<GatheredStatistics> gather(StatisticsQuery query) {
    List<String> gateways = List.copyOf(live.nodeIds(NodeState.ROLE_GATEWAY));
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    List<Future<GatewayStatistics>> asks = new ArrayList<>();
    for (String node : gateways) {
      asks.add(vertx.eventBus().<Object>request(Addresses.gatewayStatistics(node), query.toJson(), options)
          .map(reply -> GatewayStatistics.fromJson(reply.body())));
    }
    return Future.join(asks).transform(ignored -> {
      Map<SeriesKey, SortedMap<Long, WindowStats>> merged = new HashMap<>();
      List<String> answered = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < gateways.size(); i++) {
        String node = gateways.get(i);
        Future<GatewayStatistics> answer = asks.get(i);
        if (answer.failed()) {
          if (answer.cause() instanceof InferbusException unreadable) {
            LOG.warn("gateway {} answered statistics that cannot be read: {}", node, unreadable.getMessage());
          } else {
            LOG.info("gateway {} did not answer the statistics query: {}", node, answer.cause().getMessage());
          }
          missing.add(node);
          continue;
        }
        answered.add(node);
        for (GatewayStatistics.Series s : answer.result().series()) {
          SortedMap<Long, WindowStats> steps = merged.computeIfAbsent(s.key(), k -> new TreeMap<>());
          s.steps().forEach((t, w) -> steps.merge(t, w, WindowStats::merge));
        }
      }
      return Future.succeededFuture(new GatheredStatistics(merged, answered, missing));
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
