package io.inferbus.controlplane.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.MovableClock;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The code store alone, on a clock the test moves: once, within 60 s, bounded, and what a refusal says. */
class SignInCodesTest {
  private final MovableClock clock = new MovableClock(Instant.parse("2026-01-31T12:00:00Z"));
  private final SignInCodes codes = new SignInCodes(clock, 5, 2);

  private SignInCodes.Issued issue(String subject) {
    return codes.issue(subject, OperatorRole.OPERATOR, "token-of-" + subject, null);
  }

  private static InferbusException refused(Runnable call) {
    return assertThrows(InferbusException.class, call::run);
  }

  @Test
  void aCodeIs256RandomBitsInUrlSafeCharactersAndExpiresAfterAMinute() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 2; i++) {
      SignInCodes.Issued issued = issue("alice");
      assertTrue(issued.code().matches("[A-Za-z0-9_-]{43}"), issued.code());
      assertTrue(seen.add(issued.code()));
      assertEquals(Instant.parse("2026-01-31T12:01:00Z"), issued.expiresAt());
    }
  }

  @Test
  void aCodeGivesItsGrantOnceAndThenSaysItWasUsed() {
    String code = issue("alice").code();
    assertEquals(new SignInCodes.Grant("alice", OperatorRole.OPERATOR, "token-of-alice"), codes.redeem(code));
    InferbusException again = refused(() -> codes.redeem(code));
    assertEquals(FailureKind.UNAUTHORIZED, again.kind());
    assertEquals("code", again.target());
    assertEquals("the sign-in code was already used: each link signs in once; run `inferbus console` for a new link",
        again.getMessage());
    assertEquals(0, codes.outstanding());
  }

  @Test
  void aCodeWorksUntilItsSixtiethSecondAndNotFrom() {
    String early = issue("alice").code();
    String late = issue("alice").code();
    clock.advance(Duration.ofSeconds(59));
    assertEquals("alice", codes.redeem(early).subject());
    clock.advance(Duration.ofSeconds(1));
    InferbusException expired = refused(() -> codes.redeem(late));
    assertEquals(FailureKind.UNAUTHORIZED, expired.kind());
    assertTrue(expired.getMessage().startsWith("the sign-in code has expired: a link works within 60 s"),
        expired.getMessage());
    // and it stays expired, not unknown, when asked again
    assertEquals(expired.getMessage(), refused(() -> codes.redeem(late)).getMessage());
  }

  @Test
  void aCodeExpiringUnusedIsForgottenAndSaidToHaveExpired() {
    String code = issue("alice").code();
    clock.advance(Duration.ofSeconds(61));
    codes.purge();
    assertEquals(0, codes.outstanding());
    assertTrue(refused(() -> codes.redeem(code)).getMessage().startsWith("the sign-in code has expired"));
  }

  @Test
  void aCodeNeverOutlivesItsToken() {
    Instant tokenExpiry = clock.instant().plusSeconds(10);
    SignInCodes.Issued issued = codes.issue("alice", OperatorRole.READER, "t", tokenExpiry);
    assertEquals(tokenExpiry, issued.expiresAt());
    clock.advance(Duration.ofSeconds(10));
    assertTrue(refused(() -> codes.redeem(issued.code())).getMessage().startsWith("the sign-in code has expired"));
  }

  @Test
  void malformedAndUnknownCodesAreRefusedWithoutQuotingThem() {
    String unknown = "A".repeat(43);
    assertEquals("unknown sign-in code: this control plane did not issue it, or has restarted since (codes are kept "
        + "in its memory only); run `inferbus console` for a new link", refused(() -> codes.redeem(unknown)).getMessage());
    assertTrue(refused(() -> codes.redeem("")).getMessage().startsWith("the sign-in code is empty"));
    String huge = "x".repeat(10_000);
    InferbusException tooLong = refused(() -> codes.redeem(huge));
    assertEquals(FailureKind.UNAUTHORIZED, tooLong.kind());
    assertTrue(tooLong.getMessage().startsWith("that is not a sign-in code"), tooLong.getMessage());
    assertFalse(tooLong.getMessage().contains("xxxx"), tooLong.getMessage());
    String code = issue("alice").code();
    assertTrue(refused(() -> codes.redeem(code + "=")).getMessage().startsWith("that is not a sign-in code"));
    assertTrue(refused(() -> codes.redeem(code.substring(1) + "+")).getMessage().startsWith("that is not"));
    assertEquals("alice", codes.redeem(code).subject(), "the near misses did not spend it");
  }

  @Test
  void outstandingCodesAreBoundedPerSubjectAndInAll() {
    issue("alice");
    issue("alice");
    InferbusException mine = refused(() -> issue("alice"));
    assertEquals(FailureKind.OVERLOADED, mine.kind());
    assertEquals("'alice' has 2 console sign-in codes waiting to be used, the most one caller may have; each expires "
        + "60 s after it was issued: use one, or try again then", mine.getMessage());
    issue("bob");
    issue("bob");
    String carol = issue("carol").code();
    InferbusException all = refused(() -> issue("dave"));
    assertEquals(FailureKind.OVERLOADED, all.kind());
    assertEquals("too many console sign-in codes are waiting to be used (5); each expires 60 s after it was issued: "
        + "try again then", all.getMessage());
    codes.redeem(carol);
    assertNotEquals(carol, issue("dave").code(), "a used code frees its place");
    clock.advance(SignInCodes.LIFETIME);
    issue("alice");
    issue("alice");
    assertEquals(2, codes.outstanding(), "expired codes free theirs");
  }
}
