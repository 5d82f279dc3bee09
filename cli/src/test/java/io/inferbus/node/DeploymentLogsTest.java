package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /endpoints/{e}/deployments/{d}/logs?lines=N}: the recent log lines of the deployment's
 * own instances, gathered from the deployment nodes, newest last; a failed deployment's lines say
 * why. Its refusals (bad line counts, unknown deployments, no token) need no deployment node: they
 * are tested in the control-plane module (io.inferbus.controlplane.api.ManagementApiTest).
 */
class DeploymentLogsTest extends EmbeddedNodeTest {
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");

  private static HttpResponse<String> logs(String endpoint, String deployment, String query) throws Exception {
    return node.https.get(node.control() + "/endpoints/" + endpoint + "/deployments/" + deployment + "/logs"
        + (query == null ? "" : "?" + query), node.adminToken());
  }

  private static JsonArray lines(String endpoint, String deployment, int n) {
    try {
      HttpResponse<String> r = logs(endpoint, deployment, "lines=" + n);
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("value") : new JsonArray();
    } catch (Exception e) {
      return new JsonArray();
    }
  }

  @Test
  void aDeploymentsLinesAreItsOwnInstancesAndTheLastN() throws Exception {
    node.deploy("logged", "blue", MODEL, new JsonObject().put("instance_count", 2), true);
    node.deploy("logged", "green", MODEL, new JsonObject(), false);
    Await.until("blue's ready lines", Duration.ofSeconds(30), () -> lines("logged", "blue", 100).stream()
        .filter(l -> ((JsonObject) l).getString("message").contains(" ready on ")).count() == 2);
    JsonArray blue = lines("logged", "blue", 100);
    for (Object o : blue) {
      JsonObject line = (JsonObject) o;
      assertTrue(line.getString("instance").startsWith("logged.blue."), line.encode());
      assertTrue(line.getString("message").contains(line.getString("instance")), line.encode());
      assertEquals(node.node().nodeId(), line.getString("node"));
      assertTrue(line.getString("level").matches("INFO|WARN|ERROR|DEBUG"), line.encode());
    }
    for (int i = 1; i < blue.size(); i++) {
      assertTrue(blue.getJsonObject(i - 1).getString("time").compareTo(blue.getJsonObject(i).getString("time")) <= 0,
          "oldest first");
    }
    JsonArray lastOne = lines("logged", "blue", 1);
    assertEquals(1, lastOne.size());
    assertEquals(blue.getJsonObject(blue.size() - 1), lastOne.getJsonObject(0), "lines=1 is the newest line");
    assertTrue(lines("logged", "green", 100).stream()
        .allMatch(l -> ((JsonObject) l).getString("instance").startsWith("logged.green.")));
  }

  @Test
  void aFailedDeploymentsLinesSayWhy() throws Exception {
    // a model ONNX Runtime loads but an instance cannot serve (its input is a sequence): the deployment fails
    String token = node.adminToken();
    assertEquals(201, node.https.send("PUT", node.control() + "/models/sequence-input/versions/1", token,
        "application/octet-stream", java.nio.file.Files.readAllBytes(TestNode.TEST_MODELS.resolve("sequence-input.onnx")))
        .statusCode());
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/failing", token, new JsonObject()).statusCode());
    assertEquals(201, node.https.json("PUT", node.control() + "/endpoints/failing/deployments/seq", token,
        new JsonObject().put("model", "sequence-input:1")).statusCode());
    Await.until("the failure in the logs", Duration.ofSeconds(30), () -> lines("failing", "seq", 50).stream()
        .anyMatch(l -> ((JsonObject) l).getString("message").contains("not a tensor")));
  }

}
