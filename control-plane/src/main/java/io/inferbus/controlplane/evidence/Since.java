package io.inferbus.controlplane.evidence;

import io.inferbus.controlplane.operations.TimeSpans;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The start of an evidence window: a {@link TimeSpans time span} before now, or an ISO-8601 instant. */
public final class Since {

  private Since() {}

  /** {@code since} as an instant before {@code now}; BAD_INPUT naming {@code since} otherwise. */
  public static Instant parse(String since, Instant now) {
    if (since == null || since.isBlank()) {
      throw refused("since", since);
    }
    Duration back = TimeSpans.parse(since);
    if (back != null) {
      return now.minus(back);
    }
    try {
      Instant at = Instant.parse(since.trim());
      if (at.isAfter(now)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "since (" + since + ") is in the future", "since");
      }
      return at;
    } catch (DateTimeParseException e) {
      throw refused("since", since);
    }
  }

  /** A {@link TimeSpans time span} ({@code 30d}, {@code 12h}, {@code 90m}); BAD_INPUT naming {@code target} otherwise. */
  public static Duration duration(String text, String target) {
    Duration span = TimeSpans.parse(text);
    if (span == null) {
      throw refused(target, text);
    }
    return span;
  }

  private static InferbusException refused(String target, String value) {
    return new InferbusException(FailureKind.BAD_INPUT, target + " must be a positive number of days, hours,"
        + " minutes or seconds (30d, 12h, 90m, 600s) or an ISO-8601 instant such as 2026-01-31T12:00:00Z, not '"
        + value + "'", target);
  }
}
