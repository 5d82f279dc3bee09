package io.inferbus.controlplane.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.autoscale.ScaleDecision.Action;
import io.inferbus.controlplane.autoscale.ScaleDecision.Memory;
import io.inferbus.controlplane.autoscale.ScaleDecision.Outcome;
import io.inferbus.controlplane.autoscale.ScaleDecision.Sample;
import io.inferbus.protocol.state.ScaleSettings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * ScaleDecision: sequences of samples a second apart, as the autoscaler feeds them, and what it
 * decides. Settings unless a test says otherwise: 1 to 8 instances, target 70 %, scale up after 2 s
 * above, down after 5 s below, to zero after 10 idle seconds (when min is 0), one request admitted
 * per instance.
 */
class ScaleDecisionTest {
  private static final ScaleSettings S = new ScaleSettings(1, 8, 1, 70, 2, 5, 10);
  private static final ScaleSettings TO_ZERO = new ScaleSettings(0, 8, 1, 70, 2, 5, 10);

  /** Feeds the samples one second apart from t=0 (the first at 0), applying each change; returns the last outcome. */
  private static final class Run {
    final ScaleSettings settings;
    int count;
    long now;
    Memory memory = Memory.fresh(0);
    Outcome last;

    Run(ScaleSettings settings, int count) {
      this.settings = settings;
      this.count = count;
    }

    Outcome sample(double inFlight, int waiting, long idleMs) {
      last = ScaleDecision.decide(settings, count, 1, new Sample(inFlight, waiting, idleMs, count, 0), memory, now);
      memory = last.memory();
      count = last.count();
      now += 1000;
      return last;
    }

    Outcome busy(double inFlight) {
      return sample(inFlight, 0, 0);
    }
  }

  @Test
  void aboveTargetForTheScaleUpDelayScalesToTheCountThatBringsItToTarget() {
    Run r = new Run(S, 1);
    assertEquals(Action.NONE, r.busy(4).action(), "t=0: the streak starts");
    assertEquals(Action.NONE, r.busy(4).action(), "t=1: 1 s of the 2 s delay");
    Outcome up = r.busy(4);
    assertEquals(Action.SCALE_UP, up.action());
    assertEquals(1, up.before());
    assertEquals(6, up.count(), "4 in flight at 70 % of 1 each: ceil(4 / 0.7) = 6");
    assertEquals(3, up.streakSamples());
    assertEquals(2000, up.streakMs());
    assertEquals(4.0, up.streakUtilization(), 1e-9);
  }

  @Test
  void theScaleUpFollowsTheStreaksMeanNotItsLastSample() {
    Run r = new Run(S, 2);
    r.busy(2);
    r.busy(8);
    Outcome up = r.busy(2);
    assertEquals(6, up.count(), "mean 4 in flight: ceil(4 / 0.7) = 6");
  }

  @Test
  void aScaleUpAddsAtLeastOneAndStopsAtMaxInstances() {
    Run slightly = new Run(S, 4);
    for (int i = 0; i < 3; i++) {
      slightly.busy(2.9); // 72.5 %: ceil(2.9 / 0.7) = 5
    }
    assertEquals(5, slightly.count);
    Run far = new Run(S, 1);
    for (int i = 0; i < 3; i++) {
      far.busy(100);
    }
    assertEquals(8, far.count, "capped at max_instances");
    for (int i = 0; i < 5; i++) {
      assertEquals(Action.NONE, far.busy(100).action(), "nothing above max_instances");
    }
  }

  @Test
  void aSampleAtOrBelowTargetRestartsTheScaleUpStreak() {
    Run r = new Run(S, 1);
    r.busy(4);
    r.busy(4);
    assertEquals(Action.NONE, r.busy(0.7).action(), "at target: no streak");
    r.busy(4);
    assertEquals(Action.NONE, r.busy(4).action(), "a fresh 2 s streak is needed");
    assertEquals(Action.SCALE_UP, r.busy(4).action());
  }

  @Test
  void afterAChangeTheNextOneNeedsAFullDelayOfFreshSamples() {
    Run r = new Run(S, 1);
    r.busy(4);
    r.busy(4);
    assertEquals(6, r.busy(4).count());
    r.busy(10);
    r.busy(10);
    assertEquals(Action.SCALE_UP, r.busy(10).action());
    assertEquals(8, r.count);
  }

  @Test
  void belowTargetForTheScaleDownDelayScalesDownProportionally() {
    Run r = new Run(S, 8);
    for (int i = 0; i < 5; i++) {
      assertEquals(Action.NONE, r.busy(2).action(), "t=" + i + ": within the 5 s delay");
    }
    Outcome down = r.busy(2);
    assertEquals(Action.SCALE_DOWN, down.action());
    assertEquals(3, down.count(), "2 in flight at 70 %: ceil(2 / 0.7) = 3 instances");
    assertEquals(6, down.streakSamples());
  }

  @Test
  void aScaleDownNeverGoesBelowMinInstancesNorToZeroWithoutTheIdlePeriod() {
    Run min3 = new Run(new ScaleSettings(3, 8, 1, 70, 2, 5, 10), 8);
    for (int i = 0; i < 6; i++) {
      min3.busy(0);
    }
    assertEquals(3, min3.count);
    Run toZero = new Run(TO_ZERO, 8);
    for (int i = 0; i < 6; i++) {
      toZero.busy(0.1); // a trickle: in flight, so never idle
    }
    assertEquals(1, toZero.count, "the utilisation rule stops at one instance");
  }

