package io.inferbus.controlplane.console;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.hashing.Sha256;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One-time sign-in codes of the web console. A code stands for the bearer token of the operator who
 * asked for it ({@code inferbus console}), so that a browser can be handed a short link instead of
 * the token itself; it works once, within {@link #LIFETIME}, and only on the control plane that
 * issued it: codes live in this object's memory, never in the store or the cluster, so a restart
 * forgets them all.
 *
 * <p>No threads, no Vert.x: the clock is given, so a test moves time instead of waiting for it. The
 * methods are synchronized (the management API may run on more than one event loop); each does a
 * few map operations.
 *
 * <p>Bounded: at most {@link #MAX_OUTSTANDING} codes wait to be used, and at most
 * {@link #MAX_OUTSTANDING_PER_SUBJECT} of one subject, so neither a flood of requests nor one
 * caller can fill memory or crowd the others out. Used and expired codes are remembered (by hash,
 * without their token) a while longer, only so that a refusal can say which it was.
 */
public final class SignInCodes {
  /** How long a code can be exchanged after it is issued. */
  public static final Duration LIFETIME = Duration.ofSeconds(60);
  /** Codes waiting to be exchanged, all callers together. */
  public static final int MAX_OUTSTANDING = 1000;
  /** Codes waiting to be exchanged of one subject: a person opens a console a few times a minute at most. */
  public static final int MAX_OUTSTANDING_PER_SUBJECT = 10;
  /** Used or expired codes remembered for the wording of a refusal; older ones are simply unknown. */
  static final int MAX_REMEMBERED = 1000;
  /** 256 random bits, base64url without padding: 43 characters. */
  private static final int CODE_BYTES = 32;
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{43}");
  /** What the user does about any refusal. */
  private static final String AGAIN = "run `inferbus console` for a new link";

  private final Clock clock;
  private final int maxOutstanding;
  private final int maxPerSubject;
  private final SecureRandom random = new SecureRandom();
  /**
   * By the SHA-256 of the code: a lookup compares hashes, not the secret, so its timing tells nothing
   * about a code, and the map never holds a code's text.
   */
  private final Map<String, Pending> outstanding = new HashMap<>();
  private final Map<String, Spent> spent = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Spent> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  public SignInCodes(Clock clock) {
    this(clock, MAX_OUTSTANDING, MAX_OUTSTANDING_PER_SUBJECT);
  }

  SignInCodes(Clock clock, int maxOutstanding, int maxPerSubject) {
    this.clock = clock;
    this.maxOutstanding = maxOutstanding;
    this.maxPerSubject = maxPerSubject;
  }

  /**
   * A new code for {@code token}, which was just verified as {@code subject}'s with {@code role};
   * it expires after {@link #LIFETIME}, or with the token if that is sooner.
   *
   * @param tokenExpiresAt the token's own expiry, or null if it has none
   * @throws InferbusException OVERLOADED when too many codes are outstanding, in all or of this subject
   */
  public synchronized Issued issue(String subject, OperatorRole role, String token, Instant tokenExpiresAt) {
    Instant now = clock.instant();
    purge(now);
    if (outstanding.size() >= maxOutstanding) {
      throw new InferbusException(FailureKind.OVERLOADED, "too many console sign-in codes are waiting to be used ("
          + maxOutstanding + "); each expires " + LIFETIME.toSeconds() + " s after it was issued: try again then");
    }
    long mine = outstanding.values().stream().filter(p -> p.subject().equals(subject)).count();
    if (mine >= maxPerSubject) {
      throw new InferbusException(FailureKind.OVERLOADED, "'" + subject + "' has " + mine + " console sign-in "
          + "codes waiting to be used, the most one caller may have; each expires " + LIFETIME.toSeconds()
          + " s after it was issued: use one, or try again then");
    }
    Instant expiresAt = now.plus(LIFETIME);
    if (tokenExpiresAt != null && tokenExpiresAt.isBefore(expiresAt)) {
      expiresAt = tokenExpiresAt;
    }
    byte[] bytes = new byte[CODE_BYTES];
    random.nextBytes(bytes);
    String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    outstanding.put(key(code), new Pending(subject, role, token, expiresAt));
    return new Issued(code, expiresAt);
  }

  /**
   * The grant {@code code} stands for, once: the code is spent by this call whatever the caller then
   * makes of the token.
   *
   * @throws InferbusException UNAUTHORIZED for a code that is malformed, unknown, already used or expired,
   *     the message saying which (never the code)
   */
  public synchronized Grant redeem(String code) {
    if (code.isEmpty()) {
      throw refused("the sign-in code is empty");
    }
    if (!SHAPE.matcher(code).matches()) {
      throw refused("that is not a sign-in code (a code is 43 characters of A-Z, a-z, 0-9, '-' and '_', "
          + "the part of the link after #code=)");
    }
    Instant now = clock.instant();
    String key = key(code);
    Pending pending = outstanding.remove(key);
    if (pending == null) {
      Spent was = spent.get(key);
      if (was == Spent.USED) {
        throw refused("the sign-in code was already used: each link signs in once");
      }
      if (was == Spent.EXPIRED) {
        throw refused(expiredMessage());
      }
      throw refused("unknown sign-in code: this control plane did not issue it, or has restarted since (codes are "
          + "kept in its memory only)");
    }
    if (!now.isBefore(pending.expiresAt())) {
      spent.put(key, Spent.EXPIRED);
      throw refused(expiredMessage());
    }
    spent.put(key, Spent.USED);
    return new Grant(pending.subject(), pending.role(), pending.token());
  }

  /** How many codes wait to be used (expired ones not counted). */
  public synchronized int outstanding() {
    purge(clock.instant());
    return outstanding.size();
  }

  /** Forgets the tokens of expired codes; called by each issue and by the control plane's timer. */
  public synchronized void purge() {
    purge(clock.instant());
  }

  private void purge(Instant now) {
    var it = outstanding.entrySet().iterator();
    while (it.hasNext()) {
      var entry = it.next();
      if (!now.isBefore(entry.getValue().expiresAt())) {
        it.remove();
        spent.put(entry.getKey(), Spent.EXPIRED);
      }
    }
  }

  private static String expiredMessage() {
    return "the sign-in code has expired: a link works within " + LIFETIME.toSeconds() + " s of being made";
  }

  private static InferbusException refused(String why) {
    return new InferbusException(FailureKind.UNAUTHORIZED, why + "; " + AGAIN, "code");
  }

  private static String key(String code) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Sha256.bytes(code));
  }

  private record Pending(String subject, OperatorRole role, String token, Instant expiresAt) {}

  private enum Spent { USED, EXPIRED }

  /** A code just issued (shown to its caller once) and when it stops working. */
  public record Issued(String code, Instant expiresAt) {}

  /** What a code stood for: the token, and whose it was when the code was issued. */
  public record Grant(String subject, OperatorRole role, String token) {}
}
