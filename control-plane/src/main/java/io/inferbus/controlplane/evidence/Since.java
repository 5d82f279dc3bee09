package io.inferbus.controlplane.evidence;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The start of an evidence window: {@code Nd}, {@code Nh}, {@code Nm} before now, or an ISO-8601 instant. */
public final class Since {
  private static final Pattern RELATIVE = Pattern.compile("([0-9]{1,6})([dhm])");

  private Since() {}

  /** {@code since} as an instant before {@code now}; BAD_INPUT naming {@code since} otherwise. */
  public static Instant parse(String since, Instant now) {
    if (since == null || since.isBlank()) {
      throw refused("since", since);
    }
    if (RELATIVE.matcher(since.trim()).matches()) {
      return now.minus(duration(since, "since"));
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

  /** {@code Nd}, {@code Nh} or {@code Nm} as a duration; BAD_INPUT naming {@code target} otherwise. */
  public static Duration duration(String text, String target) {
    Matcher m = RELATIVE.matcher(text == null ? "" : text.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
      throw refused(target, text);
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "d" -> Duration.ofDays(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofMinutes(n);
    };
  }

  private static InferbusException refused(String target, String value) {
    return new InferbusException(FailureKind.BAD_INPUT, target + " must be a positive number of days, hours or"
        + " minutes (30d, 12h, 90m) or an ISO-8601 instant such as 2026-01-31T12:00:00Z, not '" + value + "'",
        target);
  }
}
