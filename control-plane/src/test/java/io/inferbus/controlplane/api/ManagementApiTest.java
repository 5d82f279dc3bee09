package io.inferbus.controlplane.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.ControlPlaneOptions;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The management API as a release engineer meets it, on a real control plane over HTTPS with real
 * tokens: the cases of the cli module's node tests that need no gateway, deployment node or scoring
 * (moved here from cli's ManagementApiTest, TrafficRollbackTest, DeploymentLogsTest and
 * EndpointAuthModesTest, with their assertions). The example's state is set up as a node sets it up:
 * model {@code german-credit-bad-risk:1}, endpoint {@code credit} (key) whose deployment {@code blue}
 * has all the traffic; no deployment node runs, so its instances are never placed, which these
 * cases do not need. The admin token's subject is {@code admin}, as client.json's.
 */
@ExtendWith(SharedControlPlane.class)
class ManagementApiTest {
  static TestControlPlane cp;
  static String token;
  static byte[] model;

  @BeforeAll
  static void start() throws Exception {
    cp = SharedControlPlane.cp();
    token = cp.token("admin", OperatorRole.ADMIN);
    model = Files.readAllBytes(TestControlPlane.EXAMPLE_MODEL);
    assertEquals(201, putModel("german-credit-bad-risk", "1", model).statusCode());
    assertEquals(201, json("PUT", "/endpoints/credit", token, new JsonObject().put("auth_mode", "key")).statusCode());
    HttpResponse<String> blue = json("PUT", "/endpoints/credit/deployments/blue", token,
        new JsonObject().put("model", "german-credit-bad-risk:1").put("instance_count", 1));
    assertEquals(201, blue.statusCode(), blue.body());
    HttpResponse<String> traffic = json("PATCH", "/endpoints/credit", token,
        new JsonObject().put("traffic", new JsonObject().put("blue", 100)));
    assertEquals(200, traffic.statusCode(), traffic.body());
  }

  // ------------------------------------------------------------------ from cli's ManagementApiTest

  /** Clients that cannot send PATCH (the JDK's HttpURLConnection, which the CLI uses) send a POST that says so. */
  @Test
  void aPostWithMethodOverridePatchIsAPatchWithThePatchsRole() throws Exception {
    assertEquals(201, json("PUT", "/endpoints/overridden", token, new JsonObject()).statusCode());
    HttpResponse<String> patched = json("POST", "/endpoints/overridden", token,
        new JsonObject().put("description", "patched through POST"), "X-HTTP-Method-Override", "PATCH");
    assertEquals(200, patched.statusCode(), patched.body());
    assertEquals("patched through POST", new JsonObject(patched.body()).getString("description"));
    String reader = cp.token("rita", OperatorRole.READER);
    HttpResponse<String> refused = json("POST", "/endpoints/overridden", reader,
        new JsonObject().put("description", "by a reader"), "X-HTTP-Method-Override", "PATCH");
    assertEquals(403, refused.statusCode(), "a PATCH needs the operator role however it is sent: " + refused.body());
    HttpResponse<String> plainPost = json("POST", "/endpoints/overridden", token,
        new JsonObject().put("description", "x"));
    assertEquals(404, plainPost.statusCode(), "without the header a POST is a POST: " + plainPost.body());
    for (String[] other : new String[][] {{"GET", "DELETE"}, {"POST", "DELETE"}, {"POST", "PUT"}, {"GET", "PATCH"}}) {
      HttpResponse<String> r = json(other[0], "/endpoints/overridden", token,
          other[0].equals("GET") ? null : new JsonObject(), "X-HTTP-Method-Override", other[1]);
      assertTrue(r.statusCode() == 200 || r.statusCode() == 404, other[0] + " as " + other[1] + ": " + r.statusCode());
      assertEquals(200, json("GET", "/endpoints/overridden", token, null).statusCode(),
          other[0] + " with an override to " + other[1] + " is not a " + other[1]);
    }
    // added here: the override is honoured whatever its case and surrounding spaces, and the refusal says why
    HttpResponse<String> lowerCase = json("POST", "/endpoints/overridden", token,
        new JsonObject().put("description", "lower case"), "X-HTTP-Method-Override", " patch ");
    assertEquals(200, lowerCase.statusCode(), lowerCase.body());
    assertEquals("lower case", new JsonObject(lowerCase.body()).getString("description"));
    assertEquals("this call needs role 'operator'; the token of 'rita' has 'reader'",
        new JsonObject(refused.body()).getJsonObject("error").getString("message"));
    assertEquals("no route POST /endpoints/overridden",
        new JsonObject(plainPost.body()).getJsonObject("error").getString("message"));
  }

