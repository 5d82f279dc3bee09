package io.inferbus.controlplane.tokens;

import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.operations.TimeSpans;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@code POST /tokens} asks for, read from its body and checked: each bad field is a 400 that
 * names it and says what would be right.
 *
 * @param name 1-63 characters of lower-case letters, digits and dashes, a letter or digit first
 * @param role the role the token carries
 * @param expiresAt when it expires, to the second, from {@link #MIN_LIFETIME} to {@link #MAX_LIFETIME} from now
 */
public record TokenRequest(String name, OperatorRole role, Instant expiresAt) {
  /** A token lives at most a year: a credential nobody renews should not outlive its purpose for long. */
  public static final Duration MAX_LIFETIME = Duration.ofDays(365);
  /** Shorter would expire before it is used (and within the verifier's clock leeway). */
  public static final Duration MIN_LIFETIME = Duration.ofMinutes(1);
  /** When the body gives no {@code expires}. */
  public static final String DEFAULT_EXPIRES = "30d";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final String NAME_RULE =
      "1-63 characters of lower-case letters, digits and dashes, starting with a letter or digit";
  /** A time from now: {@code 30d}, {@code 12h}, {@code 90m}, {@code 3600s}. */
  private static final Set<String> FIELDS = Set.of("name", "role", "expires");

  /**
   * Reads a {@code POST /tokens} body: {@code name} and {@code role} required, {@code expires}
   * optional ({@value #DEFAULT_EXPIRES}).
   *
   * @param now the instant a relative {@code expires} counts from
   */
  public static TokenRequest parse(JsonObject body, Instant now) {
    for (String field : body.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "field '" + field
            + "' is not known: POST /tokens takes name, role and expires", field);
      }
    }
    Object name = body.getValue("name");
    if (name == null) {
      throw new InferbusException(FailureKind.BAD_INPUT, "name is required: " + NAME_RULE, "name");
    }
    if (!(name instanceof String n)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "name must be a string of " + NAME_RULE, "name");
    }
    return new TokenRequest(name(n), role(body.getValue("role")),
        expiry(body.getValue("expires", DEFAULT_EXPIRES), now));
  }

  /** Checks a token name (also the one {@code DELETE /tokens/{name}} names); returns it. */
  public static String name(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InferbusException(FailureKind.BAD_INPUT, "'" + shorten(name) + "' is not a valid token name: use "
          + NAME_RULE, "name");
    }
    if (name.equals(OperatorAuth.ADMIN_SUBJECT)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "'admin' names the admin token of client.json, which is "
          + "replaced with POST /tokens/admin/rotate (inferbus token rotate-admin); choose another name", "name");
    }
    return name;
  }

  private static OperatorRole role(Object value) {
    if (value == null) {
      throw new InferbusException(FailureKind.BAD_INPUT, "role is required: reader, operator or admin", "role");
    }
    for (OperatorRole role : OperatorRole.values()) {
      if (role.claim().equals(value)) {
        return role;
      }
    }
    throw new InferbusException(FailureKind.BAD_INPUT, "role '" + shorten(String.valueOf(value))
        + "' is not one of reader, operator, admin", "role");
  }

  /** {@code expires} as an instant cut to the second, {@link #MIN_LIFETIME} to {@link #MAX_LIFETIME} away. */
  private static Instant expiry(Object value, Instant now) {
    String text = value instanceof String s ? s.strip() : null;
    Instant at;
    Duration span = text == null ? null : TimeSpans.parse(text.toLowerCase(Locale.ROOT));
    if (span != null) {
      at = now.plus(span);
    } else {
      try {
        at = Instant.parse(text == null ? "" : text);
      } catch (DateTimeParseException e) {
        throw new InferbusException(FailureKind.BAD_INPUT, "expires must be a time from now such as 30d, 12h, 90m "
            + "or 3600s (s, m, h, d), or an ISO-8601 instant such as 2026-01-31T12:00:00Z, not '"
            + shorten(String.valueOf(value)) + "'", "expires");
      }
      if (!at.isAfter(now)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "expires " + text + " is not in the future (now is "
            + now.with(java.time.temporal.ChronoField.NANO_OF_SECOND, 0) + ")", "expires");
      }
    }
    if (at.isBefore(now.plus(MIN_LIFETIME))) {
      throw new InferbusException(FailureKind.BAD_INPUT, "expires " + text + " is less than a minute away; a "
          + "token lives at least a minute (1m)", "expires");
    }
    if (at.isAfter(now.plus(MAX_LIFETIME))) {
      throw new InferbusException(FailureKind.BAD_INPUT, "expires " + text + " is more than "
          + MAX_LIFETIME.toDays() + " days away; a token lives at most " + MAX_LIFETIME.toDays() + " days (365d)",
          "expires");
    }
    return Instant.ofEpochSecond(at.getEpochSecond());
  }

  /** A bad value in an error message, cut so a long one cannot flood the answer or the log. */
  private static String shorten(String value) {
    return value == null || value.length() <= 80 ? value : value.substring(0, 80) + "...";
  }
}