  @Test
  void anIdleDeploymentWithMinZeroScalesToZeroAfterTheIdlePeriod() {
    Run r = new Run(TO_ZERO, 1);
    for (int i = 0; i < 10; i++) {
      assertEquals(Action.NONE, r.sample(0, 0, -1).action(), "t=" + i + ": the autoscaler saw it first at 0");
    }
    Outcome zero = r.sample(0, 0, -1);
    assertEquals(Action.SCALE_TO_ZERO, zero.action());
    assertEquals(0, zero.count());
    assertTrue(zero.reason().contains("scale_to_zero_idle_period 10 s"), zero.reason());
  }

  @Test
  void theGatewaysIdleTimeCountsAndARequestInFlightKeepsItUp() {
    Run r = new Run(TO_ZERO, 1);
    r.now = 60_000;
    assertEquals(Action.NONE, r.sample(0, 0, 5_000).action(), "answered 5 s ago");
    r.now = 65_000;
    assertEquals(Action.SCALE_TO_ZERO, r.sample(0, 0, 10_000).action(), "answered 10 s ago");
    Run busy = new Run(TO_ZERO, 1);
    busy.now = 60_000;
    assertEquals(Action.NONE, busy.sample(0.2, 0, 60_000).action(), "a request in flight is activity");
  }

  @Test
  void minInstancesAboveZeroNeverScalesToZero() {
    Run r = new Run(S, 1);
    for (int i = 0; i < 30; i++) {
      assertEquals(Action.NONE, r.sample(0, 0, -1).action());
    }
  }

  @Test
  void aWaitingRequestWakesADeploymentAtZeroToMaxOfOneAndMin() {
    Run r = new Run(TO_ZERO, 0);
    assertEquals(Action.NONE, r.sample(0, 0, -1).action(), "nobody waits: it sleeps");
    Outcome wake = r.sample(0, 3, -1);
    assertEquals(Action.WAKE, wake.action());
    assertEquals(1, wake.count());
    assertEquals(r.now - 1000, wake.memory().lastActiveMs(), "woken counts as active");
  }

  @Test
  void nothingIsDecidedWhileInstancesStartAndTheStreakRestartsAfter() {
    Memory m = Memory.fresh(0);
    Outcome o = ScaleDecision.decide(S, 3, 1, new Sample(5, 0, 0, 1, 2), m, 5_000);
    assertEquals(Action.NONE, o.action(), "1 ready, 2 loading: 5 in flight on 1 instance says nothing");
    assertEquals(-1, o.memory().aboveSinceMs());
    Outcome noneReady = ScaleDecision.decide(S, 3, 1, new Sample(0, 0, -1, 0, 0), m, 5_000);
    assertEquals(Action.NONE, noneReady.action(), "no ready instance (failed): nothing to judge by");
  }

  @Test
  void aCountOutsideTheBoundsIsBroughtWithinThem() {
    Outcome low = ScaleDecision.decide(S, 0, 1, new Sample(0, 0, -1, 0, 0), Memory.fresh(0), 0);
    assertEquals(Action.WITHIN_BOUNDS, low.action());
    assertEquals(1, low.count());
    Outcome high = ScaleDecision.decide(S, 12, 1, new Sample(0, 0, -1, 12, 0), Memory.fresh(0), 0);
    assertEquals(8, high.count());
  }

  @Test
  void utilisationCountsTheConcurrencyEachInstanceAdmits() {
    // 3 instances admitting 4 each: 6 in flight is 50 %, below 70 %
    Outcome o = ScaleDecision.decide(S, 3, 4, new Sample(6, 0, 0, 3, 0), Memory.fresh(0), 0);
    assertEquals(0.5, o.utilization(), 1e-9);
    assertEquals(0, o.memory().belowSinceMs(), "a below-target streak starts");
    assertEquals(3, ScaleDecision.countFor(8.4, 4, 0.7), "8.4 / (4 × 0.7) = 3 exactly");
    assertEquals(10, ScaleDecision.countFor(7, 1, 0.7), "7 / 0.7 is a hair over 10 in floating point");
  }

  @Test
  void theFiguresNameEverythingThatCausedIt() {
    Run r = new Run(S, 1);
    r.busy(4);
    r.busy(4);
    Outcome up = r.busy(4);
    JsonObject f = up.figures(S, new Sample(4, 0, 0, 1, 0), 1);
    assertEquals("scale_up", f.getString("decision"));
    assertEquals(1, f.getInteger("instance_count_before"));
    assertEquals(6, f.getInteger("instance_count_after"));
    assertEquals(4.0, f.getDouble("streak_utilization"));
    assertEquals(0.7, f.getDouble("target_utilization"));
    assertEquals(3, f.getInteger("samples"));
    assertEquals(2000, f.getLong("streak_ms"));
    assertTrue(f.getString("reason").contains("above target 0.70"), f.getString("reason"));
    Outcome wake = ScaleDecision.decide(TO_ZERO, 0, 1, new Sample(0, 2, -1, 0, 0), Memory.fresh(0), 0);
    assertNull(wake.figures(TO_ZERO, new Sample(0, 2, -1, 0, 0), 1).getDouble("utilization"),
        "requests waiting on no instance: utilisation is infinite, shown as null");
    assertFalse(ScaleDecision.decide(S, 1, 1, new Sample(0.7, 0, 0, 1, 0), Memory.fresh(0), 0).changes());
  }
}
