package io.inferbus.node;

import static io.inferbus.node.RolloutCalls.BODY;
import static io.inferbus.node.RolloutCalls.FAST;
import static io.inferbus.node.RolloutCalls.ROOMY;
import static io.inferbus.node.RolloutCalls.SLOW;
import static io.inferbus.node.RolloutCalls.awaitAnswers;
import static io.inferbus.node.RolloutCalls.nanosOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.ScoringLoad;
import io.inferbus.testing.ScoringLoad.Outcome;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Canary rollouts on a real node under real load: callers score an endpoint whose stable deployment
 * (blue) serves a fast model while the control plane moves a canary (green) through its steps,
 * judging it every second from the gateway's statistics. A canary whose model is slow (latency
 * breach) and one whose requests time out (408s, error breach) are rolled back automatically, the
 * evidence in the audit record and the traffic history, traffic back on blue within the 2 s
 * of the data showing the breach (measured from the callers' side: the answer that gave the canary
 * min_requests answers, to the last request the gateway still sent to the canary). A good canary is
 * promoted through every step. An operator's traffic change pauses a rollout until promoted.
 *
 * <p>The restart of a control plane in mid-rollout is {@link RolloutRestartTest}; the state machine
 * with every refusal is the control plane's RolloutServiceTest.
 */
class CanaryRolloutTest extends EmbeddedNodeTest {
  private static final int CALLERS = 4;
  /** The bound, with slack for a loaded 2-core machine: the rollout evaluates every second. */
  private static final Duration BREACH_TO_STABLE_BOUND = Duration.ofSeconds(3);
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  static RolloutCalls calls;
  static Map<String, String> keys = new java.util.HashMap<>();

  @BeforeAll
  static void deployments() throws Exception {
    calls = new RolloutCalls(node);
    for (String endpoint : List.of("slow-canary", "failing-canary", "good-canary", "paused-canary")) {
      node.deploy(endpoint, "blue", FAST, ROOMY, true);
    }
    keys.put("slow-canary", node.deploy("slow-canary", "green", SLOW, ROOMY, false));
    // answers in 20 ms or not at all: the slow model times every request out (408)
    keys.put("failing-canary", node.deploy("failing-canary", "green", SLOW, ROOMY.copy().put("request_settings",
        ROOMY.getJsonObject("request_settings").copy().put("request_timeout_ms", 20)), false));
    keys.put("good-canary", node.deploy("good-canary", "green", FAST, ROOMY, false));
    keys.put("paused-canary", node.deploy("paused-canary", "green", FAST, ROOMY, false));
  }

  @Test
  void aCanaryThatBreachesItsLatencyLimitIsRolledBack() throws Exception {
    JsonObject rollout = new JsonObject().put("deployment", "green").put("steps", new JsonArray(List.of(10, 50, 100)))
        .put("step_interval_s", 30).put("min_requests", 10).put("max_p95_ms", 40).put("max_error_rate", 5);
    JsonObject ended = rolledBack("slow-canary", rollout, "max_p95_ms");
    JsonObject evidence = ended.getJsonObject("last_verdict");
    assertTrue(evidence.getJsonObject("canary").getDouble("p95_ms") > 40, evidence.encodePrettily());
    assertTrue(evidence.getJsonObject("stable").getLong("requests") > 0, evidence.encodePrettily());
  }

  @Test
  void aCanaryThatFailsRequestsIsRolledBack() throws Exception {
    JsonObject rollout = new JsonObject().put("deployment", "green").put("steps", new JsonArray(List.of(10, 50, 100)))
        .put("step_interval_s", 30).put("min_requests", 10).put("max_error_rate", 5).put("max_p95_ms", 1000);
    JsonObject ended = rolledBack("failing-canary", rollout, "max_error_rate");
    JsonObject canary = ended.getJsonObject("last_verdict").getJsonObject("canary");
    assertTrue(canary.getJsonObject("errors").getLong("408", 0L) >= 10, canary.encodePrettily());
    assertTrue(canary.getDouble("error_rate_percent") > 5, canary.encodePrettily());
  }

