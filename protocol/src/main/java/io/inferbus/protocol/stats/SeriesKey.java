package io.inferbus.protocol.stats;

import java.util.Objects;

/** One deployment's live or mirrored answers: what a run of windows is kept for. */
public record SeriesKey(String endpoint, String deployment, TrafficKind kind) {
  public SeriesKey {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(deployment, "deployment");
    Objects.requireNonNull(kind, "kind");
  }
}
