package io.inferbus.controlplane.operations;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A span of time as operators write it in the management API: a positive whole number (up to six
 * digits) and a unit, {@code s}, {@code m}, {@code h} or {@code d} ({@code 90m}, {@code 30d}). Token
 * expiries count it forward from now; {@code since} parameters count it back.
 */
public final class TimeSpans {
  private static final Pattern SPAN = Pattern.compile("([1-9][0-9]{0,5})([smhd])");

  private TimeSpans() {}

  /** The span {@code text} writes, or null when it is not one (the caller says what else it takes). */
  public static Duration parse(String text) {
    Matcher m = text == null ? null : SPAN.matcher(text.trim());
    if (m == null || !m.matches()) {
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofDays(amount);
    };
  }
}
