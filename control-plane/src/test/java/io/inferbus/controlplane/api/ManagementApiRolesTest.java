package io.inferbus.controlplane.api;

import static io.inferbus.controlplane.auth.OperatorRole.ADMIN;
import static io.inferbus.controlplane.auth.OperatorRole.OPERATOR;
import static io.inferbus.controlplane.auth.OperatorRole.READER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.auth.SigningKeys;
import io.inferbus.controlplane.console.ConsoleFiles;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every route of {@link ManagementApi}'s table against every kind of caller, over real HTTPS with real
 * tokens of a real control plane. {@link #ROUTES} is written by hand from the table: a route whose
 * least role changes fails here (a lowered role lets the role below in, a raised one refuses the
 * role it names), and a route added or removed without a row fails {@link #theTableHereIsTheRouterTable}.
 *
 * <p>For each route: every role below its least role, and a token with no role at all, get 403
 * {@code Forbidden} naming the role needed and the role held; callers without valid credentials get
 * 401 {@code Unauthorized} (bad credentials tried: no Authorization header, Basic credentials, an
 * empty bearer token, a garbled token, an expired admin token, an unsigned ({@code alg: none}) admin
 * token, a reader's token whose claims were changed to admin, an admin token signed by another
 * cluster's key); its least role and every role above it are not refused by auth, and the least role
 * gets the answer the operation gives for the path here. The PATCH routes are also called as a POST
 * with {@code X-HTTP-Method-Override: PATCH}, which needs the PATCH route's role.
 */
@ExtendWith(SharedControlPlane.class)
class ManagementApiRolesTest {
  @TempDir
  static Path otherClusterSecrets;
  static TestControlPlane cp;
  static String noRole;
  /** Bad credentials, each with the Authorization header sent (null: none) and how the 401 message starts. */
  static final Map<String, String[]> BAD_CREDENTIALS = new LinkedHashMap<>();

  /**
   * A route of the table: {@code pattern} as ManagementApi declares it, {@code path} a concrete path
   * for it, {@code least} the least role it needs, {@code answer} what the least role gets on {@code
   * path} (the operation's own answer, never 401 or 403), {@code override} the header value sent when
   * the route is called as a POST standing for another method (null: none).
   */
  record Row(String method, String pattern, String path, OperatorRole least, int answer, String override) {
    @Override
    public String toString() {
      return (override == null ? method : "POST (X-HTTP-Method-Override: " + override + ")") + " " + pattern
          + " needs " + least.claim();
    }

    String sentMethod() {
      return override == null ? method : "POST";
    }
  }

  private static Row row(String method, String pattern, String path, OperatorRole least, int answer) {
    return new Row(method, pattern, path, least, answer, null);
  }

  /** The routes that take no token at all (ConsoleSignInTest checks them): the code is the credential. */
  static final Set<String> UNAUTHENTICATED = Set.of("POST /console/session");

  /** ManagementApi's route table, read from its router() by hand. */
  static final List<Row> ROUTES = List.of(
      row("GET", "/models", "/models", READER, 200),
      // an empty JSON object is not an ONNX model: the operation runs and refuses it
      row("PUT", "/models/:name/versions/:version", "/models/roles-probe/versions/1", ADMIN, 400),
      row("GET", "/models/:name/versions/:version", "/models/nosuch/versions/1", READER, 404),
      row("GET", "/endpoints", "/endpoints", READER, 200),
      row("PUT", "/endpoints/:e", "/endpoints/created-by-probe", ADMIN, 201),
      row("GET", "/endpoints/:e", "/endpoints/roles", READER, 200),
      row("PATCH", "/endpoints/:e", "/endpoints/roles", OPERATOR, 200),
      row("DELETE", "/endpoints/:e", "/endpoints/nosuch", ADMIN, 404),
      row("GET", "/endpoints/:e/traffic/history", "/endpoints/roles/traffic/history", READER, 200),
      // revision 1 is the endpoint's first: nothing to roll back to
      row("POST", "/endpoints/:e/traffic/rollback", "/endpoints/roles/traffic/rollback", OPERATOR, 409),
      row("GET", "/endpoints/:e/traffic-log", "/endpoints/roles/traffic-log", READER, 200),
      row("POST", "/endpoints/:e/keys", "/endpoints/roles/keys", OPERATOR, 200),
      row("POST", "/endpoints/:e/keys/regenerate", "/endpoints/nosuch/keys/regenerate", OPERATOR, 404),
      // a key endpoint has no scoring tokens
      row("POST", "/endpoints/:e/token", "/endpoints/roles/token", OPERATOR, 400),
      row("GET", "/endpoints/:e/deployments", "/endpoints/roles/deployments", READER, 200),
      row("PUT", "/endpoints/:e/deployments/:d", "/endpoints/nosuch/deployments/blue", ADMIN, 404),
      row("GET", "/endpoints/:e/deployments/:d", "/endpoints/roles/deployments/nosuch", READER, 404),
      row("PATCH", "/endpoints/:e/deployments/:d", "/endpoints/roles/deployments/nosuch", OPERATOR, 404),
      row("DELETE", "/endpoints/:e/deployments/:d", "/endpoints/roles/deployments/nosuch", ADMIN, 404),
      row("GET", "/endpoints/:e/deployments/:d/logs", "/endpoints/roles/deployments/nosuch/logs", READER, 404),
      row("GET", "/nodes", "/nodes", READER, 200),
      row("GET", "/audit", "/audit", READER, 200),
      // {} names no token: refused by the operation
      row("POST", "/tokens", "/tokens", ADMIN, 400),
      row("GET", "/tokens", "/tokens", ADMIN, 200),
      // rotates (and so revokes) the fresh admin token it is called with, none other
      row("POST", "/tokens/admin/rotate", "/tokens/admin/rotate", ADMIN, 200),
      row("DELETE", "/tokens/:name", "/tokens/nosuch", ADMIN, 404),
      // a name no credential can have: nothing is removed
      row("DELETE", "/cluster/nodes/:name", "/cluster/nodes/Not_A_Name", ADMIN, 400),
      row("GET", "/cluster/removed-nodes", "/cluster/removed-nodes", READER, 200),
      row("GET", "/whoami", "/whoami", READER, 200),
      row("POST", "/console/codes", "/console/codes", READER, 200),
      row("GET", "/endpoints/:e/metrics", "/endpoints/roles/metrics", READER, 200),
      row("GET", "/metrics/endpoints", "/metrics/endpoints", READER, 200),
      row("GET", "/endpoints/:e/evidence", "/endpoints/roles/evidence", READER, 200),
      // this control plane runs without a gateway to send the test request through
      row("POST", "/endpoints/:e/test", "/endpoints/roles/test?deployment=nosuch", OPERATOR, 503),
      // {} names no deployment; the endpoint has never had a rollout to show, promote or abort
      row("POST", "/endpoints/:e/rollout", "/endpoints/roles/rollout", OPERATOR, 400),
      row("GET", "/endpoints/:e/rollout", "/endpoints/roles/rollout", READER, 404),
      row("POST", "/endpoints/:e/rollout/promote", "/endpoints/roles/rollout/promote", OPERATOR, 404),
      row("POST", "/endpoints/:e/rollout/abort", "/endpoints/roles/rollout/abort", OPERATOR, 404),
      new Row("PATCH", "/endpoints/:e", "/endpoints/roles", OPERATOR, 200, "PATCH"),
      new Row("PATCH", "/endpoints/:e/deployments/:d", "/endpoints/roles/deployments/nosuch", OPERATOR, 404,
          "PATCH"));

  static Stream<Row> routes() {
    return ROUTES.stream();
  }

  @BeforeAll
  static void start() throws Exception {
    cp = SharedControlPlane.cp();
    assertEquals(201, cp.call("PUT", "/endpoints/roles", cp.token(ADMIN), new JsonObject()).status());

    long now = Instant.now().getEpochSecond();
    JsonObject valid = new JsonObject().put("iss", OperatorAuth.ISSUER)
        .put("aud", new JsonArray().add(OperatorAuth.AUDIENCE)).put("sub", "nobody").put("iat", now)
        .put("exp", now + 3600).put("jti", UUID.randomUUID().toString());
    noRole = cp.sign(valid);
    String expired = cp.sign(valid.copy().put("sub", "late").put("roles", new JsonArray().add("admin"))
        .put("iat", now - 7200).put("exp", now - 3600));
    String unsigned = b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
        + b64url(valid.copy().put("roles", new JsonArray().add("admin")).encode()) + ".";
    String[] reader = cp.token(READER).split("\\.");
    JsonObject escalated = new JsonObject(new String(Base64.getUrlDecoder().decode(reader[1]), StandardCharsets.UTF_8))
        .put("roles", new JsonArray().add("admin"));
    String forged = reader[0] + "." + b64url(escalated.encode()) + "." + reader[2];
    String otherCluster = new OperatorAuth(cp.vertx, SigningKeys.loadOrCreate(otherClusterSecrets))
        .issue("intruder", ADMIN, 3600);

    BAD_CREDENTIALS.put("no Authorization header", new String[] {null, "missing credentials"});
    BAD_CREDENTIALS.put("Basic credentials", new String[] {"Basic YWRtaW46YWRtaW4=", "missing credentials"});
    // the header's trailing space does not arrive: "Bearer" alone is no bearer token
    BAD_CREDENTIALS.put("an empty bearer token", new String[] {"Bearer ", "missing credentials"});
    BAD_CREDENTIALS.put("a garbled token", new String[] {"Bearer not-a-jwt", "the token is not valid"});
    BAD_CREDENTIALS.put("an expired admin token", new String[] {"Bearer " + expired, "the token is not valid"});
    BAD_CREDENTIALS.put("an unsigned admin token", new String[] {"Bearer " + unsigned, "the token is not valid"});
    BAD_CREDENTIALS.put("a reader's token with admin claims", new String[] {"Bearer " + forged,
        "the token is not valid"});
    BAD_CREDENTIALS.put("another cluster's admin token", new String[] {"Bearer " + otherCluster,
        "the token is not valid"});
  }

  private static String b64url(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Calls the row's route with {@code authorization} as the header (null: none), a JSON {} as the body of a change. */
  private static HttpResponse<String> call(Row row, String authorization) throws Exception {
    boolean withBody = !row.sentMethod().equals("GET") && !row.sentMethod().equals("DELETE");
    List<String> headers = new ArrayList<>();
    if (authorization != null) {
      headers.addAll(List.of("Authorization", authorization));
    }
    if (row.override() != null) {
      headers.addAll(List.of("X-HTTP-Method-Override", row.override()));
    }
    return cp.send(row.sentMethod(), row.path(), null, withBody ? "application/json" : null,
        withBody ? "{}".getBytes(StandardCharsets.UTF_8) : null, headers.toArray(String[]::new));
  }

  private static JsonObject error(HttpResponse<String> r) {
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(error != null, "an error body: " + r.body());
    return error;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void rolesBelowTheLeastAndATokenWithoutRoleAre403(Row row) throws Exception {
    for (OperatorRole role : OperatorRole.values()) {
      if (role.includes(row.least())) {
        continue;
      }
      HttpResponse<String> r = call(row, "Bearer " + cp.token(role));
      assertEquals(403, r.statusCode(), row + ", called by a " + role.claim() + ": " + r.body());
      assertEquals("Forbidden", error(r).getString("code"), r.body());
      assertEquals("this call needs role '" + row.least().claim() + "'; the token of 'test-" + role.claim()
          + "' has '" + role.claim() + "'", error(r).getString("message"));
      assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer has an x-request-id");
    }
    HttpResponse<String> r = call(row, "Bearer " + noRole);
    assertEquals(403, r.statusCode(), row + ", called with a token without a role: " + r.body());
    assertEquals("Forbidden", error(r).getString("code"), r.body());
    assertEquals("the token carries no role (reader, operator, admin)", error(r).getString("message"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void callersWithoutValidCredentialsAre401(Row row) throws Exception {
    for (Map.Entry<String, String[]> bad : BAD_CREDENTIALS.entrySet()) {
      HttpResponse<String> r = call(row, bad.getValue()[0]);
      assertEquals(401, r.statusCode(), row + ", called with " + bad.getKey() + ": " + r.body());
      assertEquals("Unauthorized", error(r).getString("code"), r.body());
      assertTrue(error(r).getString("message").startsWith(bad.getValue()[1]),
          bad.getKey() + ": " + error(r).getString("message"));
      assertTrue(r.headers().firstValue("x-request-id").isPresent(), "every answer has an x-request-id");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void theLeastRoleAndTheRolesAboveItAreNotRefusedByAuth(Row row) throws Exception {
    HttpResponse<String> least = call(row, "Bearer " + cp.token(row.least()));
    assertTrue(least.statusCode() != 401 && least.statusCode() != 403,
        row + ", called by a " + row.least().claim() + ": " + least.statusCode() + " " + least.body());
    assertEquals(row.answer(), least.statusCode(), row + ": the operation's answer: " + least.body());
    for (OperatorRole role : OperatorRole.values()) {
      if (role.compareTo(row.least()) > 0) {
        HttpResponse<String> r = call(row, "Bearer " + cp.token(role));
        assertTrue(r.statusCode() != 401 && r.statusCode() != 403,
            row + ", called by a " + role.claim() + ": " + r.statusCode() + " " + r.body());
      }
    }
  }

  /**
   * The rows here are exactly the routes of ManagementApi's router: a route added (or removed) there
   * without its row here fails, so no route escapes the checks above.
   */
  @Test
  void theTableHereIsTheRouterTable() {
    // only the router is built: the services are not called while routes are listed
    var router = new ManagementApi(cp.vertx, null, null, null, null, null, null, null, null, null,
        new ConsoleFiles(cp.vertx), null, null).router();
    TreeSet<String> routed = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null || route.methods() == null && route.getPath().endsWith("/")) {
        continue; // request id, method override, the 404 for unknown routes, headers for a subtree (/console/)
      }
      if (route.getPath().equals("/ui") || route.getPath().startsWith("/ui/")) {
        continue; // the console's files need no token (ConsoleFilesTest); its data calls are the routes here
      }
      if (UNAUTHENTICATED.contains(route.methods().iterator().next().name() + " " + route.getPath())) {
        continue;
      }
      assertTrue(route.methods() != null && route.methods().size() == 1, route.getPath() + ": " + route.methods());
      for (HttpMethod m : route.methods()) {
        routed.add(m.name() + " " + route.getPath());
      }
    }
    TreeSet<String> here = new TreeSet<>();
    ROUTES.stream().filter(r -> r.override() == null).forEach(r -> here.add(r.method() + " " + r.pattern()));
    assertEquals(routed, here);
    assertEquals(ROUTES.stream().filter(r -> r.override() == null).count(), here.size(), "no route listed twice");
    // every PATCH route is also tried as a POST with the override
    TreeSet<String> patches = new TreeSet<>(routed.stream().filter(r -> r.startsWith("PATCH ")).toList());
    TreeSet<String> overridden = new TreeSet<>();
    ROUTES.stream().filter(r -> r.override() != null).forEach(r -> overridden.add(r.method() + " " + r.pattern()));
    assertEquals(patches, overridden);
  }
}
