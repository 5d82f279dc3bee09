package io.inferbus.controlplane.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.controlplane.statistics.StatisticsGatherer.GatheredWindow;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.NodeState;
import io.inferbus.protocol.stats.LatencyHistogram;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link StatisticsGatherer#window}, as a rollout analyser will call it: one deployment's live or
 * mirrored answers over {@code [from, to)}, merged over every gateway of the cluster, on a real
 * Vert.x event bus with stand-in gateways.
 *
 * <p>Bad inputs tried: a span whose end is its start, and one whose end is before its start; a
 * gateway that never answers; no gateway at all.
 */
class StatisticsGathererTest {
  /** 2026-01-01T10:00:00Z, where a slot starts. */
  private static final Instant X = Instant.parse("2026-01-01T10:00:00Z");
  private static final long T = X.toEpochMilli();

  static Vertx vertx;
  static StandInGateway east;
  static StandInGateway west;
  static StandInGateway silent;
  /** The node table the gatherer reads: node id → roles. */
  static final List<JsonObject> nodes = new CopyOnWriteArrayList<>();
  static StatisticsGatherer gatherer;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    east = new StandInGateway(vertx, "gw-east")
        .serve(T + 1_000, "credit", "blue", TrafficKind.LIVE, 200, 4, 10)
        .serve(T + 2_000, "credit", "blue", TrafficKind.LIVE, 503, 40, 2)
        .serve(T + 1_000, "credit", "blue", TrafficKind.MIRRORED, 200, 4, 3)
        .serve(T + 1_000, "credit", "green", TrafficKind.MIRRORED, 500, 4, 4);
    west = new StandInGateway(vertx, "gw-west")
        .serve(T + 11_000, "credit", "blue", TrafficKind.LIVE, 200, 8, 5)
        .serve(T - 60_000, "credit", "blue", TrafficKind.LIVE, 200, 8, 7)
        .serve(T + 11_000, "loans", "blue", TrafficKind.LIVE, 200, 8, 9);
    silent = new StandInGateway(vertx, "gw-silent", StandInGateway.Behaviour.NEVER_ANSWERS, 0);
    gatherer = new StatisticsGatherer(vertx, new LiveCluster() {
      @Override
      public Map<String, InstanceState> instances() {
        return Map.of();
      }

      @Override
      public boolean settledBefore(String deploymentKey, long generation) {
        return false;
      }

      @Override
      public JsonObject nodes() {
        return new JsonObject().put("value", new JsonArray(List.copyOf(nodes)));
      }
    }, 300);
  }

  @AfterAll
  static void stop() throws Exception {
    TestControlPlane.await(vertx.close());
  }

  @BeforeEach
  void twoGateways() {
    nodes.clear();
    nodes.add(node("gw-east", NodeState.ROLE_GATEWAY));
    nodes.add(node("gw-west", NodeState.ROLE_GATEWAY, NodeState.ROLE_DEPLOYMENT));
    nodes.add(node("dep-only", NodeState.ROLE_DEPLOYMENT));
    east.asked.clear();
    west.asked.clear();
    silent.asked.clear();
  }

  @Test
  void oneDeploymentsLiveAnswersOverTheSpanMergedOverTheGateways() throws Exception {
    GatheredWindow w = window("blue", TrafficKind.LIVE, X, X.plusSeconds(20));
    assertEquals(17, w.stats().requests(), "east's 12 and west's 5; not west's of a minute before");
    assertEquals(new TreeMap<>(Map.of(503, 2L)), w.stats().errors());
    assertEquals(2 / 17.0, w.stats().errorRate(), 1e-12);
    LatencyHistogram expected = LatencyHistogram.ofMillis(4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 40, 40, 8, 8, 8, 8, 8);
    assertEquals(expected, w.stats().latency());
    assertEquals(List.of("gw-east", "gw-west"), w.gateways());
    assertEquals(List.of(), w.missingGateways());
    JsonObject asked = new JsonObject().put("endpoint", "credit").put("deployment", "blue").put("from_ms", T)
        .put("to_ms", T + 20_000).put("step_ms", 20_000L);
    assertEquals(List.of(asked), east.asked, "one window, of that deployment only");
  }

  @Test
  void theSpanIsHalfOpenAndCountsTheSlotsStartingInIt() throws Exception {
    assertEquals(5, window("blue", TrafficKind.LIVE, X.plusSeconds(10), X.plusSeconds(20)).stats().requests());
    assertEquals(12, window("blue", TrafficKind.LIVE, X, X.plusSeconds(10)).stats().requests());
    assertEquals(12, window("blue", TrafficKind.LIVE, X.minusMillis(1), X.plusSeconds(10)).stats().requests());
    assertEquals(7, window("blue", TrafficKind.LIVE, X.minusSeconds(3600), X).stats().requests());
  }

  @Test
  void mirroredAnswersAreAskedForApart() throws Exception {
    assertEquals(3, window("blue", TrafficKind.MIRRORED, X, X.plusSeconds(20)).stats().requests());
    WindowStats green = window("green", TrafficKind.MIRRORED, X, X.plusSeconds(20)).stats();
    assertEquals(4, green.requests());
    assertEquals(1.0, green.errorRate());
    assertEquals(WindowStats.EMPTY, window("green", TrafficKind.LIVE, X, X.plusSeconds(20)).stats());
  }

  /** Bad input: a gateway that takes the question and never answers. */
  @Test
  void aGatewayThatDoesNotAnswerIsNamedAndTheOthersAnswersStillCount() throws Exception {
    nodes.add(node("gw-silent", NodeState.ROLE_GATEWAY));
    GatheredWindow w = window("blue", TrafficKind.LIVE, X, X.plusSeconds(20));
    assertEquals(17, w.stats().requests());
    assertEquals(List.of("gw-silent"), w.missingGateways());
    assertEquals(List.of("gw-east", "gw-west"), w.gateways());
    assertEquals(1, silent.asked.size());
  }

  /** Bad input: a cluster without gateways. */
  @Test
  void withoutGatewaysTheWindowIsEmpty() throws Exception {
    nodes.clear();
    GatheredWindow w = window("blue", TrafficKind.LIVE, X, X.plusSeconds(20));
    assertEquals(WindowStats.EMPTY, w.stats());
    assertEquals(List.of(), w.gateways());
    assertEquals(List.of(), w.missingGateways());
  }

  /** Bad inputs: to equal to from, to before from. */
  @Test
  void aSpanThatEndsWhereOrBeforeItStartsIsRefused() {
    for (Instant to : List.of(X, X.minusSeconds(10))) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
          () -> window("blue", TrafficKind.LIVE, X, to));
      assertTrue(e.getCause() instanceof InferbusException ie && ie.kind() == FailureKind.BAD_INPUT
          && "to_ms".equals(ie.target()), e.getCause().toString());
    }
    assertEquals(List.of(), east.asked);
  }

  private static GatheredWindow window(String deployment, TrafficKind kind, Instant from, Instant to)
      throws Exception {
    // on a context, as the control plane calls it from its event loop
    io.vertx.core.Promise<GatheredWindow> done = io.vertx.core.Promise.promise();
    vertx.runOnContext(v -> gatherer.window("credit", deployment, kind, from, to).onComplete(done));
    return done.future().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static JsonObject node(String id, String... roles) {
    return new JsonObject().put("node_id", id).put("roles", new JsonArray(List.of(roles)));
  }
}
