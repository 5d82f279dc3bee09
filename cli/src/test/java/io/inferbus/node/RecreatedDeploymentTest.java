package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A deployment deleted and created again under its name at once (a script re-running, the CLI's
 * delete then create): the new one's state and instances are its own, never its predecessor's
 * instances that are still draining, so that waiting for Succeeded (the CLI's create) waits for the
 * new model.
 */
class RecreatedDeploymentTest extends EmbeddedNodeTest {
  @Test
  void aDeploymentCreatedAgainAtOnceDoesNotCountItsPredecessorsInstances() throws Exception {
    String token = node.adminToken();
    node.deploy("again", "blue", TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx"),
        new JsonObject().put("instance_count", 2), false);
    String url = node.control() + "/endpoints/again/deployments/blue";
    Set<String> before = ids(new JsonObject(node.https.get(url, token).body()));
    assertEquals(2, before.size());

    assertEquals(200, node.https.json("DELETE", url, token, null).statusCode());
    JsonObject created = new JsonObject(node.https.json("PUT", url, token,
        new JsonObject().put("model", "german-credit-bad-risk:1").put("instance_count", 2)).body());
    assertNotEquals("Succeeded", created.getString("provisioning_state"), created.encode());
    assertTrue(ids(created).stream().noneMatch(before::contains),
        "the draining instances of the deleted deployment are not the new one's: " + created.encode());

    Await.until("the new blue Succeeded", Duration.ofSeconds(60), () -> {
      try {
        return "Succeeded".equals(new JsonObject(node.https.get(url, token).body()).getString("provisioning_state"));
      } catch (Exception e) {
        return false;
      }
    });
    JsonObject settled = new JsonObject(node.https.get(url, token).body());
    assertEquals(2, ids(settled).size(), settled.encode());
    assertTrue(ids(settled).stream().noneMatch(before::contains), settled.encode());
  }

  private static Set<String> ids(JsonObject deployment) {
    Set<String> ids = new HashSet<>();
    for (Object o : deployment.getJsonArray("instances", new JsonArray())) {
      ids.add(((JsonObject) o).getString("id"));
    }
    return ids;
  }
}
