package io.inferbus.protocol.spec;

/**
 * What a canary must hold to pass a step of a rollout ({@link RolloutSpec}): how many answers it needs
 * before it is judged at all, absolute limits on its own figures, and limits relative to the stable
 * deployment(s) over the same window. A limit that is null is not applied.
 *
 * @param minRequests answers the canary must have in a step's window before it is judged
 * @param maxErrorRate highest error rate of the canary, in percent (failures: 5xx, 408, 429)
 * @param maxP95Ms highest p95 latency of the canary, in milliseconds
 * @param maxErrorRateIncrease how many percentage points the canary's error rate may exceed the stable's
 * @param maxP95IncreaseMs how many milliseconds the canary's p95 may exceed the stable's
 * @param maxP95Ratio how many times the stable's p95 the canary's may be; breached only when the
 *     canary's p95 is also {@value #P95_RATIO_ALLOWANCE_MS} ms or more above the stable's
 */
public record RolloutLimits(long minRequests, Double maxErrorRate, Double maxP95Ms, Double maxErrorRateIncrease,
    Double maxP95IncreaseMs, Double maxP95Ratio) {
  /**
   * A difference of p95s below this is never a ratio breach: at a millisecond, twice as slow is noise
   * (a garbage collection, a busy core), not a regression worth a rollback.
   */
  public static final double P95_RATIO_ALLOWANCE_MS = 5.0;

  /** Whether any limit is applied at all. */
  public boolean anyLimit() {
    return maxErrorRate != null || maxP95Ms != null || maxErrorRateIncrease != null || maxP95IncreaseMs != null
        || maxP95Ratio != null;
  }

  /** Whether a limit relative to the stable deployment(s) is applied. */
  public boolean anyRelativeLimit() {
    return maxErrorRateIncrease != null || maxP95IncreaseMs != null || maxP95Ratio != null;
  }
}
