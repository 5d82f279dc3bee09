package io.inferbus.controlplane.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How a {@code POST /tokens} body is read: name, role and expiry, and the 400 each bad field gets.
 * Bad inputs tried: unknown fields; a missing, non-string, upper-case, too long, dash-first,
 * underscored or reserved ({@code admin}) name; a missing, unknown or capitalised role; expiries that
 * are not a time (words, bare numbers, zero, negative, years, a number), in the past, under a minute
 * away or over a year away.
 */
class TokenRequestTest {
  private static final Instant NOW = Instant.parse("2026-01-31T12:00:00.500Z");

  private static TokenRequest parse(String json) {
    return TokenRequest.parse(new JsonObject(json), NOW);
  }

  private static InferbusException refused(String json) {
    InferbusException e = assertThrows(InferbusException.class, () -> parse(json), json);
    assertEquals(FailureKind.BAD_INPUT, e.kind(), e.getMessage());
    return e;
  }

  @Test
  void nameRoleAndATimeFromNow() {
    TokenRequest r = parse("{\"name\": \"ci\", \"role\": \"operator\", \"expires\": \"30d\"}");
    assertEquals("ci", r.name());
    assertEquals(OperatorRole.OPERATOR, r.role());
    assertEquals(Instant.parse("2026-03-02T12:00:00Z"), r.expiresAt(), "30 days on, cut to the second");
  }

  @Test
  void withoutExpiresATokenLivesThirtyDays() {
    assertEquals(Instant.parse("2026-03-02T12:00:00Z"),
        parse("{\"name\": \"ci\", \"role\": \"reader\"}").expiresAt());
  }

  @ParameterizedTest
  @CsvSource({"90s, 2026-01-31T12:01:30Z", "90m, 2026-01-31T13:30:00Z", "12h, 2026-02-01T00:00:00Z",
      "2H, 2026-01-31T14:00:00Z", "365d, 2027-01-31T12:00:00Z", "2026-06-01T00:00:00Z, 2026-06-01T00:00:00Z",
      "2026-06-01T00:00:00.900Z, 2026-06-01T00:00:00Z"})
  void expiresIsATimeFromNowOrAnInstant(String expires, String expected) {
    assertEquals(Instant.parse(expected),
        parse("{\"name\": \"ci\", \"role\": \"admin\", \"expires\": \"" + expires + "\"}").expiresAt());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "0", "ci-2", "build-bot-for-the-nightly-release-of-every-model-we-serve-12345"})
  void namesOfLowerCaseLettersDigitsAndDashes(String name) {
    assertEquals(name, parse("{\"name\": \"" + name + "\", \"role\": \"reader\"}").name());
  }

  @ParameterizedTest
  @ValueSource(strings = {"CI", "-ci", "ci_bot", "ci bot", "", "build-bot-for-the-nightly-release-of-every-model-we-serve-123456"})
  void badNamesAreRefusedWithTheRule(String name) {
    InferbusException e = refused("{\"name\": \"" + name + "\", \"role\": \"reader\"}");
    assertEquals("name", e.target());
    assertEquals("'" + name + "' is not a valid token name: use 1-63 characters of lower-case letters, digits and "
        + "dashes, starting with a letter or digit", e.getMessage());
  }

  @Test
  void aMissingOrNonStringNameIsRefused() {
    InferbusException missing = refused("{\"role\": \"reader\"}");
    assertEquals("name", missing.target());
    assertTrue(missing.getMessage().startsWith("name is required"), missing.getMessage());
    assertEquals("name", refused("{\"name\": 7, \"role\": \"reader\"}").target());
  }

  @Test
  void adminIsTheAdminTokensNameAndCannotBeTaken() {
    InferbusException e = refused("{\"name\": \"admin\", \"role\": \"admin\"}");
    assertEquals("name", e.target());
    assertTrue(e.getMessage().contains("POST /tokens/admin/rotate"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"root\"", "\"Admin\"", "\"score:*\"", "1", "[\"admin\"]"})
  void aRoleOtherThanReaderOperatorOrAdminIsRefused(String role) {
    InferbusException e = refused("{\"name\": \"ci\", \"role\": " + role + "}");
    assertEquals("role", e.target());
    assertTrue(e.getMessage().endsWith("' is not one of reader, operator, admin"), e.getMessage());
  }

  @Test
  void aMissingRoleIsRefused() {
    InferbusException e = refused("{\"name\": \"ci\"}");
    assertEquals("role is required: reader, operator or admin", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"soon\"", "\"30\"", "\"d\"", "\"0d\"", "\"-1d\"", "\"1y\"", "\"30 days\"", "\"\"", "30",
      "null", "\"2026-13-01T00:00:00Z\""})
  void anExpiryThatIsNotATimeIsRefusedWithTheFormsItTakes(String expires) {
    InferbusException e = refused("{\"name\": \"ci\", \"role\": \"reader\", \"expires\": " + expires + "}");
    assertEquals("expires", e.target());
    assertTrue(e.getMessage().startsWith("expires must be a time from now such as 30d, 12h, 90m or 3600s (s, m, h, "
        + "d), or an ISO-8601 instant such as 2026-01-31T12:00:00Z, not '"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"366d", "8785h", "2027-01-31T12:00:01Z", "999999d"})
  void anExpiryOverAYearAwayIsRefused(String expires) {
    InferbusException e = refused("{\"name\": \"ci\", \"role\": \"reader\", \"expires\": \"" + expires + "\"}");
    assertEquals("expires", e.target());
    assertEquals("expires " + expires + " is more than 365 days away; a token lives at most 365 days (365d)",
        e.getMessage());
  }

  @Test
  void anExpiryInThePastOrUnderAMinuteAwayIsRefused() {
    InferbusException past = refused("{\"name\": \"ci\", \"role\": \"reader\", \"expires\": \"2026-01-01T00:00:00Z\"}");
    assertEquals("expires 2026-01-01T00:00:00Z is not in the future (now is 2026-01-31T12:00:00Z)", past.getMessage());
    InferbusException soon = refused("{\"name\": \"ci\", \"role\": \"reader\", \"expires\": \"59s\"}");
    assertEquals("expires 59s is less than a minute away; a token lives at least a minute (1m)", soon.getMessage());
    assertEquals(Instant.parse("2026-01-31T12:01:00Z"),
        parse("{\"name\": \"ci\", \"role\": \"reader\", \"expires\": \"1m\"}").expiresAt());
  }

  @Test
  void anUnknownFieldIsRefusedByName() {
    InferbusException e = refused("{\"name\": \"ci\", \"role\": \"reader\", \"scope\": \"credit\"}");
    assertEquals("scope", e.target());
    assertEquals("field 'scope' is not known: POST /tokens takes name, role and expires", e.getMessage());
  }
}
