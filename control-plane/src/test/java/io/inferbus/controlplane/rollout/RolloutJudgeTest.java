package io.inferbus.controlplane.rollout;

import static io.inferbus.controlplane.rollout.Windows.answers;
import static io.inferbus.controlplane.rollout.Windows.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.rollout.Verdict.Breach;
import io.inferbus.controlplane.rollout.Verdict.Outcome;
import io.inferbus.protocol.spec.RolloutLimits;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The judging rule, on windows built by hand: no judgement below min_requests; the absolute limits on
 * the canary alone; the relative ones against the stable side only when it has min_requests answers
 * too; a limit breached only when exceeded; every breach listed, errors first; the caller's mistakes
 * (4xx but 408 and 429, and 424) never count as failures.
 */
class RolloutJudgeTest {
  /** min_requests 100; max_error_rate 1 %; max_p95_ms 200; defaults for the relative limits. */
  private static final RolloutLimits LIMITS = new RolloutLimits(100, 1.0, 200.0, 1.0, null, 2.0);
  private static final WindowStats STABLE = ok(900, 20);

  @Test
  void fewerAnswersThanMinRequestsAreNotJudgedHoweverBad() {
    Verdict v = RolloutJudge.judge(answers(0, 900, 99, 503), STABLE, LIMITS);
    assertEquals(Outcome.INSUFFICIENT_DATA, v.outcome());
    assertEquals(List.of(), v.breaches());
    assertNull(v.limit());
    assertEquals(99, v.canary().requests(), "the figures are there all the same");
    assertEquals(100.0, v.canary().errorRatePercent());
  }

  @Test
  void aCanaryWithinEveryLimitPasses() {
    Verdict v = RolloutJudge.judge(answers(99, 25, 1, 500), STABLE, LIMITS);
    assertEquals(Outcome.PASS, v.outcome(), v.toJson().encodePrettily());
    assertEquals(1.0, v.canary().errorRatePercent(), "exactly at max_error_rate is not over it");
    assertTrue(v.relativeLimitsApplied());
  }

  @Test
  void anErrorRateOverTheAbsoluteLimitIsABreach() {
    Verdict v = RolloutJudge.judge(answers(98, 20, 2, 408), ok(5, 20), LIMITS);
    assertEquals(Outcome.BREACH, v.outcome());
    assertEquals("max_error_rate", v.limit());
    Breach b = v.breaches().get(0);
    assertEquals(2.0, b.value());
    assertEquals(1.0, b.threshold());
    assertEquals("canary error rate 2 % > max_error_rate 1 %", b.message());
    assertFalse(v.relativeLimitsApplied(), "5 stable answers are too few to compare with");
    assertEquals(1, v.breaches().size());
  }

  @Test
  void theCallersMistakesAreNotFailures() {
    WindowStats canary = new WindowStats.Builder().record(400, 1_000_000).record(404, 1_000_000)
        .record(413, 1_000_000).record(424, 1_000_000).build().merge(ok(96, 1));
    Verdict v = RolloutJudge.judge(canary, STABLE, LIMITS);
    assertEquals(Outcome.PASS, v.outcome());
    assertEquals(0, v.canary().failures());
    assertEquals(4, v.canary().errors().size(), "counted among errors all the same");
  }

  @Test
  void theErrorRateIncreaseIsInPointsOverTheStables() {
    RolloutLimits relativeOnly = new RolloutLimits(100, null, null, 1.0, null, null);
    WindowStats stable = answers(97, 20, 3, 503); // 3 %
    assertEquals(Outcome.PASS, RolloutJudge.judge(answers(193, 20, 7, 503), stable, relativeOnly).outcome(),
        "3.5 % is 0.5 points over 3 %");
    Verdict v = RolloutJudge.judge(answers(191, 20, 9, 429), stable, relativeOnly); // 4.5 %
    assertEquals(Outcome.BREACH, v.outcome());
    assertEquals("max_error_rate_increase", v.limit());
    assertEquals(1.5, v.breaches().get(0).value(), 1e-9);
    assertEquals("canary error rate 4.5 % is 1.5 points above the stable's 3 % > max_error_rate_increase 1",
        v.breaches().get(0).message());
  }

