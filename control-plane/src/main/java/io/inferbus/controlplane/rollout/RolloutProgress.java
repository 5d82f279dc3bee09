package io.inferbus.controlplane.rollout;

import io.inferbus.controlplane.rollout.Verdict.Outcome;

/**
 * What a running rollout does after an evaluation of its step's window so far. Pure: the time is
 * given.
 *
 * <ul>
 *   <li>A breach rolls back at once, whenever in the step it shows.
 *   <li>A pass before the step's interval is over changes nothing: the window keeps growing and is
 *       judged again a second later. A pass once it is over ends the step: the next step, or, after
 *       the last, the promotion (the canary already has all live traffic; the rollout succeeds).
 *   <li>Too few answers: the window keeps growing past the interval, up to
 *       {@code max_step_extension_s} more; a step still short of {@code min_requests} then pauses the
 *       rollout (traffic stays as it is) until an operator promotes or aborts it.
 * </ul>
 */
public final class RolloutProgress {
  private RolloutProgress() {}

  /** The decision, with its wire name in the evidence ({@code decision}). */
  public enum Action {
    CONTINUE("continue"),
    NEXT_STEP("next_step"),
    PROMOTE("promote"),
    ROLL_BACK("roll_back"),
    PAUSE("pause");

    private final String wireName;

    Action(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /**
   * @param pauseNotBeforeMs no pause for lack of answers before this time, whatever the stored
   *     deadline: after a control-plane restart a step gets one more interval to gather its answers,
   *     since the gateways that count them may have restarted too
   */
  public static Action decide(Rollout rollout, Outcome outcome, long nowMs, long pauseNotBeforeMs) {
    return switch (outcome) {
      case BREACH -> Action.ROLL_BACK;
      case PASS -> nowMs < rollout.stepEndsMs() ? Action.CONTINUE
          : rollout.isLastStep() ? Action.PROMOTE : Action.NEXT_STEP;
      case INSUFFICIENT_DATA -> nowMs < Math.max(rollout.stepDeadlineMs(), pauseNotBeforeMs) ? Action.CONTINUE
          : Action.PAUSE;
    };
  }
}
