package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A release engineer's first rollout through the management API: register a model, create an
 * endpoint and a deployment, send it traffic, score it, read its keys; and the refusals on the way.
 */
class ManagementApiTest extends EmbeddedNodeTest {
  static String token;
  static byte[] model;

  @BeforeAll
  static void start() throws Exception {
    token = node.adminToken();
    model = Files.readAllBytes(TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx"));
  }

  @Test
  void rolloutOfANewEndpointFromModelToScore() throws Exception {
    HttpResponse<String> put = putModel("risk", "7", model);
    assertEquals(201, put.statusCode(), put.body());
    JsonObject registered = new JsonObject(put.body());
    assertEquals(64, registered.getString("sha256").length());
    assertEquals("features", registered.getJsonArray("inputs").getJsonObject(0).getString("name"));
    assertEquals(200, putModel("risk", "7", model).statusCode(), "the same bytes again change nothing");

    HttpResponse<String> endpoint = node.https.json("PUT", node.control() + "/endpoints/loans", token,
        new JsonObject().put("auth_mode", "key").put("description", "loan checks"));
    assertEquals(201, endpoint.statusCode(), endpoint.body());
    assertEquals(200, node.https.json("PUT", node.control() + "/endpoints/loans", token,
        new JsonObject().put("auth_mode", "key").put("description", "loan checks")).statusCode(), "idempotent PUT");

    HttpResponse<String> deployment = node.https.json("PUT", node.control() + "/endpoints/loans/deployments/green",
        token, new JsonObject().put("model", "risk:7").put("instance_count", 1)
            .put("environment", "azureml:onnx-env:1"));
    assertEquals(201, deployment.statusCode(), deployment.body());
    assertEquals(new JsonArray().add("environment"), new JsonObject(deployment.body()).getJsonArray("ignored_fields"));
    Await.until("green Succeeded", Duration.ofSeconds(60), () -> "Succeeded".equals(deploymentState("loans", "green")));

    HttpResponse<String> traffic = node.https.json("PATCH", node.control() + "/endpoints/loans", token,
        new JsonObject().put("traffic", new JsonObject().put("green", 100)));
    assertEquals(200, traffic.statusCode(), traffic.body());
    assertEquals(100, new JsonObject(traffic.body()).getJsonObject("traffic").getInteger("green"));

    String key = node.primaryKey("loans");
    HttpResponse<String> scored = node.https.send("POST", node.scoring() + "/endpoints/loans/score", key,
        "application/json", Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json")));
    assertEquals(200, scored.statusCode(), scored.body());
    assertEquals("green", scored.headers().firstValue("azureml-model-deployment").orElse(null));
    assertNotEquals(key, node.primaryKey("credit"), "every endpoint has its own keys");
  }

  /** Clients that cannot send PATCH (the JDK's HttpURLConnection, which the CLI uses) send a POST that says so. */
  @Test
  void aPostWithMethodOverridePatchIsAPatchWithThePatchsRole() throws Exception {
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/overridden", token, new JsonObject())
        .statusCode());
    HttpResponse<String> patched = node.https.json("POST", node.control() + "/endpoints/overridden", token,
        new JsonObject().put("description", "patched through POST"), "X-HTTP-Method-Override", "PATCH");
    assertEquals(200, patched.statusCode(), patched.body());
    assertEquals("patched through POST", new JsonObject(patched.body()).getString("description"));
    String reader = node.token("rita", io.inferbus.controlplane.auth.OperatorRole.READER);
    HttpResponse<String> refused = node.https.json("POST", node.control() + "/endpoints/overridden", reader,
        new JsonObject().put("description", "by a reader"), "X-HTTP-Method-Override", "PATCH");
    assertEquals(403, refused.statusCode(), "a PATCH needs the operator role however it is sent: " + refused.body());
    HttpResponse<String> plainPost = node.https.json("POST", node.control() + "/endpoints/overridden", token,
        new JsonObject().put("description", "x"));
    assertEquals(404, plainPost.statusCode(), "without the header a POST is a POST: " + plainPost.body());
    for (String[] other : new String[][] {{"GET", "DELETE"}, {"POST", "DELETE"}, {"POST", "PUT"}, {"GET", "PATCH"}}) {
      HttpResponse<String> r = node.https.json(other[0], node.control() + "/endpoints/overridden", token,
          other[0].equals("GET") ? null : new JsonObject(), "X-HTTP-Method-Override", other[1]);
      assertTrue(r.statusCode() == 200 || r.statusCode() == 404, other[0] + " as " + other[1] + ": " + r.statusCode());
      assertEquals(200, node.https.get(node.control() + "/endpoints/overridden", token).statusCode(),
          other[0] + " with an override to " + other[1] + " is not a " + other[1]);
    }
  }

  @Test
  void keysOfOneEndpointAreRefusedOnAnother() throws Exception {
    String creditKey = node.primaryKey("credit");
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/other", token, new JsonObject())
        .statusCode());
    // the gateway learns of the new endpoint through the cluster's table, a moment after the 201
    AtomicReference<HttpResponse<String>> r = new AtomicReference<>();
    Await.until("the gateway knowing endpoint 'other'", Duration.ofSeconds(10), () -> Await.holds(() -> {
      r.set(node.https.send("POST", node.scoring() + "/endpoints/other/score", creditKey, "application/json",
          "{\"input_data\": [[1,1,1,1,1,1,1]]}".getBytes(StandardCharsets.UTF_8)));
      return r.get().statusCode() != 404;
    }));
    assertEquals(401, r.get().statusCode(), r.get().body());
  }

