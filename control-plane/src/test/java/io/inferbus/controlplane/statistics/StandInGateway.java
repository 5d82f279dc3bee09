package io.inferbus.controlplane.statistics;

import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.stats.GatewayStatistics;
import io.inferbus.protocol.stats.SeriesKey;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A gateway's statistics service as {@link Addresses#gatewayStatistics} describes it, answering
 * from a list of answers it "served": each counted in the 10-second slot of its time, the slots that
 * start in the query's span added up per step. Records the queries it was asked; can also answer
 * late, never, or with something that is not statistics.
 */
final class StandInGateway {
  /** How the stand-in answers. */
  enum Behaviour { ANSWERS, NEVER_ANSWERS, ANSWERS_LATE, ANSWERS_GARBAGE }

  /** One answer the gateway served: when it ended, whose, its status and latency. */
  record Served(long timeMs, SeriesKey key, int status, double ms) {}

  final String node;
  final List<Served> served = new CopyOnWriteArrayList<>();
  final List<JsonObject> asked = new CopyOnWriteArrayList<>();
  private final MessageConsumer<JsonObject> consumer;

  StandInGateway(Vertx vertx, String node, Behaviour behaviour, long lateMs) throws Exception {
    this.node = node;
    consumer = vertx.eventBus().consumer(Addresses.gatewayStatistics(node), m -> {
      asked.add(m.body());
      switch (behaviour) {
        case ANSWERS -> m.reply(answer(StatisticsQuery.fromJson(m.body())).toJson());
        case NEVER_ANSWERS -> { }
        case ANSWERS_LATE -> vertx.setTimer(lateMs, t -> m.reply(answer(StatisticsQuery.fromJson(m.body())).toJson()));
        case ANSWERS_GARBAGE -> m.reply(new JsonObject().put("node", node).put("series", "all good"));
      }
    });
    TestControlPlane.await(consumer.completion());
  }

  StandInGateway(Vertx vertx, String node) throws Exception {
    this(vertx, node, Behaviour.ANSWERS, 0);
  }

  /** {@code count} answers at {@code timeMs}, each with {@code status} and {@code ms}. */
  StandInGateway serve(long timeMs, String endpoint, String deployment, TrafficKind kind, int status, double ms,
      int count) {
    for (int i = 0; i < count; i++) {
      served.add(new Served(timeMs, new SeriesKey(endpoint, deployment, kind), status, ms));
    }
    return this;
  }

  GatewayStatistics answer(StatisticsQuery q) {
    Map<SeriesKey, TreeMap<Long, WindowStats.Builder>> steps = new HashMap<>();
    for (Served s : served) {
      long slot = Math.floorDiv(s.timeMs(), 10_000) * 10_000;
      if (q.asksFor(s.key().endpoint(), s.key().deployment()) && q.contains(slot)) {
        steps.computeIfAbsent(s.key(), k -> new TreeMap<>())
            .computeIfAbsent(q.stepOf(slot), t -> new WindowStats.Builder())
            .record(s.status(), Math.round(s.ms() * 1_000_000));
      }
    }
    List<GatewayStatistics.Series> series = new ArrayList<>();
    steps.forEach((key, byStep) -> {
      TreeMap<Long, WindowStats> windows = new TreeMap<>();
      byStep.forEach((t, b) -> windows.put(t, b.build()));
      series.add(new GatewayStatistics.Series(key, windows));
    });
    return new GatewayStatistics(node, series);
  }

  void stop() throws Exception {
    TestControlPlane.await(consumer.unregister());
  }
}
