package io.inferbus.controlplane.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /tokens/admin/rotate}: the admin token of client.json is replaced by a new one and
 * refused from then on, while the cluster's signing key stays, so endpoint keys and {@code aml_token}
 * scoring tokens issued before keep working. Bad inputs tried: rotating with a named admin token,
 * rotating twice with the same token, using the old token after the rotation.
 */
class AdminTokenRotationTest {
  @TempDir
  static Path dataDir;
  static HazelcastInstance hazelcast;
  static TestControlPlane cp;

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    cp = TestControlPlane.start(dataDir, hazelcast);
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
    hazelcast.shutdown();
  }

  private static Answer rotate(String token) throws Exception {
    return cp.call("POST", "/tokens/admin/rotate", token, new JsonObject());
  }

  @Test
  void rotationIssuesANewAdminTokenAndRevokesTheOneItWasCalledWith() throws Exception {
    String old = cp.token(OperatorRole.ADMIN);
    Answer rotated = rotate(old);
    assertEquals(200, rotated.status(), rotated.text());
    JsonObject answer = rotated.json();
    assertEquals(Set.of("name", "role", "expires_at", "token"), answer.fieldNames());
    assertEquals("admin", answer.getString("name"));
    assertEquals("admin", answer.getString("role"));
    assertTrue(Instant.parse(answer.getString("expires_at")).isAfter(Instant.now().plus(Duration.ofDays(9 * 365))),
        "as long-lived as the first admin token: " + answer.encode());
    String fresh = answer.getString("token");
    JsonObject claims = claims(fresh);
    assertEquals(OperatorAuth.ADMIN_SUBJECT, claims.getString("sub"));
    assertEquals(new JsonArray().add("admin"), claims.getJsonArray("roles"));

    assertEquals(200, cp.call("GET", "/tokens", fresh, null).status(), "the new token administers");
    Answer refused = cp.call("GET", "/endpoints", old, null);
    assertEquals(401, refused.status(), refused.text());
    assertEquals("the token is not valid: it was revoked", refused.error().getString("message"));
    assertEquals(401, rotate(old).status(), "a revoked token rotates nothing");

    JsonObject audit = lastAudit(fresh);
    assertEquals("token.rotate-admin", audit.getString("action"));
    assertEquals("tokens/admin", audit.getString("target"));
    assertEquals(claims(old).getString("jti"), audit.getJsonObject("before").getString("id"));
    assertEquals(claims.getString("jti"), audit.getJsonObject("after").getString("id"));
    assertTrue(!cp.call("GET", "/audit", fresh, null).text().contains(fresh.substring(fresh.lastIndexOf('.') + 1)),
        "the audit log never holds a token");

    // the new one can be rotated in turn
    Answer again = rotate(fresh);
    assertEquals(200, again.status(), again.text());
    assertEquals(401, cp.call("GET", "/endpoints", fresh, null).status());
    assertEquals(200, cp.call("GET", "/endpoints", again.json().getString("token"), null).status());
  }

  @Test
  void endpointKeysAndScoringTokensKeepWorking() throws Exception {
    String admin = cp.token(OperatorRole.ADMIN);
    assertEquals(201, cp.call("PUT", "/endpoints/keyed", admin, new JsonObject()).status());
    assertEquals(201, cp.call("PUT", "/endpoints/tokened", admin, new JsonObject().put("auth_mode", "aml_token"))
        .status());
    JsonObject keys = cp.call("POST", "/endpoints/keyed/keys", admin, null).json();
    String scoringToken = cp.call("POST", "/endpoints/tokened/token", admin, null).json().getString("accessToken");
    IMap<String, String> endpoints = hazelcast.getMap(ClusterMaps.ENDPOINTS);
    String keyedAsGatewaysSeeIt = endpoints.get("keyed");
    String tokenedAsGatewaysSeeIt = endpoints.get("tokened");
    assertTrue(acceptedByAGateway(scoringToken, "tokened"), "the control: a gateway takes the scoring token");

    Answer rotated = rotate(admin);
    assertEquals(200, rotated.status(), rotated.text());
    String fresh = rotated.json().getString("token");

    assertEquals(keys, cp.call("POST", "/endpoints/keyed/keys", fresh, null).json(), "the same keys");
    assertEquals(keyedAsGatewaysSeeIt, endpoints.get("keyed"), "gateways check the same key hashes");
    assertEquals(tokenedAsGatewaysSeeIt, endpoints.get("tokened"), "gateways verify with the same public key");
    assertTrue(acceptedByAGateway(scoringToken, "tokened"), "a scoring token issued before still verifies");
    String issuedAfter = cp.call("POST", "/endpoints/tokened/token", fresh, null).json().getString("accessToken");
    assertTrue(acceptedByAGateway(issuedAfter, "tokened"), "and so does one issued after");
  }

  @Test
  void aNamedAdminTokenCannotRotateTheAdminToken() throws Exception {
    String admin = cp.token(OperatorRole.ADMIN);
    String named = cp.call("POST", "/tokens", admin, new JsonObject().put("name", "ops").put("role", "admin"))
        .json().getString("token");
    Answer refused = rotate(named);
    assertEquals(400, refused.status(), refused.text());
    assertEquals("rotation replaces the admin token it is called with (client.json's), but this call came with the "
        + "named token 'ops' (revoke it with DELETE /tokens/ops); call it with the admin token",
        refused.error().getString("message"));
    assertEquals(200, cp.call("GET", "/tokens", named, null).status(), "nothing was revoked");
    assertEquals(200, cp.call("GET", "/tokens", admin, null).status());
  }

  @Test
  void anAdminTokenIssuedBeforeTokensHadIdsCanBeRotated() throws Exception {
    // what client.json holds on a node first started before tokens carried a jti
    long now = Instant.now().getEpochSecond();
    String legacy = cp.sign(new JsonObject().put("iss", OperatorAuth.ISSUER)
        .put("aud", new JsonArray().add(OperatorAuth.AUDIENCE)).put("sub", "admin")
        .put("roles", new JsonArray().add("admin")).put("iat", now).put("exp", now + 3600));
    assertEquals(200, cp.call("GET", "/tokens", legacy, null).status());
    Answer rotated = rotate(legacy);
    assertEquals(200, rotated.status(), rotated.text());
    assertEquals(401, cp.call("GET", "/tokens", legacy, null).status());
    assertNotEquals(legacy, rotated.json().getString("token"));
  }

  /** Verifies a scoring token as a gateway does: with the token keys the endpoint's cluster entry publishes. */
  private static boolean acceptedByAGateway(String token, String endpoint) throws Exception {
    EndpointState state = EndpointState.fromJson(TestCluster.records(hazelcast).map(ClusterMaps.ENDPOINTS)
        .get(endpoint));
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions()
        .setIssuer(EndpointState.AML_TOKEN_ISSUER).setAudience(List.of(endpoint)));
    state.tokenKeys().forEach(options::addJwk);
    try {
      TestControlPlane.await(JWTAuth.create(cp.vertx, options).authenticate(new TokenCredentials(token)));
      return true;
    } catch (Exception refused) {
      return false;
    }
  }

  private static JsonObject lastAudit(String token) throws Exception {
    JsonArray records = cp.call("GET", "/audit", token, null).json().getJsonArray("value");
    return records.getJsonObject(records.size() - 1);
  }

  private static JsonObject claims(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }
}
