package io.inferbus.controlplane.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named operator tokens through a real control plane's management API: an admin issues one with a
 * role and an expiry, sees it listed (never its text), revokes it, and the audit log records each
 * step. Bad inputs tried: a bad role, a bad name, a reserved name, an expiry that is not a time or is
 * over a year away, an unknown field, a body that is not an object, a name already taken by a live
 * token, revoking an unknown name, a bad name and an already revoked token, each call with no token
 * and with a reader's and an operator's token, and an expired named token.
 */
class OperatorTokensTest {
  @TempDir
  static Path dataDir;
  static HazelcastInstance hazelcast;
  static TestControlPlane cp;
  static String admin;

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    cp = TestControlPlane.start(dataDir, hazelcast);
    admin = cp.token(OperatorRole.ADMIN);
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
    hazelcast.shutdown();
  }

  private static Answer create(String name, String role, String expires) throws Exception {
    JsonObject body = new JsonObject().put("name", name).put("role", role);
    if (expires != null) {
      body.put("expires", expires);
    }
    return cp.call("POST", "/tokens", admin, body);
  }

  private static JsonObject listed(String name) throws Exception {
    Answer list = cp.call("GET", "/tokens", admin, null);
    assertEquals(200, list.status(), list.text());
    JsonObject found = null;
    for (Object o : list.json().getJsonArray("value")) {
      JsonObject t = (JsonObject) o;
      if (name.equals(t.getString("name")) && (found == null || t.getString("created_at").compareTo(
          found.getString("created_at")) >= 0)) {
        found = t;
      }
    }
    return found;
  }

  private static JsonObject claims(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  @Test
  void anIssuedTokenIsShownOnceAndCarriesItsRole() throws Exception {
    Instant before = Instant.now();
    Answer created = create("ci", "operator", "30d");
    assertEquals(201, created.status(), created.text());
    JsonObject answer = created.json();
    assertEquals(Set.of("name", "role", "expires_at", "token"), answer.fieldNames());
    assertEquals("ci", answer.getString("name"));
    assertEquals("operator", answer.getString("role"));
    Instant expiresAt = Instant.parse(answer.getString("expires_at"));
    assertTrue(!expiresAt.isBefore(before.plus(Duration.ofDays(30)).minusSeconds(1))
        && !expiresAt.isAfter(Instant.now().plus(Duration.ofDays(30))), answer.encode());
    String token = answer.getString("token");
    JsonObject claims = claims(token);
    assertEquals("ci", claims.getString(OperatorAuth.TOKEN_NAME_CLAIM), claims.encode());
    assertEquals("token:ci", claims.getString("sub"), claims.encode());
    assertTrue(claims.getString("jti").length() >= 32, claims.encode());
    assertEquals(expiresAt.getEpochSecond(), claims.getLong("exp"));

    // operator: reads and operates, does not administer
    assertEquals(200, cp.call("GET", "/endpoints", token, null).status());
    Answer put = cp.call("PUT", "/endpoints/by-ci", token, new JsonObject());
    assertEquals(403, put.status(), put.text());
    assertEquals("this call needs role 'admin'; the token of 'token:ci' has 'operator'",
        put.error().getString("message"));
    assertEquals(403, cp.call("GET", "/tokens", token, null).status());

    JsonObject shown = listed("ci");
    assertEquals(new JsonObject().put("name", "ci").put("role", "operator")
        .put("created_at", shown.getString("created_at")).put("created_by", "test-admin")
        .put("expires_at", answer.getString("expires_at")).putNull("revoked_at"), shown);
    Instant createdAt = Instant.parse(shown.getString("created_at"));
    assertTrue(!createdAt.isBefore(before.minusSeconds(1)) && !createdAt.isAfter(Instant.now()), shown.encode());
    Answer list = cp.call("GET", "/tokens", admin, null);
    assertFalse(list.text().contains(token.substring(token.lastIndexOf('.') + 1)), "never the token: " + list.text());
  }

  @Test
  void aRevokedTokenIsRefusedAndListedAsRevoked() throws Exception {
    String token = create("short-lived", "reader", "2h").json().getString("token");
    assertEquals(200, cp.call("GET", "/endpoints", token, null).status());

    Answer revoked = cp.call("DELETE", "/tokens/short-lived", admin, null);
    assertEquals(200, revoked.status(), revoked.text());
    assertEquals("short-lived", revoked.json().getString("name"));
    String revokedAt = revoked.json().getString("revoked_at");
    assertTrue(Instant.parse(revokedAt).isAfter(Instant.now().minusSeconds(60)), revoked.text());

    Answer refused = cp.call("GET", "/endpoints", token, null);
    assertEquals(401, refused.status(), refused.text());
    assertEquals("the token is not valid: token 'short-lived' was revoked", refused.error().getString("message"));
    assertEquals(revokedAt, listed("short-lived").getString("revoked_at"));

    Answer again = cp.call("DELETE", "/tokens/short-lived", admin, null);
    assertEquals(404, again.status(), again.text());
    assertEquals("token 'short-lived' is already revoked (at " + revokedAt + ")", again.error().getString("message"));

    // the name is free again; the new token works, the revoked one stays refused
    Answer reissued = create("short-lived", "reader", "2h");
    assertEquals(201, reissued.status(), reissued.text());
    assertEquals(200, cp.call("GET", "/endpoints", reissued.json().getString("token"), null).status());
    assertEquals(401, cp.call("GET", "/endpoints", token, null).status());
    assertNull(listed("short-lived").getString("revoked_at"), "the newest of the name is live");
  }

  @Test
  void aNameIsTakenWhileItsTokenIsLive() throws Exception {
    assertEquals(201, create("nightly", "reader", "1d").status());
    Answer twice = create("nightly", "admin", "1d");
    assertEquals(409, twice.status(), twice.text());
    assertEquals("Conflict", twice.error().getString("code"));
    assertEquals("name", twice.error().getString("target"));
    assertTrue(twice.error().getString("message").startsWith("a token named 'nightly' exists until "),
        twice.text());
    assertEquals("reader", listed("nightly").getString("role"), "the first one is kept");
  }

  @Test
  void badRequestsAreRefusedNamingTheFieldAndChangeNothing() throws Exception {
    int tokens = cp.call("GET", "/tokens", admin, null).json().getJsonArray("value").size();
    int audit = auditRecords().size();
    List<JsonObject> bodies = List.of(
        new JsonObject().put("name", "bad-role").put("role", "root"),
        new JsonObject().put("name", "Bad_Name").put("role", "reader"),
        new JsonObject().put("name", "admin").put("role", "admin"),
        new JsonObject().put("name", "bad-expiry").put("role", "reader").put("expires", "soon"),
        new JsonObject().put("name", "too-long").put("role", "reader").put("expires", "400d"),
        new JsonObject().put("name", "extra").put("role", "reader").put("endpoint", "credit"));
    List<String> targets = List.of("role", "name", "name", "expires", "expires", "endpoint");
    for (int i = 0; i < bodies.size(); i++) {
      Answer a = cp.call("POST", "/tokens", admin, bodies.get(i));
      assertEquals(400, a.status(), bodies.get(i) + ": " + a.text());
      assertEquals("BadRequest", a.error().getString("code"));
      assertEquals(targets.get(i), a.error().getString("target"), a.text());
    }
    assertEquals("role 'root' is not one of reader, operator, admin",
        cp.call("POST", "/tokens", admin, bodies.get(0)).error().getString("message"));
    Answer notAnObject = cp.call("POST", "/tokens", admin, null);
    assertEquals(400, notAnObject.status(), notAnObject.text());
    assertEquals("name is required: 1-63 characters of lower-case letters, digits and dashes, starting with a "
        + "letter or digit", notAnObject.error().getString("message"));

    Answer unknown = cp.call("DELETE", "/tokens/never-issued", admin, null);
    assertEquals(404, unknown.status(), unknown.text());
    assertEquals("no token named 'never-issued'", unknown.error().getString("message"));
    Answer badName = cp.call("DELETE", "/tokens/Not_A_Name", admin, null);
    assertEquals(400, badName.status(), badName.text());

    assertEquals(tokens, cp.call("GET", "/tokens", admin, null).json().getJsonArray("value").size());
    assertEquals(audit, auditRecords().size(), "a refused call leaves no audit record");
  }

  @Test
  void onlyAnAdminSeesOrChangesTokens() throws Exception {
    assertEquals(201, create("guarded", "reader", "1d").status());
    for (OperatorRole role : List.of(OperatorRole.READER, OperatorRole.OPERATOR)) {
      String token = cp.token(role);
      Answer createIt = cp.call("POST", "/tokens", token, new JsonObject().put("name", "mine").put("role", "admin"));
      assertEquals(403, createIt.status(), createIt.text());
      assertEquals("this call needs role 'admin'; the token of 'test-" + role.claim() + "' has '" + role.claim() + "'",
          createIt.error().getString("message"));
      assertEquals(403, cp.call("GET", "/tokens", token, null).status());
      assertEquals(403, cp.call("DELETE", "/tokens/guarded", token, null).status());
      assertEquals(403, cp.call("POST", "/tokens/admin/rotate", token, new JsonObject()).status());
    }
    assertEquals(401, cp.call("POST", "/tokens", null, new JsonObject().put("name", "x").put("role", "admin"))
        .status());
    assertEquals(401, cp.call("GET", "/tokens", null, null).status());
    assertEquals(401, cp.call("DELETE", "/tokens/guarded", null, null).status());
    assertNull(listed("mine"));
    assertNull(listed("guarded").getString("revoked_at"));
  }

  @Test
  void creatingAndRevokingAreAuditedWithoutTheToken() throws Exception {
    int before = auditRecords().size();
    String token = create("audited", "admin", "7d").json().getString("token");
    assertEquals(200, cp.call("DELETE", "/tokens/audited", admin, null).status());
    List<JsonObject> records = auditRecords();
    List<JsonObject> mine = records.subList(before, records.size());
    assertEquals(2, mine.size(), mine.toString());

    JsonObject created = mine.get(0);
    assertEquals("token.create", created.getString("action"));
    assertEquals("tokens/audited", created.getString("target"));
    assertEquals("test-admin", created.getString("actor"));
    assertNull(created.getValue("before"));
    assertEquals("admin", created.getJsonObject("after").getString("role"));
    assertNotEquals(null, created.getString("request_id"));

    JsonObject revoked = mine.get(1);
    assertEquals("token.revoke", revoked.getString("action"));
    assertEquals("tokens/audited", revoked.getString("target"));
    assertNull(revoked.getJsonObject("before").getString("revoked_at"));
    assertNotEquals(null, revoked.getJsonObject("after").getString("revoked_at"));

    String signature = token.substring(token.lastIndexOf('.') + 1);
    assertFalse(cp.call("GET", "/audit", admin, null).text().contains(signature), "the audit log never holds a token");
  }

  @Test
  void anExpiredNamedTokenIsRefused() throws Exception {
    long now = Instant.now().getEpochSecond();
    String expired = cp.sign(new JsonObject().put("iss", OperatorAuth.ISSUER)
        .put("aud", new JsonArray().add(OperatorAuth.AUDIENCE)).put("sub", "token:old").put("roles",
            new JsonArray().add("admin")).put(OperatorAuth.TOKEN_NAME_CLAIM, "old").put("jti", "expired-1")
        .put("iat", now - 7200).put("exp", now - 3600));
    Answer refused = cp.call("GET", "/endpoints", expired, null);
    assertEquals(401, refused.status(), refused.text());
    assertTrue(refused.error().getString("message").contains("expired"), refused.text());
  }

  @Test
  void changesAreCountedByKindAndOutcome() throws Exception {
    double created = changes("operator_token_create", "ok");
    double refused = changes("operator_token_create", "refused");
    double revoked = changes("operator_token_revoke", "ok");
    assertEquals(201, create("counted", "reader", "1h").status());
    assertEquals(400, create("counted-badly", "root", "1h").status());
    assertEquals(200, cp.call("DELETE", "/tokens/counted", admin, null).status());
    assertEquals(created + 1, changes("operator_token_create", "ok"));
    assertEquals(refused + 1, changes("operator_token_create", "refused"));
    assertEquals(revoked + 1, changes("operator_token_revoke", "ok"));
  }

  /** {@code inferbus_controlplane_changes_total{kind, outcome}} as a scrape shows it. */
  private static double changes(String kind, String outcome) {
    String prefix = "inferbus_controlplane_changes_total{kind=\"" + kind + "\",outcome=\"" + outcome + "\"} ";
    return cp.scrape().lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
        l.substring(prefix.length()).trim())).findFirst().orElseThrow(() -> new AssertionError("no series " + prefix));
  }

  private static List<JsonObject> auditRecords() throws Exception {
    Answer audit = cp.call("GET", "/audit", admin, null);
    assertEquals(200, audit.status(), audit.text());
    List<JsonObject> records = new ArrayList<>();
    audit.json().getJsonArray("value").forEach(o -> records.add((JsonObject) o));
    return records;
  }
}