  @Test
  void relativeLimitsWaitForTheStableSideToHaveMinRequestsToo() {
    RolloutLimits relativeOnly = new RolloutLimits(100, null, null, 1.0, 10.0, 2.0);
    // at the last step (100 %) the stable deployments have no answers at all
    Verdict v = RolloutJudge.judge(answers(50, 400, 50, 503), WindowStats.EMPTY, relativeOnly);
    assertEquals(Outcome.PASS, v.outcome(), "nothing to compare with: only absolute limits judge");
    assertFalse(v.relativeLimitsApplied());
    assertNull(v.stable().p95Ms());
    assertEquals(Outcome.PASS, RolloutJudge.judge(answers(50, 400, 50, 503), ok(99, 1), relativeOnly).outcome());
    assertEquals(Outcome.BREACH, RolloutJudge.judge(answers(50, 400, 50, 503), ok(100, 1), relativeOnly).outcome());
  }

  @Test
  void aP95OverTheAbsoluteLimitIsABreachWithTheMeasuredFigure() {
    Verdict v = RolloutJudge.judge(ok(100, 300), ok(100, 280), LIMITS);
    assertEquals(Outcome.BREACH, v.outcome());
    assertEquals("max_p95_ms", v.limit());
    assertEquals(300, v.breaches().get(0).value(), 300 * 0.04, "within the histogram's 4 %");
    assertEquals(200.0, v.breaches().get(0).threshold());
    assertEquals(1, v.breaches().size(), "300 ms is not twice the stable's 280 ms");
  }

  @Test
  void theP95RatioNeedsTheDifferenceToBeWorthARollback() {
    RolloutLimits ratioOnly = new RolloutLimits(100, null, null, null, null, 2.0);
    assertEquals(Outcome.PASS, RolloutJudge.judge(ok(100, 3), ok(100, 1), ratioOnly).outcome(),
        "three times as slow, but 2 ms: noise");
    Verdict v = RolloutJudge.judge(ok(100, 30), ok(100, 10), ratioOnly);
    assertEquals(Outcome.BREACH, v.outcome());
    assertEquals("max_p95_ratio", v.limit());
    assertEquals(3.0, v.breaches().get(0).value(), 0.25);
    assertEquals(Outcome.PASS, RolloutJudge.judge(ok(100, 19), ok(100, 10), ratioOnly).outcome(), "under twice");
  }

  @Test
  void theP95IncreaseIsInMillisecondsOverTheStables() {
    RolloutLimits increaseOnly = new RolloutLimits(100, null, null, null, 50.0, null);
    assertEquals(Outcome.PASS, RolloutJudge.judge(ok(100, 140), ok(100, 100), increaseOnly).outcome());
    Verdict v = RolloutJudge.judge(ok(100, 170), ok(100, 100), increaseOnly);
    assertEquals("max_p95_increase_ms", v.limit());
    assertEquals(70, v.breaches().get(0).value(), 170 * 0.04 + 100 * 0.04);
  }

  @Test
  void everyBreachIsListedErrorsFirst() {
    Verdict v = RolloutJudge.judge(answers(80, 500, 20, 503), ok(1000, 20), LIMITS);
    assertEquals(List.of("max_error_rate", "max_error_rate_increase", "max_p95_ms", "max_p95_ratio"),
        v.breaches().stream().map(Breach::limit).toList());
    assertEquals("max_error_rate", v.limit());
  }

  @Test
  void theVerdictAsShownCarriesBothSidesFigures() {
    JsonObject shown = RolloutJudge.judge(answers(95, 40, 5, 408), ok(300, 10), LIMITS).toJson();
    assertEquals("breach", shown.getString("outcome"));
    assertEquals("max_error_rate", shown.getString("limit"));
    JsonObject canary = shown.getJsonObject("canary");
    assertEquals(100, canary.getLong("requests"));
    assertEquals(5, canary.getLong("failures"));
    assertEquals(new JsonObject().put("408", 5), canary.getJsonObject("errors"));
    assertEquals(5.0, canary.getDouble("error_rate_percent"));
    for (String q : List.of("p50_ms", "p95_ms", "p99_ms")) {
      assertEquals(40, canary.getDouble(q), 40 * 0.04, q);
    }
    assertEquals(300, shown.getJsonObject("stable").getLong("requests"));
    assertEquals(true, shown.getBoolean("relative_limits_applied"));
  }
}
