package io.inferbus.protocol.cluster;

import java.util.Locale;

/** A cluster record a reader does not act on, and why. */
public final class RecordRejected extends Exception {
  /** Why; a bounded set, so it can label a metric. */
  public enum Reason {
    /** Not a signed record at all (plain JSON, garbage). */
    UNSIGNED,
    /** Its certificate is not one the cluster CA issued, or no longer valid. */
    BAD_CERTIFICATE,
    /** Signed by a node removed from the cluster. */
    REMOVED_NODE,
    /** Signed by a node whose certificate does not allow writing this map. */
    NOT_ALLOWED,
    /** The signature does not match the content, map or key. */
    BAD_SIGNATURE,
    /** Signed by the same credential as the one the reader holds, but older: a replay. */
    STALE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Reason reason;

  public RecordRejected(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