  /**
   * Starts the rollout under load, waits for the automatic rollback, checks its evidence (rollout,
   * audit record, traffic history) and the callers' answers, and prints the rollback's timeline.
   */
  private JsonObject rolledBack(String endpoint, JsonObject rollout, String limit) throws Exception {
    List<Outcome> outcomes;
    long startedNanos;
    JsonObject ended;
    try (ScoringLoad load = ScoringLoad.start(node.https, calls.scoringUrl(endpoint), keys.get(endpoint), BODY,
        CALLERS)) {
      awaitAnswers(load, 100, DEADLINE);
      startedNanos = System.nanoTime();
      calls.start(endpoint, rollout);
      ended = calls.awaitState(endpoint, "RolledBack", DEADLINE);
      awaitAnswers(load, 100, DEADLINE); // answers after the rollback: all from blue
      outcomes = load.stop(DEADLINE);
    }
    int minRequests = rollout.getInteger("min_requests");
    JsonObject evidence = ended.getJsonObject("last_verdict");
    assertEquals("breach", evidence.getString("outcome"), evidence.encodePrettily());
    assertEquals(limit, evidence.getString("limit"), evidence.encodePrettily());
    assertEquals("roll_back", evidence.getString("decision"));
    assertTrue(evidence.getJsonObject("canary").getLong("requests") >= minRequests, evidence.encodePrettily());
    assertEquals(1, ended.getInteger("current_step"), "rolled back in the first step, not at its end");
    assertTrue(ended.getString("end_reason").startsWith(limit + " breached: "), ended.getString("end_reason"));
    assertEquals(new JsonObject().put("green", 0).put("blue", 100), calls.endpoint(endpoint).getJsonObject("traffic"));

    List<JsonObject> history = calls.history(endpoint);
    JsonObject revision = history.get(history.size() - 1);
    assertEquals("rollout", revision.getString("actor"));
    assertEquals(new JsonObject().put("green", 0).put("blue", 100), revision.getJsonObject("traffic"));
    assertTrue(revision.getString("note").contains(limit), revision.getString("note"));
    List<JsonObject> records = calls.audit(endpoint, "rollout.rollback");
    assertEquals(1, records.size());
    JsonObject audited = records.get(0).getJsonObject("evidence");
    assertEquals(evidence, audited, "the audit record carries the evidence the rollout shows");
    for (String side : List.of("canary", "stable")) {
      for (String figure : List.of("requests", "error_rate_percent", "p50_ms", "p95_ms", "p99_ms")) {
        assertTrue(audited.getJsonObject(side).containsKey(figure), side + " " + figure + ": " + audited.encode());
      }
    }
    assertTrue(audited.getJsonObject("window").containsKey("from") && audited.getJsonObject("window").containsKey("to"));

    // the callers' side: blue answered every request it got; the canary stopped getting any
    List<Outcome> afterStart = outcomes.stream().filter(o -> o.sentNanos() >= startedNanos).toList();
    List<Outcome> stableFailures = afterStart.stream().filter(o -> "blue".equals(o.deployment()) && o.status() != 200)
        .toList();
    assertEquals(List.of(), stableFailures, "blue answers every request");
    List<Outcome> canary = afterStart.stream().filter(o -> "green".equals(o.deployment()))
        .sorted(Comparator.comparingLong(Outcome::answeredNanos)).toList();
    assertTrue(canary.size() >= minRequests, "the canary answered " + canary.size());
    long dataShows = canary.get(minRequests - 1).answeredNanos();
    long lastSentToCanary = canary.stream().mapToLong(Outcome::sentNanos).max().orElseThrow();
    long decided = nanosOf(evidence.getJsonObject("window").getString("to"));
    long revised = nanosOf(revision.getString("time"));
    // traffic is back on stable once the rollback revision is written (and published, milliseconds
    // later) and the gateway sends the canary nothing more: the later of the two, conservatively
    long breachToStable = Math.max(revised, lastSentToCanary) - dataShows;
    System.out.printf("MEASURED: CanaryRolloutTest %s rollback (%s): rollout started at 0 ms; the canary's %dth "
            + "answer (min_requests: from then on the data shows the breach) at %d ms; decision (the judged window's "
            + "end) at %d ms; rollback revision written at %d ms; last request the gateway sent to the canary at %d ms; "
            + "breach to traffic on stable %d ms; canary statuses %s; %d requests in all%n",
        endpoint, limit, minRequests, ms(dataShows - startedNanos), ms(decided - startedNanos),
        ms(revised - startedNanos), ms(lastSentToCanary - startedNanos), ms(breachToStable),
        canary.stream().collect(Collectors.groupingBy(Outcome::status, Collectors.counting())), afterStart.size());
    assertTrue(breachToStable < BREACH_TO_STABLE_BOUND.toNanos(), "traffic back on stable " + ms(breachToStable)
        + " ms after the data showed the breach");
    return ended;
  }

