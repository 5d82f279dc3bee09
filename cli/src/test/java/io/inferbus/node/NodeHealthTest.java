package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/live} and {@code /health/ready} on the management port: ready once every role
 * serves and the node is in the cluster; a node whose cluster member is gone is live but not ready,
 * and says why.
 */
class NodeHealthTest {
  @TempDir
  Path dataDir;

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readyWhileServingAndInTheClusterThenSaysWhyNot() throws Exception {
    TestNode node = TestNode.start(dataDir);
    try {
      int port = node.node().managementPort();
      HttpResponse<String> ready = get(port, "/health/ready");
      assertEquals(200, ready.statusCode(), ready.body());
      JsonObject body = new JsonObject(ready.body());
      assertTrue(body.getBoolean("ready") && body.getBoolean("cluster_member"), body.encode());
      assertFalse(body.containsKey("reason"), body.encode());

      // the node's Hazelcast member stops (as when it is cut off and shuts down): it leaves the cluster
      TestNode.memberOf(node.node().nodeId()).getLifecycleService().terminate();
      HttpResponse<String> notReady = get(port, "/health/ready");
      assertEquals(503, notReady.statusCode(), notReady.body());
      JsonObject why = new JsonObject(notReady.body());
      assertFalse(why.getBoolean("ready"));
      assertFalse(why.getBoolean("cluster_member"));
      assertEquals("not a member of the cluster (Hazelcast stopped)", why.getString("reason"));
      assertEquals(200, get(port, "/health/live").statusCode(), "the process still runs");
    } finally {
      try {
        node.close();
      } catch (Exception stoppingWithoutItsCluster) {
        // the roles' cluster listeners went with the member; the node still closes its ports
      }
    }
  }
}
