package io.inferbus.node;

import static io.inferbus.node.RolloutCalls.BODY;
import static io.inferbus.node.RolloutCalls.FAST;
import static io.inferbus.node.RolloutCalls.ROOMY;
import static io.inferbus.node.RolloutCalls.awaitAnswers;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.testing.Await;
import io.inferbus.testing.ScoringLoad;
import io.inferbus.testing.ScoringLoad.Outcome;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane restarts in the middle of a rollout (the whole embedded node stops and starts
 * again on its data directory): the restarted control plane shows the rollout Running at the step it
 * had reached, with the same step start time, and carries on from there to Succeeded under load; no
 * step is applied twice.
 */
class RolloutRestartTest {
  private static final String ENDPOINT = "restarted";
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  @TempDir
  Path dataDir;

  @Test
  void aRolloutCarriesOnFromItsStoredStepAfterARestart() throws Exception {
    // steps of 5 s, longer than the node takes to stop (step 2 must not end during it); a step may wait
    // two minutes for its answers, longer than the restart takes
    JsonObject rollout = new JsonObject().put("deployment", "green").put("steps", new JsonArray(List.of(20, 50, 100)))
        .put("step_interval_s", 5).put("max_step_extension_s", 120).put("min_requests", 20).put("max_error_rate", 1)
        .put("max_p95_ms", 500);
    JsonObject before;
    long stoppedNanos;
    try (TestNode first = TestNode.start(dataDir)) {
      first.deploy(ENDPOINT, "blue", FAST, ROOMY, true);
      String key = first.deploy(ENDPOINT, "green", FAST, ROOMY, false);
      RolloutCalls calls = new RolloutCalls(first);
      try (ScoringLoad load = ScoringLoad.start(first.https, calls.scoringUrl(ENDPOINT), key, BODY, 2)) {
        awaitAnswers(load, 50, DEADLINE);
        calls.start(ENDPOINT, rollout);
        Await.until("the rollout at step 2", DEADLINE, () -> Await.holds(() ->
            calls.status(ENDPOINT).getInteger("current_step") == 2));
        load.stop(DEADLINE);
      }
      before = calls.status(ENDPOINT);
      stoppedNanos = System.nanoTime();
    }

    try (TestNode second = TestNode.start(dataDir)) {
      long restartedNanos = System.nanoTime();
      RolloutCalls calls = new RolloutCalls(second);
      JsonObject resumed = calls.status(ENDPOINT);
      assertEquals("Running", resumed.getString("state"), resumed.encodePrettily());
      assertEquals(2, resumed.getInteger("current_step"));
      assertEquals(before.getString("step_started_at"), resumed.getString("step_started_at"),
          "the step's timer is its stored start");
      assertEquals(before.getLong("traffic_revision"), resumed.getLong("traffic_revision"));

      String key = second.primaryKey(ENDPOINT);
      for (String deployment : List.of("blue", "green")) { // their instances start again with the node
        Await.until(deployment + " routable", DEADLINE, () -> Await.holds(() -> second.https.get(second.scoring()
            + "/v2/models/" + ENDPOINT + "/versions/" + deployment + "/ready", key).statusCode() == 200));
      }
      List<Outcome> outcomes;
      JsonObject succeeded;
      try (ScoringLoad load = ScoringLoad.start(second.https, calls.scoringUrl(ENDPOINT), key, BODY, 2)) {
        succeeded = calls.awaitState(ENDPOINT, "Succeeded", DEADLINE);
        outcomes = load.stop(DEADLINE);
      }
      long doneNanos = System.nanoTime();
      assertEquals(List.of(), outcomes.stream().filter(o -> o.status() != 200).toList());
      assertEquals(List.of("next_step", "next_step", "promote"), succeeded.getJsonArray("verdicts").stream()
          .map(v -> ((JsonObject) v).getString("decision")).toList());
      List<JsonObject> stepRevisions = calls.history(ENDPOINT).stream()
          .filter(r -> r.getString("note", "").startsWith("rollout of green")).toList();
      assertEquals(List.of(20, 50, 100), stepRevisions.stream().map(r -> r.getJsonObject("traffic")
          .getInteger("green")).toList(), "each step once: none applied again after the restart");
      assertEquals(1, calls.audit(ENDPOINT, "rollout.start").size());
      assertEquals(2, calls.audit(ENDPOINT, "rollout.step").size());
      assertEquals(1, calls.audit(ENDPOINT, "rollout.promote").size());
      System.out.printf("MEASURED: RolloutRestartTest node down and up again in %d ms in the middle of step 2; "
          + "the resumed rollout Succeeded %d ms after the restart (step 2's window counted from its stored start)%n",
          (restartedNanos - stoppedNanos) / 1_000_000, (doneNanos - restartedNanos) / 1_000_000);
    }
  }
}
