package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restart on the same data dir keeps endpoints, deployments, traffic, keys and credentials. */
class NodeRestartTest {
  @TempDir
  Path dataDir;

  @Test
  void restartKeepsStateAndTheSameKeyStillScores() throws Exception {
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    String key;
    String token;
    String firstAnswer;
    try (TestNode first = TestNode.start(dataDir)) {
      token = first.adminToken();
      key = first.primaryKey("credit");
      first.awaitReady("credit", key);
      HttpResponse<String> r = first.https.send("POST", first.scoring() + "/endpoints/credit/score", key,
          "application/json", sample);
      assertEquals(200, r.statusCode(), r.body());
      firstAnswer = r.body();
      // a change acknowledged before the restart must survive it
      HttpResponse<String> patch = first.https.json("PATCH", first.control() + "/endpoints/credit", token,
          new JsonObject().put("description", "changed before restart"));
      assertEquals(200, patch.statusCode(), patch.body());
    }

    try (TestNode second = TestNode.start(dataDir)) {
      assertNull(second.node().seededExampleEndpoint(), "the example is registered once, not on every start");
      assertEquals(token, second.adminToken(), "the admin token in client.json is kept");
      assertEquals(key, second.primaryKey("credit"));
      second.awaitReady("credit", key);
      HttpResponse<String> r = second.https.send("POST", second.scoring() + "/endpoints/credit/score", key,
          "application/json", sample);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals(new JsonObject(firstAnswer), new JsonObject(r.body()));
      JsonObject endpoint = new JsonObject(second.https.get(second.control() + "/endpoints/credit", token).body());
      assertEquals("changed before restart", endpoint.getString("description"));
      assertEquals(100, endpoint.getJsonObject("traffic").getInteger("blue"));
      JsonObject deployment = new JsonObject(
          second.https.get(second.control() + "/endpoints/credit/deployments/blue", token).body());
      assertEquals("Succeeded", deployment.getString("provisioning_state"), deployment.encodePrettily());
    }
  }
}
