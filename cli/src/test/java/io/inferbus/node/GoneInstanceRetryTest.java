package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.cluster.SignedMap;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An instance that is gone before it takes a request (its consumer unregistered, its node left) while
 * the instance table still lists it: the gateway sends the request once more to another ready
 * instance of the deployment, so the caller never sees the loss. The fault is injected as a "ghost"
 * entry in the cluster's instance table whose event-bus address nobody consumes.
 */
class GoneInstanceRetryTest extends EmbeddedNodeTest {
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
  }

  private static HttpResponse<String> score(String key) {
    try {
      return node.https.send("POST", node.scoring() + "/endpoints/retry/score", key, "application/json", sample);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aRequestToAGoneInstanceIsSentOnceMoreToAnother() throws Exception {
    String key = node.deploy("retry", "blue", MODEL, new JsonObject(), true);
    // the node's own credential signs the ghost: a record forged without one is ignored (RogueMemberTest)
    SignedMap table = node.node().records().map(ClusterMaps.INSTANCES);
    Map.Entry<String, JsonObject> real = table.entries().entrySet().stream()
        .filter(e -> e.getKey().startsWith("retry.blue.")).findFirst().orElseThrow();
    InstanceState live = InstanceState.fromJson(real.getValue());
    String ghostId = "retry.blue.deadbeef";
    InstanceState ghost = new InstanceState(ghostId, live.endpoint(), live.deployment(), live.generation(),
        live.node(), Addresses.instance(ghostId), InstanceState.READY, null, live.since(), live.signature());

    // first the ghost alone: with no other instance to try, the loss shows (which proves the gateway sees it)
    table.set(ghostId, ghost.toJson());
    table.delete(real.getKey());
    Await.until("the gateway routing to the ghost alone", Duration.ofSeconds(30), () -> {
      HttpResponse<String> r = score(key);
      return r.statusCode() == 503 && r.body().contains("is gone");
    });

    // then the ghost beside the real instance: about half the requests pick the ghost first
    table.set(real.getKey(), live.toJson());
    Await.until("the gateway routing to the real instance again", Duration.ofSeconds(30),
        () -> score(key).statusCode() == 200);
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r = score(key);
      assertEquals(200, r.statusCode(), "request " + i + ": " + r.body());
      assertTrue(r.body().contains("probabilities"), r.body());
    }
    table.delete(ghostId);
  }
}
