package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Scaling and rolling out a new spec under load fail no request: a stopping instance is published
 * as draining, gets nothing new from the gateways, finishes what it was sent, and only then leaves;
 * the earlier spec's instances serve until the new spec's are ready.
 */
class ScaleDownDrainTest extends EmbeddedNodeTest {
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  static final ExecutorService callers = Executors.newFixedThreadPool(4);

  @AfterAll
  static void stop() throws Exception {
    callers.shutdownNow();
  }

  /** How many instances the control plane lists for the deployment (0 when it cannot be read). */
  private static int instances(String endpoint, String deployment) {
    return instanceIds(endpoint, deployment).size();
  }

  private static void scale(String endpoint, String deployment, int count) throws Exception {
    HttpResponse<String> r = node.https.json("PATCH", node.control() + "/endpoints/" + endpoint + "/deployments/"
        + deployment, node.adminToken(), new JsonObject().put("instance_count", count));
    assertEquals(200, r.statusCode(), r.body());
  }

  /** The ids of the deployment's instances as the control plane lists them (empty when unreadable). */
  private static java.util.Set<String> instanceIds(String endpoint, String deployment) {
    try {
      HttpResponse<String> r = node.https.get(node.control() + "/endpoints/" + endpoint + "/deployments/"
          + deployment, node.adminToken());
      java.util.Set<String> ids = new java.util.HashSet<>();
      new JsonObject(r.body()).getJsonArray("instances").forEach(i -> ids.add(((JsonObject) i).getString("id")));
      return ids;
    } catch (Exception e) {
      return java.util.Set.of();
    }
  }

  @Test
  void aNewSpecRollsOutUnderLoadWithoutAFailedRequest() throws Exception {
    JsonObject spec = new JsonObject().put("instance_count", 2).put("request_settings", new JsonObject()
        .put("max_concurrent_requests_per_instance", 2).put("max_queue_wait_ms", 5_000));
    String key = node.deploy("rollout", "blue", MODEL, spec, true);
    Await.until("2 instances", Duration.ofSeconds(30), () -> instanceIds("rollout", "blue").size() == 2);
    java.util.Set<String> before = instanceIds("rollout", "blue");
    Load load = new Load("rollout", key);
    Await.until("load flowing", Duration.ofSeconds(30), () -> load.ok.get() > 50);
    // a new request_settings is a new spec: every instance is replaced
    HttpResponse<String> r = node.https.json("PATCH", node.control() + "/endpoints/rollout/deployments/blue",
        node.adminToken(), new JsonObject().put("request_settings", new JsonObject()
            .put("max_concurrent_requests_per_instance", 2).put("max_queue_wait_ms", 4_000)));
    assertEquals(200, r.statusCode(), r.body());
    Await.until("every instance replaced", Duration.ofSeconds(30), () -> {
      java.util.Set<String> now = instanceIds("rollout", "blue");
      return now.size() == 2 && java.util.Collections.disjoint(now, before);
    });
    int afterRollout = load.ok.get();
    Await.until("load still flowing after the rollout", Duration.ofSeconds(30), () -> load.ok.get() > afterRollout + 50);
    load.stop();
    assertTrue(load.failures.isEmpty(), "failed requests during the rollout: " + load.failures);
  }

  /** A bounded load of 4 callers on an endpoint, until stopped or 5,000 requests per caller. */
  private static final class Load {
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicInteger ok = new AtomicInteger();
    final Map<Integer, String> failures = new ConcurrentHashMap<>();
    final List<Future<?>> callers = new java.util.ArrayList<>();

    Load(String endpoint, String key) throws Exception {
      byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
      for (int c = 0; c < 4; c++) {
        callers.add(ScaleDownDrainTest.callers.submit(() -> {
          for (int i = 0; i < 5_000 && running.get(); i++) {
            try {
              HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score",
                  key, "application/json", sample);
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
              } else {
                failures.put(r.statusCode(), r.body());
              }
            } catch (Exception e) {
              failures.put(-1, e.toString());
            }
          }
          return null;
        }));
      }
    }

    void stop() throws Exception {
      running.set(false);
      for (Future<?> f : callers) {
        f.get();
      }
    }
  }

  @Test
  void scalingDownAndUpUnderLoadFailsNoRequest() throws Exception {
    JsonObject spec = new JsonObject().put("instance_count", 3).put("request_settings", new JsonObject()
        .put("max_concurrent_requests_per_instance", 2).put("max_queue_wait_ms", 5_000));
    String key = node.deploy("drain", "blue", MODEL, spec, true);
    Await.until("3 instances", Duration.ofSeconds(30), () -> instances("drain", "blue") == 3);
    Load load = new Load("drain", key);
    Await.until("load flowing", Duration.ofSeconds(30), () -> load.ok.get() > 50);
    scale("drain", "blue", 1);
    Await.until("scaled down to 1 instance", Duration.ofSeconds(30), () -> instances("drain", "blue") == 1);
    int afterDown = load.ok.get();
    Await.until("load still flowing after the scale-down", Duration.ofSeconds(30),
        () -> load.ok.get() > afterDown + 50);
    scale("drain", "blue", 2);
    Await.until("scaled up to 2 instances", Duration.ofSeconds(30), () -> instances("drain", "blue") == 2);
    int afterUp = load.ok.get();
    Await.until("load still flowing after the scale-up", Duration.ofSeconds(30), () -> load.ok.get() > afterUp + 50);
    load.stop();
    assertTrue(load.failures.isEmpty(), "failed requests while scaling: " + load.failures);
    assertTrue(load.ok.get() > 150, "served " + load.ok.get());
  }
}
