package io.inferbus.controlplane.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.controlplane.rollout.Rollout.State;
import io.inferbus.controlplane.rollout.RolloutProgress.Action;
import io.inferbus.controlplane.rollout.Verdict.Outcome;
import io.inferbus.protocol.spec.RolloutSpec;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a running step does after each evaluation: a breach rolls back whenever it shows; a pass ends
 * the step only once its interval is over (the last step's ends the rollout); too few answers wait
 * through the extension, then pause, and never before one interval after a restart.
 */
class RolloutProgressTest {
  private static final long START = 1_700_000_000_000L;
  /** Steps 10, 50, 100 of 60 s, 180 s of extension; at step {@code step}, started at START. */
  private static Rollout at(int step) {
    RolloutSpec spec = RolloutSpec.parse(new JsonObject("{\"deployment\": \"green\", \"steps\": [10, 50, 100],"
        + " \"step_interval_s\": 60}"));
    return new Rollout("id", "credit", spec, Map.of("blue", 100), State.RUNNING, step, START, null, 2, START - 1000,
        "alice", null, null, null, null, List.of());
  }

  @Test
  void aBreachRollsBackAtAnyMoment() {
    assertEquals(Action.ROLL_BACK, RolloutProgress.decide(at(0), Outcome.BREACH, START + 1000, 0));
    assertEquals(Action.ROLL_BACK, RolloutProgress.decide(at(2), Outcome.BREACH, START + 59_000, 0));
  }

  @Test
  void aPassEndsTheStepOnlyOnceItsIntervalIsOver() {
    assertEquals(Action.CONTINUE, RolloutProgress.decide(at(0), Outcome.PASS, START + 59_999, 0));
    assertEquals(Action.NEXT_STEP, RolloutProgress.decide(at(0), Outcome.PASS, START + 60_000, 0));
    assertEquals(Action.NEXT_STEP, RolloutProgress.decide(at(1), Outcome.PASS, START + 600_000, 0),
        "a step whose interval passed while the control plane was down ends at its first passing window");
    assertEquals(Action.PROMOTE, RolloutProgress.decide(at(2), Outcome.PASS, START + 60_000, 0));
  }

  @Test
  void tooFewAnswersWaitThroughTheExtensionThenPause() {
    Rollout r = at(1);
    assertEquals(START + 60_000, r.stepEndsMs());
    assertEquals(START + 240_000, r.stepDeadlineMs(), "the interval and three more");
    assertEquals(Action.CONTINUE, RolloutProgress.decide(r, Outcome.INSUFFICIENT_DATA, START + 239_999, 0));
    assertEquals(Action.PAUSE, RolloutProgress.decide(r, Outcome.INSUFFICIENT_DATA, START + 240_000, 0));
  }

  @Test
  void afterARestartAStepHasOneMoreIntervalToGatherItsAnswers() {
    long resumedPlusInterval = START + 900_000;
    assertEquals(Action.CONTINUE, RolloutProgress.decide(at(1), Outcome.INSUFFICIENT_DATA, START + 899_000,
        resumedPlusInterval));
    assertEquals(Action.PAUSE, RolloutProgress.decide(at(1), Outcome.INSUFFICIENT_DATA, resumedPlusInterval,
        resumedPlusInterval));
  }
}