  @Test
  void regeneratedKeyReplacesTheOldOne() throws Exception {
    assertEquals(201, putModel("regen-model", "1", model).statusCode());
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/rotate", token, new JsonObject()).statusCode());
    String old = node.primaryKey("rotate");
    HttpResponse<String> r = node.https.json("POST", node.control() + "/endpoints/rotate/keys/regenerate", token,
        new JsonObject().put("key_type", "primary"));
    assertEquals(200, r.statusCode(), r.body());
    String fresh = new JsonObject(r.body()).getString("primaryKey");
    assertNotEquals(old, fresh);
    assertEquals(fresh, node.primaryKey("rotate"));
  }

  @Test
  void refusals() throws Exception {
    assertError(putModel("risk-broken", "1", "not an onnx file".getBytes(StandardCharsets.UTF_8)), 400,
        "ONNX Runtime cannot load the model");
    assertEquals(404, node.https.get(node.control() + "/models/risk-broken/versions/1", token).statusCode(),
        "a model ONNX Runtime cannot load is not stored");
    assertEquals(201, putModel("immutable", "1", model).statusCode());
    // the same model with an unknown protobuf field appended (field 1000, varint 1): loadable, other bytes
    byte[] other = java.util.Arrays.copyOf(model, model.length + 3);
    other[model.length] = (byte) 0xC0;
    other[model.length + 1] = (byte) 0x3E;
    other[model.length + 2] = 1;
    assertError(putModel("immutable", "1", other), 409, "versions are immutable");
    assertEquals(201, putModel("immutable", "2", other).statusCode(), "a new version takes the new bytes");
    assertError(node.https.json("PUT", node.control() + "/endpoints/ab", token, new JsonObject()), 400,
        "not a valid endpoint name");
    assertError(node.https.json("PUT", node.control() + "/endpoints/credit/deployments/red", token,
        new JsonObject().put("model", "nosuch:1")), 400, "not registered");
    assertError(node.https.json("PATCH", node.control() + "/endpoints/credit", token,
        new JsonObject().put("traffic", new JsonObject().put("blue", 90))), 400, "sum to 90");
    assertError(node.https.json("PATCH", node.control() + "/endpoints/credit", token,
        new JsonObject().put("traffic", new JsonObject().put("purple", 100))), 400, "'purple'");
    assertError(node.https.json("DELETE", node.control() + "/endpoints/credit/deployments/blue", token, null), 409,
        "live traffic");
    assertError(node.https.json("GET", node.control() + "/endpoints/nosuch", token, null), 404, "no endpoint");
    assertError(node.https.send("PUT", node.control() + "/endpoints/credit", token, "application/json",
        "{not json".getBytes(StandardCharsets.UTF_8)), 400, "malformed JSON");
    assertError(node.https.get(node.control() + "/endpoints", null), 401, "missing credentials");
    // an upload without a token is refused before its body is read (not 413, not buffered)
    assertError(node.https.send("PUT", node.control() + "/models/big/versions/1", null, "application/octet-stream",
        new byte[(int) (io.inferbus.controlplane.ControlPlaneOptions.MAX_MODEL_BYTES / 16)]), 401, "missing credentials");
    assertError(node.https.get(node.control() + "/endpoints", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."), 401,
        "not valid");
    // the refused calls changed nothing: the example still routes all traffic to blue
    JsonObject credit = new JsonObject(node.https.get(node.control() + "/endpoints/credit", token).body());
    assertEquals(100, credit.getJsonObject("traffic").getInteger("blue"));
  }

  @Test
  void auditRecordsWhoChangedWhat() throws Exception {
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/audited", token,
        new JsonObject().put("description", "x"), "x-request-id", "audit-req-1").statusCode());
    JsonArray records = new JsonObject(node.https.get(node.control() + "/audit", token).body()).getJsonArray("value");
    JsonObject record = records.stream().map(JsonObject.class::cast)
        .filter(o -> "audit-req-1".equals(o.getString("request_id"))).findFirst().orElseThrow();
    assertEquals("admin", record.getString("actor"));
    assertEquals("endpoint.create", record.getString("action"));
    assertEquals("endpoints/audited", record.getString("target"));
    assertTrue(record.getJsonObject("after").getString("description").equals("x"));
    assertTrue(!record.getJsonObject("after").containsKey("keys"), "no key material in the audit log");
  }

  private static String deploymentState(String endpoint, String deployment) {
    try {
      return new JsonObject(node.https.get(node.control() + "/endpoints/" + endpoint + "/deployments/" + deployment,
          token).body()).getString("provisioning_state");
    } catch (Exception e) {
      return null;
    }
  }

  private static HttpResponse<String> putModel(String name, String version, byte[] bytes) throws Exception {
    return node.https.send("PUT", node.control() + "/models/" + name + "/versions/" + version, token,
        "application/octet-stream", bytes);
  }

  private static void assertError(HttpResponse<String> r, int status, String messagePart) {
    assertEquals(status, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(error.getString("message").contains(messagePart),
        "message '" + error.getString("message") + "' should contain '" + messagePart + "'");
  }
}
