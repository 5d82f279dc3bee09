package io.inferbus.gateway.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.gateway.routing.InstanceLoad;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.autoscale.WakeRequest;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ColdStartHold on real Vert.x event loops, with a stand-in control plane on the wake address and
 * routing tables built from cluster states: requests for a deployment scaled to zero wait, one wake
 * is asked for them all, and they are released on their own loops when a table shows a ready
 * instance; past the deadline 408, beyond the bound 429, not woken 503; counted in the metrics.
 */
class ColdStartHoldTest {
  private static final EndpointState CREDIT = new EndpointState("credit", EndpointState.AUTH_KEY,
      Map.of("blue", 100), Map.of(), 1, List.of());
  private static final DeploymentState BLUE = new DeploymentState("credit", "blue",
      new ModelRef("m", "1", "0".repeat(64)), 0, new RequestSettings(5000, 1, 500), null, 1,
      new ScaleSettings(0, 2, 1, 70, 0, 1, 1));

  private Vertx vertx;
  private SimpleMeterRegistry registry;
  private ScoringMetrics metrics;
  private final AtomicReference<RoutingTable> table = new AtomicReference<>();
  private final List<WakeRequest> wakes = new CopyOnWriteArrayList<>();
  private MessageConsumer<JsonObject> controlPlane;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    registry = new SimpleMeterRegistry();
    metrics = new ScoringMetrics(registry);
    table.set(table(/* no instance */));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static RoutingTable table(InstanceState... instances) {
    Map<String, InstanceState> byId = new java.util.HashMap<>();
    for (InstanceState i : instances) {
      byId.put(i.id(), i);
    }
    return RoutingTable.build(Map.of("credit", CREDIT), Map.of(BLUE.key(), BLUE), byId, new InstanceLoad());
  }

  private static InstanceState instance(String state) {
    return new InstanceState("i1", "credit", "blue", 1, "node-1", "addr.i1", state, null, 0, null);
  }

  /** A control plane that answers every wake with {@code count} instances. */
  private void controlPlaneAnswering(int count) throws Exception {
    controlPlane = vertx.eventBus().consumer(Addresses.AUTOSCALE_WAKE, m -> {
      wakes.add(WakeRequest.fromJson(m.body()));
      m.reply(new JsonObject().put("instance_count", count));
    });
    controlPlane.completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private ColdStartHold hold(int maxWaiting) {
    return new ColdStartHold(vertx, "gw-1", metrics, table::get, maxWaiting);
  }

  /** A request waiting on a context of its own, as on a gateway loop; completes with that context if released there. */
  private CompletableFuture<Context> waitOnALoop(ColdStartHold hold, long timeoutMs) {
    CompletableFuture<Context> done = new CompletableFuture<>();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> hold.await("credit", BLUE, System.nanoTime() + timeoutMs * 1_000_000)
        .onComplete(ar -> {
          if (ar.failed()) {
            done.completeExceptionally(ar.cause());
          } else {
            done.complete(Vertx.currentContext() == context ? context : null);
          }
        }));
    return done;
  }

