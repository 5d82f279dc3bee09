package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.Await;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Azure's request_settings on a busy instance: over max_concurrent_requests_per_instance a request
 * waits at most max_queue_wait_ms, then 429; past request_timeout_ms the caller gets 408 and queued
 * work is abandoned, not run late. The slow-matmul test model is held busy by its {@code size} input.
 */
class RequestSettingsTest extends EmbeddedNodeTest {
  /** size of the all-ones matrix squared per slow request: long enough to hold the instance busy */
  static final int SLOW = 3500;
  static final ExecutorService callers = Executors.newFixedThreadPool(8);

  @AfterAll
  static void stop() throws Exception {
    callers.shutdownNow();
  }

  @Test
  void aRequestThatWaitsPastMaxQueueWaitIs429() throws Exception {
    String key = node.deploy("queued", "busy", TestNode.TEST_MODELS.resolve("slow-matmul.onnx"), new JsonObject()
        .put("request_settings", new JsonObject().put("max_concurrent_requests_per_instance", 1)
            .put("max_queue_wait_ms", 30).put("request_timeout_ms", 60_000)), true);
    double runsBefore = runs("queued");
    CompletableFuture<HttpResponse<String>> slow = async(key, "queued", SLOW);
    Await.until("the slow request running", Duration.ofSeconds(30), () -> runs("queued") > runsBefore);
    HttpResponse<String> waited = score(key, "queued", 1);
    assertEquals(429, waited.statusCode(), waited.body());
    JsonObject error = new JsonObject(waited.body()).getJsonObject("error");
    assertEquals("TooManyRequests", error.getString("code"));
    assertTrue(error.getString("message").contains("max_queue_wait_ms"), error.getString("message"));
    assertEquals(200, slow.get().statusCode(), slow.get().body());
    // on a loaded machine the first request after may still wait past 30 ms: wait for one that does not
    Await.until("a request served once the instance is free again", Duration.ofSeconds(10),
        () -> io.inferbus.testing.Await.holds(() -> score(key, "queued", 1).statusCode() == 200));
  }

  @Test
  void pastRequestTimeoutTheCallerGets408AndQueuedWorkIsAbandoned() throws Exception {
    String key = node.deploy("deadline", "busy", TestNode.TEST_MODELS.resolve("slow-matmul.onnx"), new JsonObject()
        .put("request_settings", new JsonObject().put("max_concurrent_requests_per_instance", 1)
            .put("max_queue_wait_ms", 60_000).put("request_timeout_ms", 150)), true);
    double runsBefore = runs("deadline");
    CompletableFuture<HttpResponse<String>> slow = async(key, "deadline", SLOW);
    Await.until("the slow request running", Duration.ofSeconds(30), () -> runs("deadline") > runsBefore);
    HttpResponse<String> queued = score(key, "deadline", 1);
    assertEquals(408, queued.statusCode(), queued.body());
    assertEquals("RequestTimeout", new JsonObject(queued.body()).getJsonObject("error").getString("code"));
    assertTrue(new JsonObject(queued.body()).getJsonObject("error").getString("message").contains("150 ms"));
    assertEquals(408, slow.get().statusCode(), "the slow request itself ran past its deadline");
    // the queued request is dropped when the instance gets to it: it never runs
    Await.until("the queued request abandoned", Duration.ofSeconds(30),
        () -> metricQuietly("inferbus_instance_requests_total", "endpoint=\"deadline\"", "outcome=\"timed_out\"") >= 1);
    assertEquals(runsBefore + 1, runs("deadline"), "only the slow request ran");
  }

  @Test
  void overloadGivesOnly200sAnd429sNever5xx() throws Exception {
    String key = node.deploy("overload", "busy", TestNode.TEST_MODELS.resolve("slow-matmul.onnx"), new JsonObject()
        .put("request_settings", new JsonObject().put("max_concurrent_requests_per_instance", 1)
            .put("max_queue_wait_ms", 20).put("request_timeout_ms", 30_000)), true);
    // bounded: 8 callers x 12 requests on loopback, each request ~10 ms of model time
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int caller = 0; caller < 8; caller++) {
      all.add(CompletableFuture.supplyAsync(() -> null, callers).thenComposeAsync(v -> {
        CompletableFuture<HttpResponse<String>> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < 12; i++) {
          chain = chain.thenApply(prev -> {
            try {
              HttpResponse<String> r = score(key, "overload", 800);
              statuses.add(r.statusCode());
              return r;
            } catch (Exception e) {
              throw new RuntimeException(e);
            }
          });
        }
        return chain;
      }, callers));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get();
    assertEquals(96, statuses.size());
    assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 429), "statuses: " + statuses);
    assertTrue(statuses.contains(200), "some served: " + statuses);
    assertTrue(statuses.contains(429), "some refused as overloaded: " + statuses);
  }

  static final List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());

  private static double runs(String endpoint) {
    return metricQuietly("inferbus_instance_runs_total", "endpoint=\"" + endpoint + "\"");
  }

  private static double metricQuietly(String name, String... labels) {
    try {
      return node.metric(name, labels);
    } catch (Exception e) {
      return -1;
    }
  }

  private static CompletableFuture<HttpResponse<String>> async(String key, String endpoint, int size) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return score(key, endpoint, size);
      } catch (Exception e) {
        throw new RuntimeException(e);
      }
    }, callers);
  }

  static HttpResponse<String> score(String key, String endpoint, int size) throws Exception {
    String body = "{\"input_data\": {\"x\": [[1.5]], \"size\": [" + size + ", " + size + "]}}";
    return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
        body.getBytes(StandardCharsets.UTF_8));
  }
}
