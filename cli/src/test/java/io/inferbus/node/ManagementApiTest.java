package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
 * endpoint and a deployment, send it traffic, score it, read its keys. The management API's routes,
 * roles, refusals and method override need no scoring: they are tested in the control-plane module
 * (io.inferbus.controlplane.api).
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

}
