package io.inferbus.controlplane.rollout;

import static io.inferbus.controlplane.rollout.Windows.answers;
import static io.inferbus.controlplane.rollout.Windows.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.testing.ControlPlaneTestBase;
import io.inferbus.controlplane.testing.MovableClock;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rollout's state machine through the control-plane services, on a real store and Hazelcast
 * member, with the gateways' statistics stood in for and the clock moved by the test: each
 * evaluation is one call of {@link RolloutService#evaluateAll}, as the control plane makes every
 * second. Checked for each decision: the traffic revision (who, why), the audit record and its
 * evidence, the rollout's state, and what gateways are told.
 *
 * <p>Bad inputs tried: an unknown endpoint, an unknown deployment, a canary already at 100 %, an
 * endpoint without live traffic, a second rollout, a body refused by its parser; promote, abort and
 * show without a rollout, and promote or abort of one that has ended. Each refusal leaves no revision
 * and no audit record.
 */
class RolloutServiceTest extends ControlPlaneTestBase {
  private static final Actor ALICE = new Actor("alice", "req-alice");
  private static final Actor BOB = new Actor("bob", "req-bob");
  /** Steps 10, 50, 100 of 60 s; judged from 20 answers; 1 % errors and 100 ms p95 at most. */
  private static final String BODY = "{\"deployment\": \"green\", \"steps\": [10, 50, 100], \"step_interval_s\": 60,"
      + " \"min_requests\": 20, \"max_error_rate\": 1, \"max_p95_ms\": 100}";

  private MovableClock clock;
  private StandInStatistics gateways;
  private RolloutService rollouts;

  @BeforeEach
  void credit() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue", "green");
    cp.traffic("credit", "{\"blue\": 100}", null, ALICE);
    clock = new MovableClock(Instant.parse("2026-03-01T12:00:04Z"));
    gateways = new StandInStatistics();
    rollouts = rollouts();
  }

  /** A rollout service on the fixture's services, taking up the store's rollouts, evaluating only when told. */
  private RolloutService rollouts() throws Exception {
    RolloutService service = new RolloutService(cp.vertx(), cp.services.storeThread(), cp.endpoints(),
        cp.services.audit(), gateways, clock, 0);
    cp.await(service::resume);
    return service;
  }

  private JsonObject start(String body) throws Exception {
    return cp.expect(201, () -> rollouts.start("credit", new JsonObject(body), ALICE));
  }

  private JsonObject status() throws Exception {
    return cp.expect(200, () -> rollouts.status("credit"));
  }

  private void evaluate() throws Exception {
    cp.await(rollouts::evaluateAll);
  }

  private JsonObject traffic() throws Exception {
    return cp.endpoint("credit").getJsonObject("traffic");
  }

  private static JsonObject weights(int green, int blue) {
    return new JsonObject().put("green", green).put("blue", blue);
  }

  /** Answers of both deployments counted now: green's as given, blue's 200 fast ones. */
  private void counted(WindowStats green) {
    gateways.answered("green", clock.millis(), green);
    gateways.answered("blue", clock.millis(), ok(200, 5));
  }

  private List<JsonObject> audit(String action) throws Exception {
    return cp.audit().stream().filter(a -> action.equals(a.getString("action"))).toList();
  }

  @Test
  void aGoodCanaryGoesThroughEveryStepAndSucceeds() throws Exception {
    JsonObject started = start(BODY);
    assertEquals("Running", started.getString("state"));
    assertEquals(1, started.getInteger("current_step"));
    assertEquals(10, started.getInteger("current_share"));
    assertEquals(weights(10, 90), started.getJsonObject("traffic"));
    assertEquals(new JsonObject().put("blue", 100), started.getJsonObject("stable"));
    assertEquals("alice", started.getString("started_by"));
    assertEquals(clock.instant().toString(), started.getString("step_started_at"));
    assertEquals(clock.instant().plusSeconds(60).toString(), started.getString("step_ends_at"));
    assertEquals(weights(10, 90), traffic());
    assertEquals(Map.of("green", 10, "blue", 90), cp.published("credit").traffic(), "the gateways are told");
    JsonObject first = last(cp.history("credit"));
    assertEquals("alice", first.getString("actor"));
    assertEquals("rollout of green started by alice: step 1 of 3 (10 %)", first.getString("note"));

    for (int share : List.of(10, 50)) {
      clock.advance(Duration.ofSeconds(30));
      counted(ok(30, 8));
      evaluate();
      JsonObject running = status();
      assertEquals(share, running.getInteger("current_share"), "a pass before the interval is over keeps the step");
      assertEquals("continue", running.getJsonObject("last_verdict").getString("decision"));
      assertEquals("pass", running.getJsonObject("last_verdict").getString("outcome"));
      clock.advance(Duration.ofSeconds(30));
      evaluate();
    }
    JsonObject last = status();
    assertEquals(3, last.getInteger("current_step"));
    assertEquals(weights(100, 0), traffic());
    assertEquals(Map.of("green", 100, "blue", 0), cp.published("credit").traffic());

    clock.advance(Duration.ofSeconds(60));
    gateways.answered("green", clock.millis(), ok(40, 8)); // the stable side has no traffic now
    evaluate();
    JsonObject succeeded = status();
    assertEquals("Succeeded", succeeded.getString("state"));
    assertEquals("rollout", succeeded.getString("ended_by"));
    assertEquals("every step passed", succeeded.getString("end_reason"));
    assertEquals(3, succeeded.getJsonArray("verdicts").size(), "one decisive verdict per step");
    JsonObject promotion = succeeded.getJsonObject("last_verdict");
    assertEquals("promote", promotion.getString("decision"));
    assertFalse(promotion.getBoolean("relative_limits_applied"), "no stable answers at 100 %");

    List<JsonObject> revisions = cp.history("credit");
    assertEquals(List.of("alice", "alice", "alice", "rollout", "rollout"),
        revisions.stream().map(r -> r.getString("actor")).toList(), "creation, blue=100, step 1, steps 2 and 3");
    assertTrue(revisions.get(3).getString("note").startsWith("rollout of green: step 2 of 3 (50 %), step 1 passed"
        + " (canary 30 answers, 0.0 % errors, p95 "), revisions.get(3).getString("note"));
    assertEquals(1, audit("rollout.start").size());
    List<JsonObject> steps = audit("rollout.step");
    assertEquals(2, steps.size());
    JsonObject evidence = steps.get(0).getJsonObject("evidence");
    assertEquals("2026-03-01T12:00:04Z", evidence.getJsonObject("window").getString("from"));
    assertEquals("2026-03-01T12:01:04Z", evidence.getJsonObject("window").getString("to"));
    assertEquals(30, evidence.getJsonObject("canary").getLong("requests"), "the step's answers only");
    assertEquals("green", evidence.getJsonObject("canary").getString("deployment"));
    assertEquals(8, evidence.getJsonObject("canary").getDouble("p95_ms"), 8 * 0.04);
    assertEquals(200, evidence.getJsonObject("stable").getLong("requests"));
    assertEquals("rollout", steps.get(0).getString("actor"));
    assertEquals(weights(10, 90), steps.get(0).getJsonObject("before").getJsonObject("traffic"));
    assertEquals(weights(50, 50), steps.get(0).getJsonObject("after").getJsonObject("traffic"));
    assertEquals(1, audit("rollout.promote").size());
  }

  @Test
  void aBreachRollsBackAtOnceWithItsEvidence() throws Exception {
    start(BODY);
    clock.advance(Duration.ofSeconds(3));
    counted(ok(25, 250));
    evaluate();
    JsonObject rolledBack = status();
    assertEquals("RolledBack", rolledBack.getString("state"));
    assertTrue(rolledBack.getString("end_reason").startsWith("max_p95_ms breached: canary p95 "),
        rolledBack.getString("end_reason"));
    assertEquals(weights(0, 100), traffic(), "back on the stable deployment, without waiting for the step's end");
    assertEquals(Map.of("green", 0, "blue", 100), cp.published("credit").traffic());
    JsonObject revision = last(cp.history("credit"));
    assertEquals("rollout", revision.getString("actor"));
    assertTrue(revision.getString("note").startsWith("rollout of green rolled back at step 1 (10 %): canary p95 "),
        revision.getString("note"));

    JsonObject record = last(audit("rollout.rollback"));
    assertEquals("rollout", record.getString("actor"));
    assertEquals("endpoints/credit/rollout", record.getString("target"));
    assertEquals(weights(0, 100), record.getJsonObject("after").getJsonObject("traffic"));
    JsonObject evidence = record.getJsonObject("evidence");
    assertEquals("max_p95_ms", evidence.getString("limit"));
    assertEquals("roll_back", evidence.getString("decision"));
    assertEquals("2026-03-01T12:00:04Z", evidence.getJsonObject("window").getString("from"));
    assertEquals("2026-03-01T12:00:07Z", evidence.getJsonObject("window").getString("to"));
    assertEquals(25, evidence.getJsonObject("canary").getLong("requests"));
    assertEquals(250, evidence.getJsonObject("canary").getDouble("p95_ms"), 250 * 0.04);
    assertEquals(200, evidence.getJsonObject("stable").getLong("requests"));
    assertEquals(5, evidence.getJsonObject("stable").getDouble("p95_ms"), 5 * 0.04);
    assertEquals(List.of("max_p95_ms", "max_p95_ratio"), evidence.getJsonArray("breaches").stream()
        .map(b -> ((JsonObject) b).getString("limit")).toList());
    assertEquals(evidence, rolledBack.getJsonObject("last_verdict"));

    int audited = cp.audit().size();
    clock.advance(Duration.ofSeconds(120));
    evaluate();
    assertEquals(audited, cp.audit().size(), "an ended rollout is not evaluated");
  }

  @Test
  void anErrorBreachRollsBack() throws Exception {
    start(BODY);
    clock.advance(Duration.ofSeconds(2));
    counted(answers(18, 5, 4, 408));
    evaluate();
    JsonObject rolledBack = status();
    assertEquals("RolledBack", rolledBack.getString("state"));
    JsonObject evidence = rolledBack.getJsonObject("last_verdict");
    assertEquals("max_error_rate", evidence.getString("limit"));
    assertEquals(new JsonObject().put("408", 4), evidence.getJsonObject("canary").getJsonObject("errors"));
    assertEquals(18.182, evidence.getJsonObject("canary").getDouble("error_rate_percent"));
  }

  @Test
  void answersFromBeforeTheStepAreNotInItsWindow() throws Exception {
    // green failed badly in this same 10-second slot before the rollout (pinned requests, say)
    gateways.answered("green", clock.millis(), answers(0, 900, 500, 503));
    start(BODY);
    clock.advance(Duration.ofSeconds(2));
    counted(ok(25, 8));
    evaluate();
    JsonObject running = status();
    assertEquals("Running", running.getString("state"));
    assertEquals(25, running.getJsonObject("last_verdict").getJsonObject("canary").getLong("requests"));
  }

  @Test
  void tooFewAnswersWaitThroughTheExtensionThenPause() throws Exception {
    start("{\"deployment\": \"green\", \"steps\": [10, 100], \"step_interval_s\": 60, \"max_step_extension_s\": 30,"
        + " \"min_requests\": 20, \"max_p95_ms\": 100}");
    gateways.answered("green", clock.millis(), ok(5, 8));
    clock.advance(Duration.ofSeconds(61));
    evaluate();
    assertEquals("Running", status().getString("state"), "the window grows past the interval");
    assertEquals("insufficient_data", status().getJsonObject("last_verdict").getString("outcome"));
    clock.advance(Duration.ofSeconds(29));
    evaluate();
    JsonObject paused = status();
    assertEquals("Paused", paused.getString("state"));
    assertEquals("rollout", paused.getJsonObject("paused").getString("actor"));
    assertEquals("insufficient_data: the canary had 5 of min_requests 20 answers by the end of step 1's extension",
        paused.getJsonObject("paused").getString("reason"));
    assertEquals(clock.instant().toString(), paused.getJsonObject("paused").getString("time"));
    assertEquals(weights(10, 90), traffic(), "traffic stays where it was");
    assertEquals(1, audit("rollout.pause").size());
    gateways.answered("green", clock.millis(), ok(500, 8));
    clock.advance(Duration.ofSeconds(60));
    evaluate();
    assertEquals("Paused", status().getString("state"), "a paused rollout is not judged");

    JsonObject promoted = cp.expect(200, () -> rollouts.promote("credit", ALICE));
    assertEquals("Succeeded", promoted.getString("state"));
    assertEquals("alice", promoted.getString("ended_by"));
    assertEquals(weights(100, 0), traffic());
    assertEquals("alice", last(audit("rollout.promote")).getString("actor"));
    assertEquals("Paused", last(audit("rollout.promote")).getString("state_before"));
  }

  @Test
  void aManualTrafficChangePausesItUntilAnOperatorEndsIt() throws Exception {
    start(BODY);
    cp.traffic("credit", "{\"blue\": 50, \"green\": 50}", null, BOB);
    long bobsRevision = cp.endpoint("credit").getLong("traffic_revision");
    JsonObject paused = status();
    assertEquals("Paused", paused.getString("state"), "in the same transaction as bob's change");
    JsonObject why = paused.getJsonObject("paused");
    assertEquals("bob", why.getString("actor"));
    assertEquals("traffic changed by bob (revision " + bobsRevision + ")", why.getString("reason"));
    assertEquals(bobsRevision, why.getLong("traffic_revision"));
    JsonObject pauseRecord = last(audit("rollout.pause"));
    assertEquals("req-bob", pauseRecord.getString("request_id"), "tied to the change that caused it");

    clock.advance(Duration.ofSeconds(30));
    counted(ok(30, 400));
    clock.advance(Duration.ofSeconds(60));
    evaluate();
    assertEquals("Paused", status().getString("state"));
    assertEquals(weights(50, 50), traffic(), "bob's split stands: neither rolled back nor stepped");
    assertEquals(bobsRevision, cp.endpoint("credit").getLong("traffic_revision"));

    JsonObject aborted = cp.expect(200, () -> rollouts.abort("credit", ALICE));
    assertEquals("Aborted", aborted.getString("state"));
    assertEquals("alice", aborted.getString("ended_by"));
    assertEquals(weights(0, 100), aborted.getJsonObject("traffic"));
    assertEquals(weights(0, 100), traffic(), "back to the stable deployment, as it was when the rollout started");
    assertEquals(Map.of("green", 0, "blue", 100), cp.published("credit").traffic());
    assertEquals("rollout of green aborted by alice at step 1 (10 %)", last(cp.history("credit")).getString("note"));
    assertEquals(1, audit("rollout.abort").size());

    int audited = cp.audit().size();
    cp.refused(FailureKind.CONFLICT, () -> rollouts.abort("credit", ALICE), "has ended (Aborted at");
    cp.refused(FailureKind.CONFLICT, () -> rollouts.promote("credit", ALICE), "nothing to promote");
    assertEquals(audited, cp.audit().size());

    // a rollback by anyone but the rollout pauses the next rollout the same way
    start(BODY);
    cp.expect(200, () -> cp.endpoints().rollbackTraffic("credit", new JsonObject(), BOB));
    assertEquals("Paused", status().getString("state"));
    assertEquals("bob", status().getJsonObject("paused").getString("actor"));
  }

  @Test
  void aDecisionTakenBeforeAManualChangeIsNotWritten() throws Exception {
    start(BODY);
    clock.advance(Duration.ofSeconds(3));
    counted(ok(25, 250));
    gateways.hold(); // the gateways are slow to answer: the evaluation waits
    CompletableFuture<Void> evaluation = cp.submit(rollouts::evaluateAll);
    cp.traffic("credit", "{\"blue\": 70, \"green\": 30}", null, BOB);
    gateways.release();
    evaluation.get(30, TimeUnit.SECONDS);
    assertEquals("Paused", status().getString("state"), "bob's change came first: the breach is not acted on");
    assertEquals(weights(30, 70), traffic());
    assertEquals(List.of(), audit("rollout.rollback"));
  }

  @Test
  void aRestartedControlPlaneCarriesOnFromTheStoredStep() throws Exception {
    JsonObject started = start(BODY);
    clock.advance(Duration.ofSeconds(20));
    counted(ok(30, 8));
    cp.restart();
    rollouts = rollouts();
    JsonObject resumed = status();
    assertEquals("Running", resumed.getString("state"));
    assertEquals(started.getString("step_started_at"), resumed.getString("step_started_at"),
        "the step's timer is its stored start");
    clock.advance(Duration.ofSeconds(40)); // 60 s after the step started, 40 s after the restart
    evaluate();
    assertEquals(2, status().getInteger("current_step"));
    assertEquals(weights(50, 50), traffic());
    assertEquals(30, last(audit("rollout.step")).getJsonObject("evidence").getJsonObject("canary")
        .getLong("requests"), "the answers counted before the restart are in the window");
    // the restarted service also pauses on a manual change
    cp.traffic("credit", "{\"blue\": 100}", null, BOB);
    assertEquals("Paused", status().getString("state"));
  }

  @Test
  void aCanaryDeletedWhilePausedCannotBePromotedButTheRolloutCanBeAborted() throws Exception {
    start(BODY);
    cp.traffic("credit", "{\"blue\": 100, \"green\": 0}", null, BOB);
    cp.expect(200, () -> cp.deployments().delete("credit", "green", BOB));
    target("traffic", cp.refused(FailureKind.CONFLICT, () -> rollouts.promote("credit", ALICE),
        "deployment 'green' of the rollout of 'green' on endpoint 'credit' has been deleted"));
    JsonObject aborted = cp.expect(200, () -> rollouts.abort("credit", ALICE));
    assertEquals("Aborted", aborted.getString("state"));
    assertEquals(new JsonObject().put("blue", 100), traffic());
  }

  @Test
  void theCanarysMirrorIsTurnedOffAtTheFirstStep() throws Exception {
    cp.traffic("credit", null, "{\"green\": 20}", ALICE);
    start(BODY);
    assertEquals(new JsonObject(), cp.endpoint("credit").getJsonObject("mirror_traffic"));
    assertEquals(weights(10, 90), traffic());
  }

  @Test
  void deletingTheEndpointDeletesItsRollout() throws Exception {
    start(BODY);
    cp.expect(200, () -> cp.endpoints().delete("credit", ALICE));
    cp.refused(FailureKind.NOT_FOUND, () -> rollouts.status("credit"), "no endpoint named 'credit'");
    cp.expect(201, () -> cp.endpoints().put("credit", new JsonObject(), ALICE));
    cp.refused(FailureKind.NOT_FOUND, () -> rollouts.status("credit"), "has no rollout");
    evaluate();
  }

  @Test
  void refusalsNameWhatIsWrongAndChangeNothing() throws Exception {
    int audited = cp.audit().size();
    long revision = cp.endpoint("credit").getLong("traffic_revision");
    cp.refused(FailureKind.NOT_FOUND, () -> rollouts.start("nosuch", new JsonObject(BODY), ALICE),
        "no endpoint named 'nosuch'");
    target("deployment", cp.refused(FailureKind.BAD_INPUT, () -> rollouts.start("credit",
        new JsonObject(BODY.replace("green", "orange")), ALICE), "has no deployment 'orange'", "[blue, green]"));
    target("steps", cp.refused(FailureKind.BAD_INPUT, () -> rollouts.start("credit",
        new JsonObject(BODY.replace("[10, 50, 100]", "[10, 50]")), ALICE), "must end at 100"));
    cp.refused(FailureKind.NOT_FOUND, () -> rollouts.status("credit"), "has no rollout");
    cp.refused(FailureKind.NOT_FOUND, () -> rollouts.promote("credit", ALICE), "has no rollout");
    cp.refused(FailureKind.NOT_FOUND, () -> rollouts.abort("credit", ALICE), "has no rollout");
    assertEquals(audited, cp.audit().size());
    assertEquals(revision, cp.endpoint("credit").getLong("traffic_revision"));

    cp.traffic("credit", "{\"blue\": 0, \"green\": 100}", null, ALICE);
    target("deployment", cp.refused(FailureKind.BAD_INPUT, () -> rollouts.start("credit", new JsonObject(BODY),
        ALICE), "already has 100 %"));
    cp.traffic("credit", "{\"blue\": 0, \"green\": 0}", null, ALICE);
    target("traffic", cp.refused(FailureKind.CONFLICT, () -> rollouts.start("credit", new JsonObject(BODY), ALICE),
        "no deployment of endpoint 'credit' has live traffic"));

    cp.traffic("credit", "{\"blue\": 100}", null, ALICE);
    start(BODY);
    cp.refused(FailureKind.CONFLICT, () -> rollouts.start("credit", new JsonObject(BODY), ALICE),
        "already has a rollout in progress: 'green' is Running at step 1 of 3 (10 %)");
    assertNull(status().getValue("ended_at"));
  }

  private static void target(String field, InferbusException e) {
    assertEquals(field, e.target(), e.getMessage());
  }

  private static JsonObject last(List<JsonObject> list) {
    return list.get(list.size() - 1);
  }
}
