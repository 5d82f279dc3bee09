package io.inferbus.controlplane.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.api.ManagementApi;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.MovableClock;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Signing in to the web console through a real control plane over HTTPS with real tokens:
 * {@code GET /whoami} for each role, a one-time code issued ({@code POST /console/codes}) and
 * exchanged for the caller's own token ({@code POST /console/session}) once, within 60 s (on a clock
 * the test moves), never for more than the caller has, never for a token revoked since; bad bodies
 * (none, empty, wrong content type, not JSON, not an object, a code that is not a string, an empty, a
 * 10 KB and an unknown code, an unknown field, a body over the limit) answered 400, 401 or 413 with the
 * standard error body and no stack trace in the log; the bounds on outstanding codes (429); the link
 * built on the address the caller used, or on the configured public URL.
 */
class ConsoleSignInTest {
  @TempDir
  static Path dataDir;
  static HazelcastInstance hazelcast;
  static TestControlPlane cp;
  static final MovableClock clock = new MovableClock();
  static String admin;

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final List<Logger> watched = List.of((Logger) LoggerFactory.getLogger(ConsoleSignIn.class),
      (Logger) LoggerFactory.getLogger(ManagementApi.class));

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    cp = TestControlPlane.start(dataDir, hazelcast, clock, null);
    admin = cp.token(OperatorRole.ADMIN);
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
    hazelcast.shutdown();
  }

  @BeforeEach
  void watchLog() {
    log.start();
    for (Logger logger : watched) {
      logger.setLevel(Level.INFO);
      logger.addAppender(log);
    }
  }

  @AfterEach
  void stopWatching() {
    for (Logger logger : watched) {
      logger.detachAppender(log);
      logger.setLevel(null);
    }
    // every test starts with no code outstanding
    clock.advance(SignInCodes.LIFETIME);
  }

  private static Answer issue(String token) throws Exception {
    return cp.call("POST", "/console/codes", token, null);
  }

  private static String code(String token) throws Exception {
    Answer issued = issue(token);
    assertEquals(200, issued.status(), issued.text());
    return issued.json().getString("code");
  }

  private static Answer exchange(String code) throws Exception {
    return cp.call("POST", "/console/session", null, "application/json", new JsonObject().put("code", code).encode());
  }

  private static Answer session(String contentType, String body) throws Exception {
    return cp.call("POST", "/console/session", null, contentType, body);
  }

  private static void refused(int status, String code, String message, String target, Answer answer) {
    assertEquals(status, answer.status(), answer.text());
    JsonObject error = answer.error();
    assertEquals(code, error.getString("code"), answer.text());
    assertEquals(message, error.getString("message"), answer.text());
    assertEquals(target, error.getString("target"), answer.text());
  }

  private static void refusedStarting(int status, String message, Answer answer) {
    assertEquals(status, answer.status(), answer.text());
    assertTrue(answer.error().getString("message").startsWith(message), answer.text());
  }

  private static JsonObject whoami(String token) throws Exception {
    Answer answer = cp.call("GET", "/whoami", token, null);
    assertEquals(200, answer.status(), answer.text());
    return answer.json();
  }

  private static void near(Instant expected, String actual) {
    Instant t = Instant.parse(actual);
    assertTrue(Math.abs(Duration.between(expected, t).toSeconds()) <= 5, actual + " is not near " + expected);
  }

  @Test
  void whoamiShowsTheCallerItsRoleAndExpiry() throws Exception {
    for (OperatorRole role : OperatorRole.values()) {
      JsonObject me = whoami(cp.token(role));
      assertEquals(Set.of("subject", "role", "expires_at", "name"), me.fieldNames());
      assertEquals("test-" + role.claim(), me.getString("subject"));
      assertEquals(role.claim(), me.getString("role"));
      near(Instant.now().plusSeconds(3600), me.getString("expires_at"));
      assertNull(me.getValue("name"), "an unnamed token");
    }
    Answer created = cp.call("POST", "/tokens", admin, new JsonObject().put("name", "wall-screen")
        .put("role", "reader").put("expires", "2h"));
    assertEquals(201, created.status(), created.text());
    JsonObject named = whoami(created.json().getString("token"));
    assertEquals(new JsonObject().put("subject", "token:wall-screen").put("role", "reader")
        .put("expires_at", created.json().getString("expires_at")).put("name", "wall-screen"), named);

    refusedStarting(401, "missing credentials", cp.call("GET", "/whoami", null, null));
    refusedStarting(401, "the token is not valid", cp.call("GET", "/whoami", "not-a-jwt", null));
  }

  @Test
  void aCodeSignsInOnceAsTheCallerWithItsOwnToken() throws Exception {
    Answer issued = issue(admin);
    assertEquals(200, issued.status(), issued.text());
    JsonObject answer = issued.json();
    assertEquals(Set.of("code", "expires_at", "url", "subject", "role"), answer.fieldNames());
    String code = answer.getString("code");
    assertTrue(code.matches("[A-Za-z0-9_-]{43}"), code);
    assertEquals(clock.instant().plus(SignInCodes.LIFETIME).toString(), answer.getString("expires_at"));
    // the address this client used (localhost), not the one the control plane listens on (127.0.0.1)
    assertEquals(cp.baseUrl() + "/ui/#code=" + code, answer.getString("url"));
    assertTrue(answer.getString("url").startsWith("https://localhost:"), answer.encode());
    assertEquals("test-admin", answer.getString("subject"));
    assertEquals("admin", answer.getString("role"));

    HttpResponse<String> response = cp.sendForResponse("POST", "/console/session", null, "application/json",
        new JsonObject().put("code", code).encode());
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("no-store", response.headers().firstValue("cache-control").orElse(null), "a token is not cached");
    JsonObject session = new JsonObject(response.body());
    assertEquals(Set.of("token", "subject", "role", "expires_at"), session.fieldNames());
    assertEquals(admin, session.getString("token"), "the caller's own token, nothing new");
    assertEquals("test-admin", session.getString("subject"));
    assertEquals("admin", session.getString("role"));
    assertEquals(whoami(admin).getString("expires_at"), session.getString("expires_at"));
    assertEquals(200, cp.call("GET", "/endpoints", session.getString("token"), null).status());

    refused(401, "Unauthorized", "the sign-in code was already used: each link signs in once; run `inferbus console` "
        + "for a new link", "code", exchange(code));

    // the audit log records changes of desired state; a code is none
    Answer audit = cp.call("GET", "/audit", admin, null);
    assertFalse(audit.text().contains("console"), audit.text());
  }

  @Test
  void issuingAndExchangingAreLoggedOnceEachWithTheSubjectNeverTheCodeOrToken() throws Exception {
    String operator = cp.token("log-watcher", OperatorRole.OPERATOR, 3600);
    String code = code(operator);
    assertEquals(200, exchange(code).status());
    List<String> lines = log.list.stream().filter(e -> e.getLoggerName().equals(ConsoleSignIn.class.getName()))
        .map(ILoggingEvent::getFormattedMessage).toList();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).contains("console sign-in code issued to log-watcher (operator)"), lines.get(0));
    assertTrue(lines.get(1).contains("console sign-in code exchanged for the token of log-watcher (operator)"),
        lines.get(1));
    for (ILoggingEvent event : log.list) {
      assertEquals(Level.INFO, event.getLevel(), event.toString());
      assertFalse(event.getFormattedMessage().contains(code), event.toString());
      assertFalse(event.getFormattedMessage().contains(operator.substring(operator.lastIndexOf('.') + 1)),
          event.toString());
    }
  }

  @Test
  void aReadersCodeGivesAReadersTokenAndNoMore() throws Exception {
    String reader = cp.token(OperatorRole.READER);
    Answer issued = issue(reader);
    assertEquals("reader", issued.json().getString("role"), issued.text());
    JsonObject session = exchange(issued.json().getString("code")).json();
    assertEquals("reader", session.getString("role"));
    assertEquals(reader, session.getString("token"));
    assertEquals("reader", whoami(session.getString("token")).getString("role"));
    Answer put = cp.call("PUT", "/endpoints/by-console", session.getString("token"), new JsonObject());
    assertEquals(403, put.status(), put.text());
  }

  @Test
  void aCodeExpiresSixtySecondsAfterItWasIssued() throws Exception {
    String early = code(admin);
    String late = code(admin);
    clock.advance(Duration.ofSeconds(59));
    assertEquals(200, exchange(early).status());
    clock.advance(Duration.ofSeconds(1));
    refused(401, "Unauthorized", "the sign-in code has expired: a link works within 60 s of being made; run "
        + "`inferbus console` for a new link", "code", exchange(late));
  }

  @Test
  void aCodeOfATokenRevokedSinceSignsNobodyIn() throws Exception {
    Answer created = cp.call("POST", "/tokens", admin, new JsonObject().put("name", "laptop")
        .put("role", "operator").put("expires", "1h"));
    assertEquals(201, created.status(), created.text());
    String code = code(created.json().getString("token"));
    assertEquals(200, cp.call("DELETE", "/tokens/laptop", admin, null).status());
    refused(401, "Unauthorized", "the sign-in code stands for a token that is no longer valid (the token is not "
        + "valid: token 'laptop' was revoked); run `inferbus console` with a valid token for a new link", "code",
        exchange(code));
    refusedStarting(401, "the sign-in code was already used", exchange(code));
  }

  @Test
  void badSessionRequestsAreRefusedWithTheStandardErrorAndNoStackTrace() throws Exception {
    String shape = "{\"code\": \"<the code after #code= in the link>\"}";
    refused(400, "BadRequest", "the body is missing: send " + shape + " as Content-Type: application/json", "code",
        session(null, null));
    refused(400, "BadRequest", "the body is missing: send " + shape + " as Content-Type: application/json", "code",
        session("application/json", ""));
    String code = code(admin);
    String good = new JsonObject().put("code", code).encode();
    refused(400, "BadRequest", "send the body as Content-Type: application/json (not 'text/plain'): " + shape, null,
        session("text/plain", good));
    refused(400, "BadRequest", "send the body as Content-Type: application/json (not "
        + "'application/x-www-form-urlencoded'): " + shape, null,
        session("application/x-www-form-urlencoded", "code=" + code));
    refused(400, "BadRequest", "send the body as Content-Type: application/json (the request has none): " + shape,
        null, session(null, good));
    refused(400, "BadRequest", "the body is not valid JSON: send " + shape, null,
        session("application/json", "{\"code\": \"" + code));
    refused(400, "BadRequest", "the body must be a JSON object: " + shape, null,
        session("application/json", "[\"" + code + "\"]"));
    refused(400, "BadRequest", "the body has no code: send " + shape, "code", session("application/json", "{}"));
    refused(400, "BadRequest", "code must be a string, not a number: send " + shape, "code",
        session("application/json", "{\"code\": 42}"));
    refused(400, "BadRequest", "code must be a string, not null: send " + shape, "code",
        session("application/json", "{\"code\": null}"));
    refused(400, "BadRequest", "code must be a string, not an object: send " + shape, "code",
        session("application/json", "{\"code\": {\"code\": \"" + code + "\"}}"));
    refused(400, "BadRequest", "unknown field 'token': send " + shape, "token",
        session("application/json", "{\"code\": \"" + code + "\", \"token\": \"x\"}"));
    refused(401, "Unauthorized", "the sign-in code is empty; run `inferbus console` for a new link", "code",
        exchange(""));
    refusedStarting(401, "that is not a sign-in code", exchange("c".repeat(10 * 1024)));
    refusedStarting(401, "unknown sign-in code", exchange("A".repeat(43)));
    refusedStarting(413, "the body is too large", exchange("c".repeat(20 * 1024)));

    // none of that spent the code, which still signs in (charset and case of the media type do not matter)
    Answer signedIn = session("Application/JSON; charset=utf-8", good);
    assertEquals(200, signedIn.status(), signedIn.text());

    for (ILoggingEvent event : log.list) {
      assertNull(event.getThrowableProxy(), "no stack trace: " + event);
      assertFalse(event.getFormattedMessage().contains(code), event.toString());
    }
  }

  @Test
  void issuingNeedsAValidTokenAndTakesNoFields() throws Exception {
    refusedStarting(401, "missing credentials", issue(null));
    refusedStarting(401, "the token is not valid", issue("eyJhbGciOiJub25lIn0.e30."));
    refused(400, "BadRequest", "POST /console/codes takes no fields; got 'role' (the code stands for the token the "
        + "call is made with)", "role",
        cp.call("POST", "/console/codes", cp.token(OperatorRole.READER), new JsonObject().put("role", "admin")));
    Answer empty = cp.call("POST", "/console/codes", admin, new JsonObject());
    assertEquals(200, empty.status(), empty.text());
  }

  @Test
  void outstandingCodesAreBoundedPerCallerAndInAll() throws Exception {
    String busy = cp.token("busy", OperatorRole.READER, 3600);
    for (int i = 0; i < SignInCodes.MAX_OUTSTANDING_PER_SUBJECT; i++) {
      code(busy);
    }
    refused(429, "TooManyRequests", "'busy' has 10 console sign-in codes waiting to be used, the most one caller may "
        + "have; each expires 60 s after it was issued: use one, or try again then", null, issue(busy));
    assertEquals(200, issue(admin).status(), "others still get codes");

    clock.advance(SignInCodes.LIFETIME);
    assertEquals(200, issue(busy).status(), "expired codes free their places");
    clock.advance(SignInCodes.LIFETIME);

    int callers = SignInCodes.MAX_OUTSTANDING / SignInCodes.MAX_OUTSTANDING_PER_SUBJECT;
    String last = null;
    for (int c = 0; c < callers; c++) {
      String token = cp.token("crowd-" + c, OperatorRole.READER, 3600);
      for (int i = 0; i < SignInCodes.MAX_OUTSTANDING_PER_SUBJECT; i++) {
        last = code(token);
      }
    }
    refused(429, "TooManyRequests", "too many console sign-in codes are waiting to be used (1000); each expires 60 s "
        + "after it was issued: try again then", null, issue(admin));
    assertEquals(200, exchange(last).status(), "outstanding codes still work");
    assertEquals(200, issue(admin).status(), "a used code frees its place");
  }

  @Test
  void theLinkUsesTheConfiguredPublicUrl(@TempDir Path otherDir) throws Exception {
    HazelcastInstance member = TestCluster.member();
    try (TestControlPlane proxied = TestControlPlane.start(otherDir, member, clock, "https://inferbus.example.com/ops/")) {
      Answer issued = proxied.call("POST", "/console/codes", proxied.token(OperatorRole.OPERATOR), null);
      assertEquals(200, issued.status(), issued.text());
      assertEquals("https://inferbus.example.com/ops/ui/#code=" + issued.json().getString("code"),
          issued.json().getString("url"));
    } finally {
      member.shutdown();
    }
  }
}