  private static InferbusException failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return (InferbusException) e.getCause();
    }
    throw new AssertionError("expected a failure");
  }

  private double counted(String outcome) {
    var c = registry.find("inferbus.gateway.cold_start.waits").tag("outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  private static void until(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  @Test
  void waitingRequestsAskOneWakeAndAreReleasedOnTheirOwnLoopsWhenAnInstanceIsReady() throws Exception {
    controlPlaneAnswering(1);
    ColdStartHold hold = hold(ColdStartHold.DEFAULT_MAX_WAITING);
    List<CompletableFuture<Context>> waiting = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waiting.add(waitOnALoop(hold, 5000));
    }
    until("5 requests waiting", () -> hold.waiting(BLUE.key()) == 5);
    until("the wake asked", () -> !wakes.isEmpty());
    assertEquals(1, wakes.size(), "one wake for every request waiting");
    assertEquals(new WakeRequest("credit", "blue", "gw-1", 1), wakes.get(0));

    hold.tableChanged(table.updateAndGet(t -> table(instance(InstanceState.LOADING))));
    assertFalse(waiting.get(0).isDone(), "a loading instance releases nothing");
    hold.tableChanged(table.updateAndGet(t -> table(instance(InstanceState.READY))));
    for (CompletableFuture<Context> w : waiting) {
      assertNotNull(w.get(10, TimeUnit.SECONDS), "released on the loop it waited on");
    }
    assertEquals(0, hold.waiting(BLUE.key()));
    assertEquals(5, counted("served"));
    assertEquals(5, registry.find("inferbus.gateway.cold_start.wait").timer().count());
  }

  @Test
  void aTableThatShowsAnInstanceAlreadyReleasesAtOnce() throws Exception {
    controlPlaneAnswering(1);
    table.set(table(instance(InstanceState.READY)));
    assertNotNull(waitOnALoop(hold(4), 5000).get(10, TimeUnit.SECONDS));
  }

  @Test
  void pastItsDeadlineARequestIsTimedOutAndTheNextOneAsksAgain() throws Exception {
    controlPlaneAnswering(1);
    ColdStartHold hold = hold(4);
    InferbusException e = failure(waitOnALoop(hold, 100));
    assertEquals(FailureKind.TIMED_OUT, e.kind());
    assertTrue(e.getMessage().contains("no ready instance within 5000 ms (request_timeout_ms)"), e.getMessage());
    assertEquals(1, counted("timed_out"));
    assertEquals(0, hold.waiting(BLUE.key()));
    waitOnALoop(hold, 5000);
    until("asked again", () -> wakes.size() == 2);
  }

  @Test
  void beyondTheBoundRequestsAreRefusedAsTooMany() throws Exception {
    controlPlaneAnswering(1);
    ColdStartHold hold = hold(2);
    CompletableFuture<Context> first = waitOnALoop(hold, 5000);
    CompletableFuture<Context> second = waitOnALoop(hold, 5000);
    until("2 waiting", () -> hold.waiting(BLUE.key()) == 2);
    InferbusException e = failure(waitOnALoop(hold, 5000));
    assertEquals(FailureKind.OVERLOADED, e.kind());
    assertTrue(e.getMessage().contains("2 requests already wait"), e.getMessage());
    assertEquals(1, counted("refused"));
    hold.tableChanged(table.updateAndGet(t -> table(instance(InstanceState.READY))));
    assertNotNull(first.get(10, TimeUnit.SECONDS));
    assertNotNull(second.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aDeploymentTheControlPlaneWillNotWakeFailsItsRequestsAsUnavailable() throws Exception {
    controlPlaneAnswering(0);
    InferbusException e = failure(waitOnALoop(hold(4), 5000));
    assertEquals(FailureKind.UNAVAILABLE, e.kind());
    assertEquals(1, counted("unavailable"));
  }

  @Test
  void withoutAControlPlaneTheWakeIsAskedAgainUntilOneAnswers() throws Exception {
    ColdStartHold hold = hold(4);
    CompletableFuture<Context> waiting = waitOnALoop(hold, 10_000);
    until("1 waiting", () -> hold.waiting(BLUE.key()) == 1);
    controlPlaneAnswering(1); // comes up after the first ask found nobody
    until("asked again", () -> wakes.size() == 1);
    hold.tableChanged(table.updateAndGet(t -> table(instance(InstanceState.READY))));
    assertNotNull(waiting.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aDeploymentDeletedWhileRequestsWaitFailsThemAsNotFound() throws Exception {
    controlPlaneAnswering(1);
    ColdStartHold hold = hold(4);
    CompletableFuture<Context> waiting = waitOnALoop(hold, 5000);
    until("1 waiting", () -> hold.waiting(BLUE.key()) == 1);
    RoutingTable without = RoutingTable.build(Map.of("credit", CREDIT), Map.of(), Map.of(), new InstanceLoad());
    table.set(without);
    hold.tableChanged(without);
    assertSame(FailureKind.NOT_FOUND, failure(waiting).kind());
  }
}
