package io.inferbus.controlplane.rollout;

import io.inferbus.controlplane.rollout.Verdict.Breach;
import io.inferbus.controlplane.rollout.Verdict.Figures;
import io.inferbus.controlplane.rollout.Verdict.Outcome;
import io.inferbus.protocol.spec.RolloutLimits;
import io.inferbus.protocol.spec.RolloutSpec;
import io.inferbus.protocol.stats.WindowStats;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges a canary over one window against the rollout's limits and against the stable deployment(s)
 * over the same window. A pure function: no clock, no Vert.x, no store.
 *
 * <p>The rule (docs/rollouts.md):
 * <ol>
 *   <li>Fewer canary answers than {@code min_requests}: not judged ({@link Outcome#INSUFFICIENT_DATA}).
 *   <li>Absolute limits, on the canary alone: its error rate above {@code max_error_rate} percent, its
 *       p95 above {@code max_p95_ms}.
 *   <li>Relative limits, only when the stable side also has {@code min_requests} answers in the window
 *       (a comparison with a handful of answers says nothing): the canary's error rate more than
 *       {@code max_error_rate_increase} points above the stable's; its p95 more than
 *       {@code max_p95_increase_ms} above the stable's; its p95 more than {@code max_p95_ratio} times
 *       the stable's while also at least {@value RolloutLimits#P95_RATIO_ALLOWANCE_MS} ms above it.
 *   <li>Any of them exceeded (strictly) is a {@link Outcome#BREACH}, listing every one, errors first;
 *       otherwise a {@link Outcome#PASS}.
 * </ol>
 */
public final class RolloutJudge {
  private RolloutJudge() {}

  public static Verdict judge(WindowStats canary, WindowStats stable, RolloutLimits limits) {
    Figures c = Figures.of(canary);
    Figures s = Figures.of(stable);
    boolean relative = stable.requests() >= limits.minRequests();
    if (canary.requests() < limits.minRequests()) {
      return new Verdict(Outcome.INSUFFICIENT_DATA, c, s, List.of(), relative);
    }
    List<Breach> breaches = new ArrayList<>();
    if (limits.maxErrorRate() != null && c.errorRatePercent() > limits.maxErrorRate()) {
      breaches.add(new Breach(RolloutSpec.MAX_ERROR_RATE, c.errorRatePercent(), limits.maxErrorRate(),
          "canary error rate " + pct(c.errorRatePercent()) + " > max_error_rate " + pct(limits.maxErrorRate())));
    }
    if (relative && limits.maxErrorRateIncrease() != null) {
      double increase = c.errorRatePercent() - s.errorRatePercent();
      if (increase > limits.maxErrorRateIncrease()) {
        breaches.add(new Breach(RolloutSpec.MAX_ERROR_RATE_INCREASE, increase, limits.maxErrorRateIncrease(),
            "canary error rate " + pct(c.errorRatePercent()) + " is " + num(increase) + " points above the stable's "
                + pct(s.errorRatePercent()) + " > max_error_rate_increase " + num(limits.maxErrorRateIncrease())));
      }
    }
    // with min_requests >= 1 answers the canary has a p95; the stable's exists when relative applies
    double canaryP95 = c.p95Ms();
    if (limits.maxP95Ms() != null && canaryP95 > limits.maxP95Ms()) {
      breaches.add(new Breach(RolloutSpec.MAX_P95_MS, canaryP95, limits.maxP95Ms(),
          "canary p95 " + ms(canaryP95) + " > max_p95_ms " + ms(limits.maxP95Ms())));
    }
    if (relative) {
      double stableP95 = s.p95Ms();
      double increase = canaryP95 - stableP95;
      if (limits.maxP95IncreaseMs() != null && increase > limits.maxP95IncreaseMs()) {
        breaches.add(new Breach(RolloutSpec.MAX_P95_INCREASE_MS, increase, limits.maxP95IncreaseMs(),
            "canary p95 " + ms(canaryP95) + " is " + ms(increase) + " above the stable's " + ms(stableP95)
                + " > max_p95_increase_ms " + ms(limits.maxP95IncreaseMs())));
      }
      if (limits.maxP95Ratio() != null && canaryP95 > limits.maxP95Ratio() * stableP95
          && increase >= RolloutLimits.P95_RATIO_ALLOWANCE_MS) {
        double ratio = canaryP95 / stableP95;
        breaches.add(new Breach(RolloutSpec.MAX_P95_RATIO, ratio, limits.maxP95Ratio(),
            "canary p95 " + ms(canaryP95) + " is " + num(ratio) + " times the stable's " + ms(stableP95)
                + " > max_p95_ratio " + num(limits.maxP95Ratio())));
      }
    }
    return new Verdict(breaches.isEmpty() ? Outcome.PASS : Outcome.BREACH, c, s, breaches, relative);
  }

  private static String pct(double percent) {
    return num(percent) + " %";
  }

  private static String ms(double ms) {
    return num(ms) + " ms";
  }

  private static String num(double value) {
    double rounded = Figures.round(value);
    return rounded == Math.rint(rounded) ? Long.toString((long) rounded) : Double.toString(rounded);
  }
}
