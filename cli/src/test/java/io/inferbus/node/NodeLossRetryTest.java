package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment node dies (a separate process, SIGKILL) while it runs requests the gateway sent it.
 * The event bus would let those requests wait for their deadline (60 s here) and answer 408; the
 * gateway learns from the cluster that the node left, and sends each of them once more to the
 * instance on the surviving node, so every caller gets its 200 long before the deadline.
 */
class NodeLossRetryTest extends EmbeddedNodeTest {
  private static final Path MODEL = TestNode.TEST_MODELS.resolve("slow-matmul.onnx");
  /** slow-matmul's work per request: a 2,000 x 2,000 matrix product, about a second with 8 at once here. */
  private static final int SIZE = 2000;
  private static final int TIMEOUT_MS = 60_000;
  @TempDir
  static Path peerDir;
  static NodeProcess peer;
  static final ExecutorService callers = Executors.newFixedThreadPool(8);

  @BeforeAll
  static void start() throws Exception {
    peer = NodeProcess.deploymentNode(peerDir.resolve("data"), node.dataDir.resolve("join.json"),
        Path.of("target", "node-loss"), "deployment-node").awaitPortsFile(Duration.ofMinutes(2));
  }

  @AfterAll
  static void stop() throws Exception {
    callers.shutdownNow();
    if (peer != null) {
      peer.close();
    }
  }

  private static HttpResponse<String> score(String key) {
    String body = "{\"input_data\": {\"x\": [[1.5]], \"size\": [" + SIZE + ", " + SIZE + "]}}";
    try {
      return node.https.send("POST", node.scoring() + "/endpoints/lossy/score", key, "application/json",
          body.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static double retries() {
    return node.metricQuietly("inferbus_gateway_retries_total", "endpoint=\"lossy\"", "reason=\"node_left\"");
  }

  @Test
  void requestsInFlightOnANodeThatDiesAreAnsweredByAnInstanceElsewhere() throws Exception {
    String key = node.deploy("lossy", "blue", MODEL, new JsonObject().put("instance_count", 2)
        .put("request_settings", new JsonObject().put("max_concurrent_requests_per_instance", 4)
            .put("max_queue_wait_ms", TIMEOUT_MS).put("request_timeout_ms", TIMEOUT_MS)), true);
    JsonObject deployment = new JsonObject(node.https.get(node.control() + "/endpoints/lossy/deployments/blue",
        node.adminToken()).body());
    Set<String> nodes = deployment.getJsonArray("instances").stream().map(JsonObject.class::cast)
        .map(i -> i.getString("node")).collect(Collectors.toSet());
    assertEquals(Set.of(node.node().nodeId(), peer.nodeId()), nodes, "one instance on each node: " + deployment
        + (peer.process().isAlive() ? "" : " (the peer exited with " + peer.process().exitValue() + ")"));
    assertTrue(retries() <= 0, "no retry before the node dies");
    double localBefore = node.metric("inferbus_gateway_deliveries_total", "path=\"local\"");
    double remoteBefore = node.metric("inferbus_gateway_deliveries_total", "path=\"event_bus\"");

    // 8 callers at once: the gateway sends the less loaded instance each, so about half go to the peer
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> score(key), callers));
    }
    Await.until("the peer running requests", Duration.ofSeconds(30),
        () -> peer.metricQuietly("inferbus_instance_runs_total", "endpoint=\"lossy\"") > 0);
    long killedAt = System.nanoTime();
    assertEquals(137, peer.kill(), "SIGKILL");

    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> r = call.get(2 * TIMEOUT_MS, TimeUnit.MILLISECONDS);
      assertEquals(200, r.statusCode(), r.body());
      statuses.add(r.statusCode());
    }
    long answeredMs = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.printf("NodeLossRetryTest: all 8 answered %d ms after the kill, %d sent again%n", answeredMs,
        (long) retries());
    assertTrue(retries() >= 1, "requests in flight on the dead node were sent again: " + retries());
    assertTrue(answeredMs < TIMEOUT_MS, "answered " + answeredMs + " ms after the kill, before the deadline");
    // and the endpoint keeps serving from the surviving instance
    assertEquals(200, score(key).statusCode());
    // the instance on the gateway's node was handed its requests directly, the peer's came over the event bus
    assertTrue(node.metric("inferbus_gateway_deliveries_total", "path=\"local\"") - localBefore >= 1 + retries());
    assertTrue(node.metric("inferbus_gateway_deliveries_total", "path=\"event_bus\"") - remoteBefore >= 1);
  }
}
