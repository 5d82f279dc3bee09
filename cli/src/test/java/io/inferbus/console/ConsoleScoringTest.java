package io.inferbus.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /endpoints/{e}/test?deployment=D}, what the console's test tab calls: the control
 * plane sends the body through the gateway with the endpoint's own credential (its key, or a scoring
 * token it issues), pinned to D when given, and answers the gateway's status, time, serving
 * deployment, request id and body, whatever the status. Bad inputs tried: an aad_token endpoint
 * (409), a reader's token (403), no token (401), an unknown endpoint (404), a deployment name that
 * is none (400), an unknown deployment and a malformed body (the gateway's 404 and 400, relayed), a
 * body over 1 MiB (413).
 */
class ConsoleScoringTest extends EmbeddedNodeTest {
  static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  static String admin;
  static String sample;

  @BeforeAll
  static void endpoints() throws Exception {
    admin = node.adminToken();
    sample = Files.readString(TestNode.EXAMPLE.resolve("sample-request.json"));
    node.awaitReady("credit", node.primaryKey("credit"));
    node.deploy("credit", "green", MODEL, new JsonObject(), false); // 0 % traffic: reached only when pinned
    node.deploy("tokened", "blue", MODEL, new JsonObject(), true);
    ok(node.https.json("PUT", node.control() + "/endpoints/tokened", admin, new JsonObject().put("auth_mode", "aml_token")));
    ok(node.https.json("PUT", node.control() + "/endpoints/entra", admin, new JsonObject().put("auth_mode", "aad_token")));
  }

  static void ok(HttpResponse<String> r) {
    assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.uri() + ": " + r.statusCode() + " " + r.body());
  }

  static HttpResponse<String> test(String path, String token, String body) throws Exception {
    return node.https.send("POST", node.control() + path, token, "application/json", body.getBytes());
  }

  static JsonObject answer(HttpResponse<String> r) {
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  @Test
  void aKeyEndpointIsScoredThroughTheGatewayPinnedToTheChosenDeployment() throws Exception {
    for (String deployment : new String[] {"blue", "green"}) {
      HttpResponse<String> r = test("/endpoints/credit/test?deployment=" + deployment, admin, sample);
      JsonObject shown = answer(r);
      assertEquals(200, shown.getInteger("status"), r.body());
      assertEquals(deployment, shown.getJsonObject("headers").getString("azureml-model-deployment"));
      assertEquals(4, shown.getJsonObject("body").getJsonArray("label").size(), r.body());
      assertTrue(shown.getLong("duration_ms") >= 0);
      // the scoring request carries the management request's id: one id in both logs
      assertEquals(r.headers().firstValue("x-request-id").orElseThrow(),
          shown.getJsonObject("headers").getString("x-request-id"));
    }
    JsonObject unpinned = answer(test("/endpoints/credit/test", node.token("ops", OperatorRole.OPERATOR), sample));
    assertEquals(200, unpinned.getInteger("status"));
    assertEquals("blue", unpinned.getJsonObject("headers").getString("azureml-model-deployment"), "by its weights");
  }

  @Test
  void theGatewaysRefusalsAreShownAsTheyCame() throws Exception {
    JsonObject badInput = answer(test("/endpoints/credit/test?deployment=blue", admin, "{\"input_data\": [[1, 2]]}"));
    assertEquals(400, badInput.getInteger("status"));
    assertTrue(badInput.getJsonObject("body").getJsonObject("error").getString("message").contains("features"),
        badInput.encode());
    JsonObject unknown = answer(test("/endpoints/credit/test?deployment=purple", admin, sample));
    assertEquals(404, unknown.getInteger("status"), unknown.encode());
    JsonObject notJson = answer(test("/endpoints/credit/test", admin, "not json"));
    assertEquals(400, notJson.getInteger("status"), notJson.encode());
  }

  @Test
  void anAmlTokenEndpointIsScoredWithATokenTheControlPlaneIssues() {
    // the gateways take the new auth mode within a second of the PUT
    Await.until("tokened scored with an issued token", Duration.ofSeconds(10), () -> Await.holds(() ->
        answer(test("/endpoints/tokened/test", admin, sample)).getInteger("status") == 200));
  }

  @Test
  void anAadTokenEndpointCannotBeTestedFromTheConsole() throws Exception {
    HttpResponse<String> r = test("/endpoints/entra/test", admin, sample);
    assertEquals(409, r.statusCode(), r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("Conflict", error.getString("code"));
    assertTrue(error.getString("message").contains("aad_token"), error.encode());
    assertEquals("auth_mode", error.getString("target"));
  }

  @Test
  void onlyAnOperatorMayTestAndOnlyWhatExists() throws Exception {
    assertEquals(403, test("/endpoints/credit/test", node.token("viewer", OperatorRole.READER), sample).statusCode());
    assertEquals(401, test("/endpoints/credit/test", null, sample).statusCode());
    assertEquals(404, test("/endpoints/nowhere/test", admin, sample).statusCode());
    HttpResponse<String> badName = test("/endpoints/credit/test?deployment=x", admin, sample);
    assertEquals(400, badName.statusCode(), badName.body());
    assertEquals("deployment", new JsonObject(badName.body()).getJsonObject("error").getString("target"));
    String large = "{\"input_data\": \"" + "x".repeat(1024 * 1024) + "\"}";
    assertEquals(413, test("/endpoints/credit/test", admin, large).statusCode());
  }
}
