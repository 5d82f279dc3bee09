package io.inferbus.controlplane.api;

import static io.inferbus.controlplane.auth.OperatorRole.ADMIN;
import static io.inferbus.controlplane.auth.OperatorRole.OPERATOR;
import static io.inferbus.controlplane.auth.OperatorRole.READER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.inferbus.controlplane.ControlPlaneOptions;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.protocol.FailureKind;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * How the management API answers what it refuses, on a real control plane over HTTPS with real
 * tokens: each {@link FailureKind} it produces has its documented status and the JSON error body
 * {@code {"error": {"code", "message", "target"}}} (target when the failure names a field), with an
 * {@code x-request-id}; a refused call changes nothing (no audit record). Every bad input tried is
 * named in its case: bad names, fields and values (400 naming the field), unknown endpoints,
 * deployments, models, revisions and tokens (404), conflicts (409), bodies over the limits (413),
 * unknown routes and wrong methods (404), malformed and non-object JSON bodies on every route that
 * reads one (400), and other content types than JSON (not checked: the body decides). After each
 * test, no expected client error may have logged a stack trace or an ERROR line.
 *
 * <p>The 401 and 403 of every route are in {@link ManagementApiRolesTest}. Not covered here: 500
 * (no client input should produce one: see the disabled tests below, each a bug found), and the
 * node's 408 for a body sent too slowly (the verticle's read deadline, tested in cli's
 * SlowClientTest).
 */
@ExtendWith(SharedControlPlane.class)
class ManagementApiErrorsTest {
  static TestControlPlane cp;
  static String admin;
  static Instant started;
  static final CapturedLog LOG = new CapturedLog();

  @BeforeAll
  static void start() throws Exception {
    cp = SharedControlPlane.cp();
    admin = cp.token(ADMIN);
    started = Instant.now();
    assertEquals(201, cp.registerModel("errors-model", "1", TestControlPlane.EXAMPLE_MODEL).status());
    ok(json("PUT", "/endpoints/errors", ADMIN, "{}"));
    for (String d : List.of("blue", "green")) {
      ok(json("PUT", "/endpoints/errors/deployments/" + d, ADMIN,
          "{\"model\": \"errors-model:1\", \"instance_count\": 0}"));
    }
    ok(json("PATCH", "/endpoints/errors", OPERATOR,
        "{\"traffic\": {\"blue\": 100}, \"mirror_traffic\": {\"green\": 10}}"));
    ok(json("PUT", "/endpoints/first-rev", ADMIN, "{}"));
    ok(json("POST", "/tokens", ADMIN, "{\"name\": \"taken\", \"role\": \"reader\"}"));
    LOG.attach();
  }

  @AfterAll
  static void detach() {
    LOG.detach();
  }

