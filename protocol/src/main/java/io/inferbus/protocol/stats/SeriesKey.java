package io.inferbus.protocol.stats;

import java.util.Objects;

/**
 * One deployment's live or mirrored answers: what a run of windows is kept for.
 *
 * @param revision the endpoint's traffic revision whose routing table routed the answers, or
 *     {@link #ANY_REVISION} for answers of every revision added up (what every reader but the
 *     control plane's per-minute rollups asks for)
 */
public record SeriesKey(String endpoint, String deployment, TrafficKind kind, long revision) {
  /** Not split by traffic revision: every revision's answers added up. */
  public static final long ANY_REVISION = 0;

  public SeriesKey {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(deployment, "deployment");
    Objects.requireNonNull(kind, "kind");
  }

  /** Every revision's answers added up. */
  public SeriesKey(String endpoint, String deployment, TrafficKind kind) {
    this(endpoint, deployment, kind, ANY_REVISION);
  }

  /** The same series without its revision. */
  public SeriesKey anyRevision() {
    return revision == ANY_REVISION ? this : new SeriesKey(endpoint, deployment, kind);
  }
}