  @Test
  void aGoodCanaryIsPromotedThroughEveryStep() throws Exception {
    String endpoint = "good-canary";
    // the relative limits keep their defaults (1 point of errors, twice the stable's p95)
    JsonObject rollout = new JsonObject().put("deployment", "green").put("steps", new JsonArray(List.of(10, 50, 100)))
        .put("step_interval_s", 2).put("min_requests", 50).put("max_error_rate", 1).put("max_p95_ms", 500);
    List<Outcome> outcomes;
    long startedNanos;
    JsonObject succeeded;
    try (ScoringLoad load = ScoringLoad.start(node.https, calls.scoringUrl(endpoint), keys.get(endpoint), BODY,
        CALLERS)) {
      awaitAnswers(load, 100, DEADLINE);
      startedNanos = System.nanoTime();
      calls.start(endpoint, rollout);
      succeeded = calls.awaitState(endpoint, "Succeeded", DEADLINE);
      outcomes = load.stop(DEADLINE);
    }
    long doneNanos = System.nanoTime();
    assertEquals(3, succeeded.getInteger("current_step"));
    assertEquals("rollout", succeeded.getString("ended_by"));
    JsonArray verdicts = succeeded.getJsonArray("verdicts");
    assertEquals(List.of("next_step", "next_step", "promote"), verdicts.stream()
        .map(v -> ((JsonObject) v).getString("decision")).toList(), verdicts.encodePrettily());
    assertEquals(new JsonObject().put("green", 100).put("blue", 0), calls.endpoint(endpoint).getJsonObject("traffic"));

    List<JsonObject> rolloutRevisions = calls.history(endpoint).stream()
        .filter(r -> r.getString("note", "").startsWith("rollout of green")).toList();
    assertEquals(List.of(10, 50, 100), rolloutRevisions.stream()
        .map(r -> r.getJsonObject("traffic").getInteger("green")).toList(), "every step, once");
    assertEquals(List.of("admin", "rollout", "rollout"), rolloutRevisions.stream().map(r -> r.getString("actor"))
        .toList(), "started by the admin, stepped by the rollout");
    assertEquals(2, calls.audit(endpoint, "rollout.step").size());
    assertEquals(1, calls.audit(endpoint, "rollout.promote").size());

    List<Outcome> failed = outcomes.stream().filter(o -> o.status() != 200).toList();
    assertEquals(List.of(), failed, "every request answered 200 through the steps");
    StringBuilder steps = new StringBuilder();
    for (Object v : verdicts) {
      JsonObject verdict = (JsonObject) v;
      JsonObject window = verdict.getJsonObject("window");
      steps.append(String.format(" step %d (%d %%): %d ms, canary %d answers p95 %.1f ms;", verdict.getInteger("step"),
          verdict.getInteger("share"), ms(nanosOf(window.getString("to")) - nanosOf(window.getString("from"))),
          verdict.getJsonObject("canary").getLong("requests"), verdict.getJsonObject("canary").getDouble("p95_ms")));
    }
    System.out.printf("MEASURED: CanaryRolloutTest promotion through steps 10 50 100 of 2 s: %d ms from start to "
        + "Succeeded;%s %d requests, all 200%n", ms(doneNanos - startedNanos), steps, outcomes.size());
  }

  @Test
  void aManualTrafficChangePausesTheRolloutUntilAnOperatorPromotesIt() throws Exception {
    String endpoint = "paused-canary";
    String alice = node.token("alice", OperatorRole.OPERATOR);
    JsonObject rollout = new JsonObject().put("deployment", "green").put("steps", new JsonArray(List.of(10, 50, 100)))
        .put("step_interval_s", 2).put("min_requests", 20).put("max_p95_ms", 500);
    try (ScoringLoad load = ScoringLoad.start(node.https, calls.scoringUrl(endpoint), keys.get(endpoint), BODY,
        CALLERS)) {
      awaitAnswers(load, 100, DEADLINE);
      calls.start(endpoint, rollout);
      var patched = node.https.json("PATCH", node.control() + "/endpoints/" + endpoint, alice, new JsonObject()
          .put("traffic", new JsonObject().put("blue", 70).put("green", 30)));
      assertEquals(200, patched.statusCode(), patched.body());
      long alicesRevision = new JsonObject(patched.body()).getLong("traffic_revision");
      JsonObject paused = calls.status(endpoint);
      assertEquals("Paused", paused.getString("state"), "paused as the change was acknowledged");
      assertEquals("alice", paused.getJsonObject("paused").getString("actor"));
      assertEquals("traffic changed by alice (revision " + alicesRevision + ")",
          paused.getJsonObject("paused").getString("reason"));

      // past the step's end and two evaluations more, with plenty of answers: still paused, alice's split kept
      Instant judgedBy = Instant.parse(paused.getString("step_ends_at")).plusSeconds(2);
      awaitAnswers(load, 500, DEADLINE);
      Await.until("two evaluations past the step's end", DEADLINE, () -> Instant.now().isAfter(judgedBy));
      JsonObject still = calls.status(endpoint);
      assertEquals("Paused", still.getString("state"));
      assertEquals(1, still.getInteger("current_step"));
      assertEquals(alicesRevision, calls.endpoint(endpoint).getLong("traffic_revision"));

      JsonObject promoted = calls.post("/endpoints/" + endpoint + "/rollout/promote", new JsonObject(), alice);
      assertEquals("Succeeded", promoted.getString("state"));
      assertEquals("alice", promoted.getString("ended_by"));
      assertEquals(new JsonObject().put("green", 100).put("blue", 0),
          calls.endpoint(endpoint).getJsonObject("traffic"));
      List<Outcome> outcomes = load.stop(DEADLINE);
      assertFalse(outcomes.isEmpty());
      assertEquals(List.of(), outcomes.stream().filter(o -> o.status() != 200).toList());
    }
    assertEquals(1, calls.audit(endpoint, "rollout.pause").size());
    assertEquals("alice", calls.audit(endpoint, "rollout.promote").get(0).getString("actor"));
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }
}
