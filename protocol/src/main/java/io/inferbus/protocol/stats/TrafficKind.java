package io.inferbus.protocol.stats;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;

/**
 * Whose answers a statistic counts: the live answers callers received, or the mirrored copies a
 * shadow deployment answered (measured and discarded). Counted apart, so a mirror's traffic never
 * inflates a deployment's live request count.
 */
public enum TrafficKind {
  LIVE("live"),
  MIRRORED("mirrored");

  private final String wireName;

  TrafficKind(String wireName) {
    this.wireName = wireName;
  }

  /** As JSON spells it. */
  public String wireName() {
    return wireName;
  }

  /** {@code live} or {@code mirrored}; anything else is BAD_INPUT naming {@code kind}. */
  public static TrafficKind parse(Object value) {
    for (TrafficKind k : values()) {
      if (k.wireName.equals(value)) {
        return k;
      }
    }
    throw new InferbusException(FailureKind.BAD_INPUT, "kind must be 'live' or 'mirrored', not "
        + LatencyHistogram.describe(value), "kind");
  }
}