  /** Expected client errors are logged on one line each, never with a stack trace or as an ERROR. */
  @AfterEach
  void noStackTraceWasLogged() {
    List<ILoggingEvent> bad = LOG.events.stream().filter(e -> e.getLoggerName().startsWith("io.inferbus")
        || e.getLoggerName().startsWith("io.vertx")).filter(e -> e.getThrowableProxy() != null
            || e.getLevel().isGreaterOrEqual(Level.ERROR)).toList();
    LOG.events.clear();
    assertEquals(List.of(), bad.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + ": "
        + e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " with " + e.getThrowableProxy()
            .getClassName())).toList(), "a client error logged a stack trace or an ERROR");
  }

  // ------------------------------------------------------------------------------- the cases

  /**
   * A call and the error it must get: {@code role} the caller's (null: no token), {@code contentType}
   * null for none, {@code body} null for none, {@code target} null when the error must have none.
   */
  record Case(String badInput, String method, String path, OperatorRole role, String contentType, byte[] body,
      FailureKind kind, String messagePart, String target) {
    @Override
    public String toString() {
      return badInput + " (" + method + " " + (path.length() > 60 ? path.substring(0, 60) + "..." : path) + "): "
          + kind.httpStatus();
    }
  }

  private static Case jsonCase(String badInput, String method, String path, OperatorRole role, String body,
      FailureKind kind, String messagePart, String target) {
    return new Case(badInput, method, path, role, body == null ? null : "application/json",
        body == null ? null : body.getBytes(StandardCharsets.UTF_8), kind, messagePart, target);
  }

  private static Case bad(String badInput, String method, String path, OperatorRole role, String body,
      String messagePart, String target) {
    return jsonCase(badInput, method, path, role, body, FailureKind.BAD_INPUT, messagePart, target);
  }

  /** 400 BadRequest: the message says what is wrong and what would be right; the target names the field. */
  static Stream<Case> badInputs() throws Exception {
    String dep = "/endpoints/errors/deployments/";
    return Stream.of(
        bad("an endpoint name of 2 characters", "PUT", "/endpoints/ab", ADMIN, "{}",
            "'ab' is not a valid endpoint name", "endpoint"),
        bad("an endpoint name ending with a dash", "PUT", "/endpoints/abc-", ADMIN, "{}",
            "'abc-' is not a valid endpoint name", "endpoint"),
        bad("a deployment name starting with a digit", "PUT", dep + "1blue", ADMIN,
            "{\"model\": \"errors-model:1\"}", "'1blue' is not a valid deployment name", "deployment"),
        new Case("a model name starting with a dot", "PUT", "/models/.m/versions/1", ADMIN,
            "application/octet-stream", new byte[] {1}, FailureKind.BAD_INPUT, "'.m' is not a valid model name",
            "model"),
        new Case("a model version with a space", "PUT", "/models/m/versions/v%201", ADMIN,
            "application/octet-stream", new byte[] {1}, FailureKind.BAD_INPUT,
            "'v 1' is not a valid model version name", "model version"),
        new Case("an empty model upload", "PUT", "/models/empty/versions/1", ADMIN, "application/octet-stream",
            null, FailureKind.BAD_INPUT, "the body is empty", null),
        new Case("bytes ONNX Runtime cannot load", "PUT", "/models/garbage/versions/1", ADMIN,
            "application/octet-stream", "not an onnx file".getBytes(StandardCharsets.UTF_8), FailureKind.BAD_INPUT,
            "ONNX Runtime cannot load the model", null),
        new Case("the example model cut to half", "PUT", "/models/half/versions/1", ADMIN,
            "application/octet-stream", half(), FailureKind.BAD_INPUT, "ONNX Runtime cannot load the model", null),
        bad("an unknown auth_mode", "PUT", "/endpoints/errors", ADMIN, "{\"auth_mode\": \"basic\"}",
            "auth_mode 'basic' is not one of key, aml_token, aad_token", "auth_mode"),
        bad("an auth_mode that is a number", "PUT", "/endpoints/errors", ADMIN, "{\"auth_mode\": 5}",
            "auth_mode '5' is not one of key, aml_token, aad_token", "auth_mode"),
        bad("a body name differing from the path", "PUT", "/endpoints/errors", ADMIN, "{\"name\": \"other\"}",
            "the body's name 'other' differs from the path's 'errors'", "name"),
        bad("tags that are not an object", "PUT", "/endpoints/errors", ADMIN, "{\"tags\": [1]}",
            "tags must be an object of strings", "tags"),
        bad("traffic that does not sum to 100", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"traffic\": {\"blue\": 90}}", "sum to 90", "traffic"),
        bad("traffic to an unknown deployment", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"traffic\": {\"purple\": 100}}", "'purple'", "traffic"),
        bad("a traffic weight as a string", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"traffic\": {\"blue\": \"100\"}}", "use a whole number from 0 to 100", "traffic"),
        bad("a traffic weight of 100.0", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"traffic\": {\"blue\": 100.0}}", "use a whole number from 0 to 100", "traffic"),
        bad("traffic that is null", "PATCH", "/endpoints/errors", OPERATOR, "{\"traffic\": null}",
            "traffic must be an object", "traffic"),
        bad("mirror traffic that is a string", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"mirror_traffic\": \"green=10\"}", "mirror_traffic must be an object", "mirror_traffic"),
        bad("mirror traffic of 60 %", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"mirror_traffic\": {\"green\": 60}}", "50", "mirror_traffic"),
        bad("a field an endpoint PATCH does not take", "PATCH", "/endpoints/errors", OPERATOR,
            "{\"auth_mode\": \"key\"}", "field 'auth_mode' cannot be patched", "auth_mode"),
        bad("a model that is not registered", "PUT", dep + "red", ADMIN, "{\"model\": \"nosuch:1\"}",
            "model nosuch:1 is not registered", "model"),
        bad("a model without a version", "PUT", dep + "red", ADMIN, "{\"model\": \"errors-model\"}",
            "must name a registered version as name:version", "model"),
        bad("no model", "PUT", dep + "red", ADMIN, "{}", "model is required", "model"),
        bad("instance_count 65", "PUT", dep + "red", ADMIN,
            "{\"model\": \"errors-model:1\", \"instance_count\": 65}", "use a whole number from 0 to 64",
            "instance_count"),
        bad("instance_count 1.5", "PATCH", dep + "blue", OPERATOR, "{\"instance_count\": 1.5}",
            "instance_count is 1.5; use a whole number from 0 to 64", "instance_count"),
        bad("an unknown request_settings field", "PUT", dep + "red", ADMIN,
            "{\"model\": \"errors-model:1\", \"request_settings\": {\"timeout\": 5}}",
            "request_settings has unknown field 'timeout'", "timeout"),
        bad("request_timeout_ms 0", "PATCH", dep + "blue", OPERATOR,
            "{\"request_settings\": {\"request_timeout_ms\": 0}}", "request_timeout_ms is 0", "request_timeout_ms"),
        bad("batching that is not an object", "PUT", dep + "red", ADMIN,
            "{\"model\": \"errors-model:1\", \"batching\": 16}", "batching must be an object", "batching"),
        bad("a field a deployment PATCH does not take", "PATCH", dep + "blue", OPERATOR,
            "{\"model\": \"errors-model:1\"}", "field 'model' cannot be patched", "model"),
        bad("key_type tertiary", "POST", "/endpoints/errors/keys/regenerate", OPERATOR,
            "{\"key_type\": \"tertiary\"}", "key_type must be 'primary' or 'secondary', got 'tertiary'", "key_type"),
        bad("a scoring token of a key endpoint", "POST", "/endpoints/errors/token", OPERATOR, null,
            "endpoint 'errors' has auth_mode 'key'", "auth_mode"),
        bad("audit since that is not an instant", "GET", "/audit?since=yesterday", READER, null,
            "since must be an ISO-8601 instant", "since"),
        bad("deployment logs lines=0", "GET", dep + "blue/logs?lines=0", READER, null, "lines", "lines"),
        bad("traffic-log status=700", "GET", "/endpoints/errors/traffic-log?status=700", READER, null,
            "status must be an HTTP status code", "status"),
        bad("traffic-log since=soon", "GET", "/endpoints/errors/traffic-log?since=soon", READER, null,
            "since must be an ISO-8601 instant", "since"),
        bad("traffic-log request_id with a space", "GET", "/endpoints/errors/traffic-log?request_id=a%20b", READER,
            null, "request_id must be", "request_id"),
        bad("rollback to_revision \"2\"", "POST", "/endpoints/errors/traffic/rollback", OPERATOR,
            "{\"to_revision\": \"2\"}", "whole number from 1 up", "to_revision"),
        bad("a rollout without steps", "POST", "/endpoints/errors/rollout", OPERATOR, "{\"deployment\": \"green\"}",
            "steps is missing", "steps"),
        bad("rollout steps that do not end at 100", "POST", "/endpoints/errors/rollout", OPERATOR,
            "{\"deployment\": \"green\", \"steps\": [10, 50]}", "must end at 100", "steps"),
        bad("a rollout limit as text", "POST", "/endpoints/errors/rollout", OPERATOR,
            "{\"deployment\": \"green\", \"steps\": [100], \"max_p95_ms\": \"200ms\"}", "max_p95_ms is \"200ms\"",
            "max_p95_ms"),
        bad("a misspelt rollout limit", "POST", "/endpoints/errors/rollout", OPERATOR,
            "{\"deployment\": \"green\", \"steps\": [100], \"max_p95\": 200}", "unknown field 'max_p95'", "max_p95"),
        bad("a rollout of a deployment the endpoint does not have", "POST", "/endpoints/errors/rollout", OPERATOR,
            "{\"deployment\": \"purple\", \"steps\": [100]}", "endpoint 'errors' has no deployment 'purple'",
            "deployment"),
        bad("a rollout of the deployment that has all the traffic", "POST", "/endpoints/errors/rollout", OPERATOR,
            "{\"deployment\": \"blue\", \"steps\": [100]}", "'blue' already has 100 %", "deployment"),
        bad("an operator token with an unknown role", "POST", "/tokens", ADMIN,
            "{\"name\": \"rooted\", \"role\": \"root\"}", "role 'root' is not one of reader, operator, admin", "role"),
        bad("an operator token expiring in 2 years", "POST", "/tokens", ADMIN,
            "{\"name\": \"later\", \"role\": \"reader\", \"expires\": \"730d\"}", "365", "expires"),
        bad("revoking a token name with capitals", "DELETE", "/tokens/Bad_Name", ADMIN, null,
            "'Bad_Name' is not a valid token name", "name"),
        bad("removing a node name no credential can have", "DELETE", "/cluster/nodes/Not_A_Name", ADMIN, null,
            "node name 'Not_A_Name' is not one a credential can have", null));
  }

  /** 404 NotFound for what does not exist. */
  static Stream<Case> unknownResources() {
    String nf = "no endpoint named 'nosuch'";
    FailureKind k = FailureKind.NOT_FOUND;
    return Stream.of(
        jsonCase("an unknown endpoint", "GET", "/endpoints/nosuch", READER, null, k, nf, null),
        jsonCase("patching an unknown endpoint", "PATCH", "/endpoints/nosuch", OPERATOR, "{}", k, nf, null),
        jsonCase("deleting an unknown endpoint", "DELETE", "/endpoints/nosuch", ADMIN, null, k, nf, null),
        jsonCase("the keys of an unknown endpoint", "POST", "/endpoints/nosuch/keys", OPERATOR, null, k, nf, null),
        jsonCase("regenerating a key of an unknown endpoint", "POST", "/endpoints/nosuch/keys/regenerate", OPERATOR,
            "{}", k, nf, null),
        jsonCase("a scoring token of an unknown endpoint", "POST", "/endpoints/nosuch/token", OPERATOR, null, k, nf,
            null),
        jsonCase("the deployments of an unknown endpoint", "GET", "/endpoints/nosuch/deployments", READER, null, k,
            nf, null),
        jsonCase("a deployment of an unknown endpoint", "PUT", "/endpoints/nosuch/deployments/blue", ADMIN,
            "{\"model\": \"errors-model:1\"}", k, nf, null),
        jsonCase("an unknown deployment", "GET", "/endpoints/errors/deployments/nosuch", READER, null, k,
            "endpoint 'errors' has no deployment 'nosuch'", null),
        jsonCase("patching an unknown deployment", "PATCH", "/endpoints/errors/deployments/nosuch", OPERATOR, "{}",
            k, "endpoint 'errors' has no deployment 'nosuch'", null),
        jsonCase("deleting an unknown deployment", "DELETE", "/endpoints/errors/deployments/nosuch", ADMIN, null, k,
            "endpoint 'errors' has no deployment 'nosuch'", null),
        jsonCase("the logs of an unknown deployment", "GET", "/endpoints/errors/deployments/nosuch/logs", READER,
            null, k, "endpoint 'errors' has no deployment 'nosuch'", null),
        jsonCase("an unknown model version", "GET", "/models/errors-model/versions/2", READER, null, k,
            "no model errors-model:2", null),
        jsonCase("the traffic history of an unknown endpoint", "GET", "/endpoints/nosuch/traffic/history", READER,
            null, k, nf, null),
        jsonCase("the traffic log of an unknown endpoint", "GET", "/endpoints/nosuch/traffic-log", READER, null, k,
            nf, null),
        jsonCase("a rollback to a revision the endpoint does not have", "POST", "/endpoints/errors/traffic/rollback",
            OPERATOR, "{\"to_revision\": 99}", k, "endpoint 'errors' has no traffic revision 99; its revisions are 1 to",
            "to_revision"),
        jsonCase("a rollout of an unknown endpoint", "POST", "/endpoints/nosuch/rollout", OPERATOR,
            "{\"deployment\": \"green\", \"steps\": [100]}", k, nf, null),
        jsonCase("the rollout of an endpoint that never had one", "GET", "/endpoints/errors/rollout", READER, null, k,
            "endpoint 'errors' has no rollout", null),
        jsonCase("promoting the rollout of an endpoint that never had one", "POST", "/endpoints/errors/rollout/promote",
            OPERATOR, null, k, "endpoint 'errors' has no rollout", null),
        jsonCase("revoking a token name never issued", "DELETE", "/tokens/nosuch", ADMIN, null, k, "nosuch", null));
  }

  /** 409 Conflict: what exists or what is in use. */
  static Stream<Case> conflicts() throws Exception {
    FailureKind k = FailureKind.CONFLICT;
    return Stream.of(
        new Case("a registered model version with other bytes", "PUT", "/models/errors-model/versions/1", ADMIN,
            "application/octet-stream", Files.readAllBytes(TestControlPlane.EXAMPLE_MODEL_V2), k,
            "model errors-model:1 already exists with other content", "version"),
        jsonCase("deleting a deployment with live traffic", "DELETE", "/endpoints/errors/deployments/blue", ADMIN,
            null, k, "deployment 'blue' has 100 % live traffic; set its traffic to 0 before deleting it", "blue"),
        jsonCase("deleting a deployment with mirror traffic", "DELETE", "/endpoints/errors/deployments/green", ADMIN,
            null, k, "deployment 'green' has 10 % mirror traffic", "green"),
        jsonCase("a rollback of an endpoint at its first revision", "POST", "/endpoints/first-rev/traffic/rollback",
            OPERATOR, "{}", k, "there is no previous revision to roll back to", "to_revision"),
        jsonCase("a token name a live token has", "POST", "/tokens", ADMIN, "{\"name\": \"taken\", \"role\": \"reader\"}",
            k, "a token named 'taken' exists until", "name"),
        jsonCase("removing this control plane's own credential", "DELETE", "/cluster/nodes/test-node", ADMIN, null, k,
            "node 'test-node' is this control plane's own credential: it cannot remove itself", null));
  }

  /** Unknown routes and methods a route does not have: 404 naming the method and path, asked of an admin. */
  static Stream<Case> unknownRoutes() {
    FailureKind k = FailureKind.NOT_FOUND;
    return Stream.of(
        jsonCase("an unknown path", "GET", "/nosuch", ADMIN, null, k, "no route GET /nosuch", null),
        jsonCase("an unknown path asked without a token", "GET", "/nosuch", null, null, k, "no route GET /nosuch",
            null),
        jsonCase("a path in capitals", "GET", "/Endpoints", ADMIN, null, k, "no route GET /Endpoints", null),
        jsonCase("a path one segment too deep", "GET", "/endpoints/errors/deployments/blue/nosuch", ADMIN, null, k,
            "no route GET /endpoints/errors/deployments/blue/nosuch", null),
        jsonCase("DELETE of the model list", "DELETE", "/models", ADMIN, null, k, "no route DELETE /models", null),
        jsonCase("PATCH of a model version", "PATCH", "/models/errors-model/versions/1", ADMIN, "{}", k,
            "no route PATCH /models/errors-model/versions/1", null),
        jsonCase("PUT of the node list", "PUT", "/nodes", ADMIN, "{}", k, "no route PUT /nodes", null),
        jsonCase("POST of an endpoint without the override", "POST", "/endpoints/errors", ADMIN, "{}", k,
            "no route POST /endpoints/errors", null),
        jsonCase("GET of the keys", "GET", "/endpoints/errors/keys", ADMIN, null, k,
            "no route GET /endpoints/errors/keys", null),
        jsonCase("PUT of the audit log", "PUT", "/audit", ADMIN, "{}", k, "no route PUT /audit", null),
        jsonCase("OPTIONS of the endpoint list", "OPTIONS", "/endpoints", ADMIN, null, k,
            "no route OPTIONS /endpoints", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputIs400NamingTheField(Case c) throws Exception {
    assertRefused(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unknownResources")
  void unknownResourcesAre404(Case c) throws Exception {
    assertRefused(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conflicts")
  void conflictsAre409(Case c) throws Exception {
    assertRefused(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unknownRoutes")
  void unknownRoutesAndMethodsAre404(Case c) throws Exception {
    assertRefused(c);
  }

  /** A HEAD has no route either (no GET answers it): a 404 without a body. */
  @Test
  void headIs404WithoutABody() throws Exception {
    HttpResponse<String> r = cp.send("HEAD", "/endpoints", admin, null, null);
    assertEquals(404, r.statusCode());
    assertEquals("", r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent());
  }

  /**
   * Paths are normalized before routing ({@code //endpoints}, {@code /endpoints/%2e%2e/tokens}), and a
   * normalized path needs its route's role: a reader does not reach {@code /tokens} that way.
   */
  @Test
  void normalizedPathsKeepTheirRoutesRole() throws Exception {
    assertEquals(200, cp.send("GET", "//endpoints", cp.token(READER), null, null).statusCode());
    assertRefused(jsonCase("a dot-dot path to an admin route", "GET", "/endpoints/%2e%2e/tokens", READER, null,
        FailureKind.FORBIDDEN, "this call needs role 'admin'", null));
    assertRefused(jsonCase("a dot-dot path to an admin route", "GET", "/endpoints/%2e%2e/tokens", null, null,
        FailureKind.UNAUTHORIZED, "missing credentials", null));
  }

  // ------------------------------------------------------------------------------- JSON bodies

  /** The routes that read a JSON body, each with a path where it would act. */
  static final List<String[]> JSON_ROUTES = List.of(
      new String[] {"PUT", "/endpoints/errors", "admin"},
      new String[] {"PATCH", "/endpoints/errors", "operator"},
      new String[] {"POST", "/endpoints/errors/traffic/rollback", "operator"},
      new String[] {"POST", "/endpoints/errors/keys/regenerate", "operator"},
      new String[] {"PUT", "/endpoints/errors/deployments/blue", "admin"},
      new String[] {"PATCH", "/endpoints/errors/deployments/blue", "operator"},
      new String[] {"POST", "/endpoints/errors/rollout", "operator"},
      new String[] {"POST", "/tokens", "admin"});

  /** Bodies that are not a JSON object, and the start of the message each gets. */
  static final List<String[]> NOT_AN_OBJECT = List.of(
      new String[] {"{not json", "malformed JSON"},
      new String[] {"{\"description\": \"unterminated", "malformed JSON"},
      new String[] {"{} x", "malformed JSON"},
      new String[] {"{}{}", "malformed JSON"},
      new String[] {"{\"a\":".repeat(1001) + "1" + "}".repeat(1001), "malformed JSON"}, // deeper than Jackson takes
      new String[] {"[1, 2]", "the body must be a JSON object"},
      new String[] {"\"text\"", "the body must be a JSON object"},
      new String[] {"42", "the body must be a JSON object"},
      new String[] {"null", "the body must be a JSON object"},
      new String[] {"true", "the body must be a JSON object"},
      new String[] {"   ", "the body must be a JSON object"},
      new String[] {"description=x", "the body must be a JSON object"});

  static Stream<Case> bodiesThatAreNotAJsonObject() {
    List<Case> cases = new ArrayList<>();
    for (String[] route : JSON_ROUTES) {
      for (String[] body : NOT_AN_OBJECT) {
        String shown = body[0].length() > 20 ? body[0].substring(0, 20) + "..." : body[0];
        cases.add(bad("body " + shown, route[0], route[1], OperatorRole.valueOf(route[2].toUpperCase(Locale.ROOT)),
            body[0], body[1], null));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bodiesThatAreNotAJsonObject")
  void bodiesThatAreNotAJsonObjectAre400(Case c) throws Exception {
    assertRefused(c);
  }

  /**
   * The content type is not checked today: whatever it says, the body is read as JSON (a JSON
   * route) or as the model's bytes (a model upload). Types tried: text/plain, none,
   * application/x-www-form-urlencoded (a form and a JSON text), multipart/form-data (of a JSON route
   * and of a model upload, whose parts the body handler takes: an empty body), and a model sent as
   * application/json.
   */
  @Test
  void theContentTypeIsNotCheckedTheBodyDecides() throws Exception {
    byte[] spec = "{\"description\": \"typed\"}".getBytes(StandardCharsets.UTF_8);
    for (String type : Arrays.asList("text/plain", null, "application/x-www-form-urlencoded")) {
      String name = "typed-" + (type == null ? "none" : type.replaceAll("[^a-z]", "").substring(0, 8));
      HttpResponse<String> r = cp.send("PUT", "/endpoints/" + name, admin, type, spec);
      assertEquals(201, r.statusCode(), type + ": " + r.body());
      assertEquals("typed", new JsonObject(r.body()).getString("description"), type);
    }
    assertRefused(new Case("a form", "PUT", "/endpoints/typed-form", ADMIN, "application/x-www-form-urlencoded",
        "description=x".getBytes(StandardCharsets.UTF_8), FailureKind.BAD_INPUT, "the body must be a JSON object",
        null));
    byte[] multipart = ("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.onnx\"\r\n"
        + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] model = Files.readAllBytes(TestControlPlane.EXAMPLE_MODEL);
    byte[] upload = concat(multipart, model, "\r\n--XyZ--\r\n".getBytes(StandardCharsets.UTF_8));
    assertRefused(new Case("a multipart model upload", "PUT", "/models/multipart/versions/1", ADMIN,
        "multipart/form-data; boundary=XyZ", upload, FailureKind.BAD_INPUT, "the body is empty", null));
    assertEquals(404, cp.send("GET", "/models/multipart/versions/1", admin, null, null).statusCode());
    HttpResponse<String> multipartJson = cp.send("PUT", "/endpoints/typed-multipart", admin,
        "multipart/form-data; boundary=XyZ",
        "--XyZ\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nx\r\n--XyZ--\r\n".getBytes(
            StandardCharsets.UTF_8));
    assertEquals(201, multipartJson.statusCode(), "an empty body is {}: " + multipartJson.body());
    assertEquals("", new JsonObject(multipartJson.body()).getString("description"));
    HttpResponse<String> asJson = cp.send("PUT", "/models/typed-json/versions/1", admin, "application/json", model);
    assertEquals(201, asJson.statusCode(), asJson.body());
  }

  // ------------------------------------------------------------------------------- sizes

  /** A JSON body of exactly 1 MiB is read; one byte more is a 413, on a route that changes and on one that reads. */
  @Test
  void aJsonBodyOver1MibIs413() throws Exception {
    int limit = (int) ControlPlaneOptions.MAX_JSON_BYTES;
    HttpResponse<String> exact = cp.send("PUT", "/endpoints/big-enough", admin, "application/json",
        paddedObject(limit));
    assertEquals(201, exact.statusCode(), "1 MiB exactly is read");
    for (String[] call : new String[][] {{"PUT", "/endpoints/too-big"}, {"PATCH", "/endpoints/errors"},
        {"GET", "/endpoints"}}) {
      assertRefused(new Case("a JSON body of 1 MiB and a byte", call[0], call[1], ADMIN, "application/json",
          paddedObject(limit + 1), FailureKind.TOO_LARGE, "the body is too large for " + call[1], null));
    }
    assertEquals(404, cp.send("GET", "/endpoints/too-big", admin, null, null).statusCode());
    // without a token the body is never read: 401, not 413
    assertRefused(new Case("a JSON body over the limit without a token", "PUT", "/endpoints/too-big", null,
        "application/json", paddedObject(limit + 1), FailureKind.UNAUTHORIZED, "missing credentials", null));
  }

  /**
   * A model upload declaring 512 MiB and a byte is refused from its head: the 413 comes at once,
   * after 1 KiB of the body, and nothing is registered.
   */
  @Test
  void aModelUploadDeclaringOver512MibIs413AtOnce() throws Exception {
    String answer = rawExchange("PUT /models/huge/versions/1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + admin + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
        + (ControlPlaneOptions.MAX_MODEL_BYTES + 1) + "\r\nx-request-id: huge-upload\r\n\r\n", 1024);
    assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
    String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
    assertTrue(head.contains("\r\nx-request-id: huge-upload"), answer);
    assertTrue(head.contains("\r\ncontent-type: application/json"), answer);
    JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
    assertEquals("PayloadTooLarge", error.getString("code"));
    assertEquals("the body is too large for /models/huge/versions/1", error.getString("message"));
    assertEquals(404, cp.send("GET", "/models/huge/versions/1", admin, null, null).statusCode());
  }

  // ------------------------------------------------------------------------------- request ids and logs

  /** A caller's valid x-request-id comes back on an error; an invalid one (a space, 129 characters) is replaced. */
  @Test
  void errorsCarryTheCallersRequestIdOrANewOne() throws Exception {
    HttpResponse<String> r = cp.send("GET", "/endpoints/nosuch", admin, null, null, "x-request-id", "caller-id.1:a_b");
    assertEquals(404, r.statusCode());
    assertEquals("caller-id.1:a_b", r.headers().firstValue("x-request-id").orElse(null));
    for (String invalid : List.of("bad id", "x".repeat(129))) {
      HttpResponse<String> replaced = cp.send("GET", "/endpoints/nosuch", admin, null, null, "x-request-id", invalid);
      String id = replaced.headers().firstValue("x-request-id").orElseThrow();
      assertEquals(id, UUID.fromString(id).toString(), "a new UUID in place of '" + invalid + "'");
    }
  }

  /** The capture works: a refusal is logged once, at INFO, with its request id and status, without a stack trace. */
  @Test
  void aClientErrorIsLoggedOnOneInfoLine() throws Exception {
    assertEquals(409, cp.send("DELETE", "/endpoints/errors/deployments/blue", admin, null, null,
        "x-request-id", "logged-409").statusCode());
    List<ILoggingEvent> lines = LOG.events.stream().filter(e -> e.getFormattedMessage().contains("logged-409"))
        .toList();
    assertEquals(1, lines.size(), lines.toString());
    assertEquals(Level.INFO, lines.get(0).getLevel());
    assertTrue(lines.get(0).getFormattedMessage().contains("DELETE /endpoints/errors/deployments/blue: 409"),
        lines.get(0).getFormattedMessage());
    assertNull(lines.get(0).getThrowableProxy());
  }

  // ------------------------------------------------------------------------------- found by these tests, fixed

  @Test
  void aNullKeyTypeIs400() throws Exception {
    for (String body : List.of("{\"key_type\": null}", "{\"keyType\": null}")) {
      assertRefused(bad("key_type null", "POST", "/endpoints/errors/keys/regenerate", OPERATOR, body,
          "key_type must be 'primary' or 'secondary'", "key_type"));
    }
  }

  @Test
  void aMalformedEscapeInAuditSinceIs400() throws Exception {
    String answer = rawExchange("GET /audit?since=%zz HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
        + cp.token(READER) + "\r\n\r\n", 0);
    assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
    JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
    assertEquals("BadRequest", error.getString("code"), answer);
  }

  @Test
  void malformedEscapesInThePathOrQueryAreJsonErrors() throws Exception {
    for (String path : List.of("/endpoints/%zz", "/endpoints/errors?x=%zz", "/endpoints/errors/traffic-log?lines=%zz",
        "/endpoints/errors/deployments/blue/logs?lines=%zz")) {
      String answer = rawExchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
          + cp.token(READER) + "\r\n\r\n", 0);
      assertTrue(answer.startsWith("HTTP/1.1 400 "), path + ": " + answer);
      assertTrue(answer.toLowerCase(Locale.ROOT).contains("\r\ncontent-type: application/json"), path + ": " + answer);
      JsonObject error = new JsonObject(answer.substring(answer.indexOf("\r\n\r\n") + 4)).getJsonObject("error");
      assertEquals("BadRequest", error.getString("code"), path + ": " + answer);
    }
  }

  @Test
  void anOverlongRequestLineIsAJsonErrorWithARequestId() throws Exception {
    String answer = rawExchange("GET /endpoints/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: localhost\r\n"
        + "Authorization: Bearer " + cp.token(READER) + "\r\n\r\n", 0);
    // HTTP/1.0 or 1.1: the request line could not be read, so neither is known (as on the scoring port)
    assertTrue(answer.startsWith("HTTP/1.") && answer.substring(9, 12).equals("414"), answer);
    assertTrue(answer.toLowerCase(Locale.ROOT).contains("\r\nx-request-id: "), answer);
    assertTrue(answer.contains("{\"error\":"), answer);
  }

  // ------------------------------------------------------------------------------- helpers

  /**
   * Sends the case's call, checks its status, content type, request id and error body, and that it
   * changed nothing: no audit record appeared.
   */
  private static void assertRefused(Case c) throws Exception {
    int before = auditRecords();
    HttpResponse<String> r = cp.send(c.method(), c.path(), c.role() == null ? null : cp.token(c.role()),
        c.contentType(), c.body());
    assertEquals(c.kind().httpStatus(), r.statusCode(), c + ": " + r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), c.toString());
    assertTrue(r.headers().firstValue("x-request-id").isPresent(), c + ": every answer has an x-request-id");
    JsonObject body = new JsonObject(r.body());
    assertEquals(List.of("error"), new ArrayList<>(body.fieldNames()), c + ": " + r.body());
    JsonObject error = body.getJsonObject("error");
    assertEquals(c.kind().code(), error.getString("code"), c + ": " + r.body());
    assertTrue(error.getString("message").contains(c.messagePart()),
        c + ": message '" + error.getString("message") + "' should contain '" + c.messagePart() + "'");
    assertEquals(c.target(), error.getString("target"), c + ": the target of " + r.body());
    assertFalse(error.getString("message").contains("Exception"), c + ": no exception names: " + r.body());
    assertEquals(before, auditRecords(), c + ": a refused call leaves no audit record");
  }

  private static int auditRecords() throws Exception {
    HttpResponse<String> r = cp.send("GET", "/audit?since=" + started, admin, null, null);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("value").size();
  }

  private static void ok(HttpResponse<String> r) {
    assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.statusCode() + " " + r.body());
  }

  private static HttpResponse<String> json(String method, String path, OperatorRole role, String body)
      throws Exception {
    return cp.send(method, path, cp.token(role), "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] half() throws Exception {
    byte[] model = Files.readAllBytes(TestControlPlane.EXAMPLE_MODEL);
    return Arrays.copyOf(model, model.length / 2);
  }

  /** A JSON object of exactly {@code size} bytes: a description of spaces. */
  private static byte[] paddedObject(int size) {
    byte[] head = "{\"description\": \"".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) ' ');
    System.arraycopy(head, 0, body, 0, head.length);
    body[size - 2] = '"';
    body[size - 1] = '}';
    return body;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /**
   * Sends {@code head} and {@code bodyBytes} zero bytes over a connection of its own, and reads one
   * whole answer (its head, then as many bytes as its content-length says; or until the server
   * closes). The connection's reads time out after 20 s: an answer that does not come fails.
   */
  private static String rawExchange(String head, int bodyBytes) throws Exception {
    try (SSLSocket s = (SSLSocket) cp.sslContext().getSocketFactory().createSocket("localhost", cp.port())) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().write(new byte[bodyBytes]);
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream read = new ByteArrayOutputStream();
      int end = -1;
      while (end < 0) {
        int b = in.read();
        if (b < 0) {
          return read.toString(StandardCharsets.ISO_8859_1);
        }
        read.write(b);
        end = read.toString(StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n");
      }
      String headText = read.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      int at = headText.indexOf("\r\ncontent-length: ");
      int length = at < 0 ? 0 : Integer.parseInt(headText.substring(at + 18, headText.indexOf("\r\n", at + 2)).strip());
      read.write(in.readNBytes(length));
      return read.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * What the loggers of the control plane and Vert.x write while the tests here run: everything at
   * WARN and above (the root's level), and ManagementApi's INFO lines (its refusals), kept here
   * rather than printed.
   */
  static final class CapturedLog extends AppenderBase<ILoggingEvent> {
    final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger api = (Logger) LoggerFactory.getLogger(ManagementApi.class);
    private Level apiLevel;
    private boolean apiAdditive;

    @Override
    protected void append(ILoggingEvent event) {
      events.add(event);
    }

    void attach() {
      setContext(root.getLoggerContext());
      start();
      apiLevel = api.getLevel();
      apiAdditive = api.isAdditive();
      api.setLevel(Level.INFO);
      api.setAdditive(false);
      api.addAppender(this);
      root.addAppender(this);
    }

    void detach() {
      root.detachAppender(this);
      api.detachAppender(this);
      api.setLevel(apiLevel);
      api.setAdditive(apiAdditive);
      stop();
    }
  }
}