  @Test
  void regeneratedKeyReplacesTheOldOne() throws Exception {
    assertEquals(201, putModel("regen-model", "1", model).statusCode());
    assertEquals(201, json("PUT", "/endpoints/rotate", token, new JsonObject()).statusCode());
    String old = primaryKey("rotate");
    HttpResponse<String> r = json("POST", "/endpoints/rotate/keys/regenerate", token,
        new JsonObject().put("key_type", "primary"));
    assertEquals(200, r.statusCode(), r.body());
    String fresh = new JsonObject(r.body()).getString("primaryKey");
    assertNotEquals(old, fresh);
    assertEquals(fresh, primaryKey("rotate"));
  }

  @Test
  void refusals() throws Exception {
    assertError(putModel("risk-broken", "1", "not an onnx file".getBytes(StandardCharsets.UTF_8)), 400,
        "ONNX Runtime cannot load the model");
    assertEquals(404, json("GET", "/models/risk-broken/versions/1", token, null).statusCode(),
        "a model ONNX Runtime cannot load is not stored");
    assertEquals(201, putModel("immutable", "1", model).statusCode());
    // the same model with an unknown protobuf field appended (field 1000, varint 1): loadable, other bytes
    byte[] other = java.util.Arrays.copyOf(model, model.length + 3);
    other[model.length] = (byte) 0xC0;
    other[model.length + 1] = (byte) 0x3E;
    other[model.length + 2] = 1;
    assertError(putModel("immutable", "1", other), 409, "versions are immutable");
    assertEquals(201, putModel("immutable", "2", other).statusCode(), "a new version takes the new bytes");
    assertError(json("PUT", "/endpoints/ab", token, new JsonObject()), 400, "not a valid endpoint name");
    assertError(json("PUT", "/endpoints/credit/deployments/red", token, new JsonObject().put("model", "nosuch:1")),
        400, "not registered");
    assertError(json("PATCH", "/endpoints/credit", token,
        new JsonObject().put("traffic", new JsonObject().put("blue", 90))), 400, "sum to 90");
    assertError(json("PATCH", "/endpoints/credit", token,
        new JsonObject().put("traffic", new JsonObject().put("purple", 100))), 400, "'purple'");
    assertError(json("DELETE", "/endpoints/credit/deployments/blue", token, null), 409, "live traffic");
    assertError(json("GET", "/endpoints/nosuch", token, null), 404, "no endpoint");
    assertError(cp.send("PUT", "/endpoints/credit", token, "application/json",
        "{not json".getBytes(StandardCharsets.UTF_8)), 400, "malformed JSON");
    assertError(json("GET", "/endpoints", null, null), 401, "missing credentials");
    // an upload without a token is refused before its body is read (not 413, not buffered)
    assertError(cp.send("PUT", "/models/big/versions/1", null, "application/octet-stream",
        new byte[(int) (ControlPlaneOptions.MAX_MODEL_BYTES / 16)]), 401, "missing credentials");
    assertError(json("GET", "/endpoints", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", null), 401, "not valid");
    // the refused calls changed nothing: the example still routes all traffic to blue
    JsonObject credit = new JsonObject(json("GET", "/endpoints/credit", token, null).body());
    assertEquals(100, credit.getJsonObject("traffic").getInteger("blue"));
  }

  @Test
  void auditRecordsWhoChangedWhat() throws Exception {
    assertEquals(201, json("PUT", "/endpoints/audited", token, new JsonObject().put("description", "x"),
        "x-request-id", "audit-req-1").statusCode());
    JsonArray records = new JsonObject(json("GET", "/audit", token, null).body()).getJsonArray("value");
    JsonObject record = records.stream().map(JsonObject.class::cast)
        .filter(o -> "audit-req-1".equals(o.getString("request_id"))).findFirst().orElseThrow();
    assertEquals("admin", record.getString("actor"));
    assertEquals("endpoint.create", record.getString("action"));
    assertEquals("endpoints/audited", record.getString("target"));
    assertTrue(record.getJsonObject("after").getString("description").equals("x"));
    assertTrue(!record.getJsonObject("after").containsKey("keys"), "no key material in the audit log");
  }

  // ------------------------------------------------------------------ from cli's TrafficRollbackTest

  @Test
  void historyAndRollbackAsAnOperatorMeetsThem() throws Exception {
    String admin = token;
    String operator = cp.token("olivia", OperatorRole.OPERATOR);
    String reader = cp.token("rita", OperatorRole.READER);
    // instance_count 0: the routes are under test here, not the instances
    assertEquals(201, json("PUT", "/endpoints/ledger", admin, new JsonObject(), "x-request-id", "ledger-create")
        .statusCode());
    for (String d : List.of("blue", "green")) {
      HttpResponse<String> r = json("PUT", "/endpoints/ledger/deployments/" + d, admin,
          new JsonObject().put("model", "german-credit-bad-risk:1").put("instance_count", 0));
      assertEquals(201, r.statusCode(), r.body());
    }
    assertError(post("/endpoints/ledger/traffic/rollback", operator, "{}"), 409, "Conflict",
        "endpoint 'ledger' is at traffic revision 1, its first: there is no previous revision to roll back to");
    patch("ledger", operator, "{\"traffic\": {\"blue\": 100}}", "ledger-2");
    patch("ledger", operator, "{\"traffic\": {\"blue\": 90, \"green\": 10}}", "ledger-3");

    HttpResponse<String> r = cp.send("POST", "/endpoints/ledger/traffic/rollback", operator, "application/json",
        "{}".getBytes(StandardCharsets.UTF_8), "x-request-id", "ledger-rollback");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject shown = new JsonObject(r.body());
    assertEquals(4L, shown.getLong("traffic_revision"));
    assertEquals(new JsonObject().put("blue", 100).put("green", 0), shown.getJsonObject("traffic"));
    assertEquals("ledger", shown.getString("name"));

    // a rollback without any body at all is a rollback to the previous revision too
    r = cp.send("POST", "/endpoints/ledger/traffic/rollback", operator, null, null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(5L, new JsonObject(r.body()).getLong("traffic_revision"));

    List<JsonObject> history = history("ledger", reader);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), history.stream().map(e -> e.getLong("revision")).toList());
    assertEquals(new JsonObject(), history.get(0).getJsonObject("traffic"), "revision 1: the creation traffic");
    assertEquals("ledger-create", history.get(0).getString("request_id"));
    assertEquals("admin", history.get(0).getString("actor"));
    assertEquals(new JsonObject().put("blue", 90).put("green", 10), history.get(2).getJsonObject("traffic"));
    assertEquals("olivia", history.get(3).getString("actor"));
    assertEquals(2L, history.get(3).getLong("rolled_back_to"));
    assertEquals(3L, history.get(4).getLong("rolled_back_to"));
    assertFalse(history.get(2).containsKey("rolled_back_to"));
    for (JsonObject e : history) {
      Instant.parse(e.getString("time"));
      assertEquals(new JsonObject(), e.getJsonObject("mirror_traffic"));
    }

    JsonArray audit = new JsonObject(json("GET", "/audit", reader, null).body()).getJsonArray("value");
    JsonObject record = audit.stream().map(JsonObject.class::cast)
        .filter(o -> "ledger-rollback".equals(o.getString("request_id"))).findFirst().orElseThrow();
    assertEquals("olivia", record.getString("actor"));
    assertEquals("endpoint.traffic-rollback", record.getString("action"));
    assertEquals("endpoints/ledger", record.getString("target"));
    assertEquals(2L, record.getLong("rolled_back_to"));
    assertEquals(3L, record.getJsonObject("before").getLong("traffic_revision"));
    assertEquals(4L, record.getJsonObject("after").getLong("traffic_revision"));
    assertFalse(record.getJsonObject("after").containsKey("keys"), "no key material in the audit log");

    // refusals: each names what is wrong and what would be right, and changes nothing
    assertError(post("/endpoints/ledger/traffic/rollback", operator, "{\"to_revision\": 99}"), 404, "NotFound",
        "endpoint 'ledger' has no traffic revision 99; its revisions are 1 to 5");
    for (String bad : List.of("-1", "\"2\"", "2.5")) {
      assertError(post("/endpoints/ledger/traffic/rollback", operator, "{\"to_revision\": " + bad + "}"), 400,
          "BadRequest", "whole number from 1 up");
    }
    assertError(post("/endpoints/ledger/traffic/rollback", operator, "{\"revision\": 2}"), 400, "BadRequest",
        "field 'revision' is not a rollback field");
    assertError(post("/endpoints/ledger/traffic/rollback", operator, "to_revision=2"), 400, "BadRequest",
        "the body must be a JSON object");
    assertError(post("/endpoints/nosuch/traffic/rollback", operator, "{}"), 404, "NotFound",
        "no endpoint named 'nosuch'");
    assertError(json("GET", "/endpoints/nosuch/traffic/history", reader, null), 404, "NotFound",
        "no endpoint named 'nosuch'");
    assertError(post("/endpoints/ledger/traffic/rollback", reader, "{}"), 403, "Forbidden",
        "this call needs role 'operator'");
    assertError(post("/endpoints/ledger/traffic/rollback", null, "{}"), 401, "Unauthorized", "missing credentials");

    // green is deleted once it has no traffic; revision 3 gave it 10 %
    patch("ledger", operator, "{\"traffic\": {\"blue\": 100, \"green\": 0}}", "ledger-6");
    assertEquals(200, json("DELETE", "/endpoints/ledger/deployments/green", admin, null).statusCode());
    assertError(post("/endpoints/ledger/traffic/rollback", operator, "{\"to_revision\": 3}"), 400, "BadRequest",
        "traffic revision 3 of endpoint 'ledger' sends 10 % of live traffic to deployment 'green', which has been"
            + " deleted since");
    assertEquals(6, history("ledger", reader).size(), "the refused calls added no revision");
  }

  // ------------------------------------------------------------------ from cli's DeploymentLogsTest

  /** Bad inputs tried: lines 0, -3, 10001, "abc", an empty value; an unknown deployment and endpoint; no token. */
  @Test
  void badLineCountsUnknownDeploymentsAndMissingTokensAreRefused() throws Exception {
    for (String bad : new String[] {"lines=0", "lines=-3", "lines=10001", "lines=abc", "lines="}) {
      HttpResponse<String> r = logs("credit", "blue", bad);
      assertEquals(400, r.statusCode(), bad + ": " + r.body());
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertTrue(error.getString("message").contains("lines"), error.encode());
      assertEquals("lines", error.getString("target"), "added here: the refusal names the parameter");
    }
    assertEquals(404, logs("credit", "nosuch", null).statusCode());
    assertEquals(404, logs("nosuch", "blue", null).statusCode());
    HttpResponse<String> anonymous = cp.send("GET", "/endpoints/credit/deployments/blue/logs", null, null, null);
    assertEquals(401, anonymous.statusCode());
    assertEquals(200, logs("credit", "blue", null).statusCode(), "lines defaults to 100");
  }

  // ------------------------------------------------------------------ from cli's EndpointAuthModesTest

  @Test
  void tokenRouteIssuesForAmlTokenEndpointsOnly() throws Exception {
    assertEquals(201, json("PUT", "/endpoints/fraud", token, new JsonObject().put("auth_mode", "aml_token"))
        .statusCode());
    assertEquals(201, json("PUT", "/endpoints/churn", token, new JsonObject().put("auth_mode", "aad_token"))
        .statusCode());
    assertErrorWithRequestId(tokenRoute("credit", token), 400, "BadRequest", "auth_mode 'key'");
    assertErrorWithRequestId(tokenRoute("credit", token), 400, "BadRequest", "/endpoints/credit/keys");
    assertErrorWithRequestId(tokenRoute("churn", token), 400, "BadRequest", "auth_mode 'aad_token'");
    assertErrorWithRequestId(tokenRoute("nosuch", token), 404, "NotFound", "no endpoint named 'nosuch'");
    assertErrorWithRequestId(tokenRoute("fraud", null), 401, "Unauthorized", "missing credentials");
    assertErrorWithRequestId(tokenRoute("fraud", cp.token("rita", OperatorRole.READER)), 403, "Forbidden",
        "needs role 'operator'");
    assertEquals(200, tokenRoute("fraud", cp.token("otto", OperatorRole.OPERATOR)).statusCode());
    String issued = new JsonObject(tokenRoute("fraud", cp.token("otto", OperatorRole.OPERATOR)).body())
        .getString("accessToken");
    assertEquals("otto", claimsOf(issued).getString("sub"), "the token names who asked for it");
    assertErrorWithRequestId(tokenRoute("fraud", issued), 401, "Unauthorized", "scoring token");
  }

  // ------------------------------------------------------------------ helpers

  /** A call with a JSON body (null: none) sent as application/json, and extra headers as name, value pairs. */
  private static HttpResponse<String> json(String method, String path, String bearer, JsonObject body,
      String... headers) throws Exception {
    return cp.send(method, path, bearer, "application/json",
        body == null ? null : body.encode().getBytes(StandardCharsets.UTF_8), headers);
  }

  private static HttpResponse<String> putModel(String name, String version, byte[] bytes) throws Exception {
    return cp.send("PUT", "/models/" + name + "/versions/" + version, token, "application/octet-stream", bytes);
  }

  /** The endpoint's primary key, from the management API. */
  private static String primaryKey(String endpoint) throws Exception {
    HttpResponse<String> r = json("POST", "/endpoints/" + endpoint + "/keys", token, null);
    if (r.statusCode() != 200) {
      throw new AssertionError("keys of " + endpoint + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getString("primaryKey");
  }

  private static HttpResponse<String> post(String path, String bearer, String body) throws Exception {
    return cp.send("POST", path, bearer, "application/json", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void patch(String endpoint, String bearer, String body, String requestId) throws Exception {
    HttpResponse<String> r = cp.send("PATCH", "/endpoints/" + endpoint, bearer, "application/json",
        body.getBytes(StandardCharsets.UTF_8), "x-request-id", requestId);
    assertEquals(200, r.statusCode(), r.body());
  }

  private static List<JsonObject> history(String endpoint, String bearer) throws Exception {
    HttpResponse<String> r = json("GET", "/endpoints/" + endpoint + "/traffic/history", bearer, null);
    assertEquals(200, r.statusCode(), r.body());
    List<JsonObject> out = new ArrayList<>();
    new JsonObject(r.body()).getJsonArray("value").forEach(o -> out.add((JsonObject) o));
    return out;
  }

  private static HttpResponse<String> logs(String endpoint, String deployment, String query) throws Exception {
    return json("GET", "/endpoints/" + endpoint + "/deployments/" + deployment + "/logs"
        + (query == null ? "" : "?" + query), token, null);
  }

  private static HttpResponse<String> tokenRoute(String endpoint, String bearer) throws Exception {
    return json("POST", "/endpoints/" + endpoint + "/token", bearer, null);
  }

  private static JsonObject claimsOf(String jwt) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  /** cli ManagementApiTest's check: the status, and the message contains {@code messagePart}. */
  private static void assertError(HttpResponse<String> r, int status, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(error.getString("message").contains(messagePart),
        "message '" + error.getString("message") + "' should contain '" + messagePart + "'");
  }

  /** cli TrafficRollbackTest's check: the status, the error code, and the message contains {@code messagePart}. */
  private static void assertError(HttpResponse<String> r, int status, String code, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals(code, error.getString("code"), r.body());
    assertTrue(error.getString("message").contains(messagePart),
        "message '" + error.getString("message") + "' should contain '" + messagePart + "'");
  }

  /** cli EndpointAuthModesTest's check: as {@link #assertError(HttpResponse, int, String, String)}, and a request id. */
  private static void assertErrorWithRequestId(HttpResponse<String> r, int status, String code, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer carries a request id");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals(code, error.getString("code"), r.body());
    assertTrue(error.getString("message").contains(messagePart),
        "message '" + error.getString("message") + "' should contain '" + messagePart + "'");
  }
}
