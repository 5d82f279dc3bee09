package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dynamic batching as a caller sees it: concurrent requests to a batched deployment of the example
 * model get exactly the answers the same rows get one by one from the unbatched example, in their
 * own shape and protocol, while the model runs fewer times than there were requests. Bad inputs
 * tried: {@code batching} specs with max_batch_size 0 and 5000, max_batch_delay_ms -1 and 1001,
 * strings, fractions and booleans for the numbers, a string, an array and a boolean for the object,
 * and an unknown field.
 */
class BatchingTest extends EmbeddedNodeTest {
  private static final double TOLERANCE = 1e-5;
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  private static final int ROWS = 64;
  /** the seeded example endpoint: unbatched, the reference */
  static String creditKey;
  /** endpoint "batched": deployment b32 (32 rows, 20 ms) with all traffic, nodelay (8 rows, 0 ms) pinned */
  static String batchedKey;
  /** 64 distinct applicants; the first four are the example's, with checked-in expected outputs */
  static final List<JsonArray> rows = new ArrayList<>();
  /** each row's answer from the unbatched example endpoint, scored one request per row */
  static final List<JsonObject> reference = new ArrayList<>();
  static final ExecutorService callers = Executors.newFixedThreadPool(32);

  @BeforeAll
  static void start() throws Exception {
    creditKey = node.primaryKey("credit");
    node.awaitReady("credit", creditKey);
    JsonObject requestSettings = new JsonObject().put("max_concurrent_requests_per_instance", 1)
        .put("max_queue_wait_ms", 30_000).put("request_timeout_ms", 60_000);
    batchedKey = node.deploy("batched", "b32", MODEL, new JsonObject().put("request_settings", requestSettings)
        .put("batching", new JsonObject().put("max_batch_size", 32).put("max_batch_delay_ms", 20)), true);
    node.deploy("batched", "nodelay", MODEL, new JsonObject().put("request_settings", requestSettings)
        .put("batching", new JsonObject().put("max_batch_size", 8).put("max_batch_delay_ms", 0)), false);

    JsonObject expected = new JsonObject(Files.readString(TestNode.EXAMPLE.resolve("expected-outputs.json")));
    expected.getJsonArray("input_data").forEach(row -> rows.add((JsonArray) row));
    for (int i = rows.size(); i < ROWS; i++) {
      rows.add(new JsonArray().add(6.0 + i % 12 * 6).add(500.0 + i * 217).add(1.0 + i % 4).add(1.0 + i / 4 % 4)
          .add(19.0 + i * 7 % 56).add(1.0 + i % 3).add(1.0 + i % 2));
    }
    for (JsonArray row : rows) {
      HttpResponse<String> r = azure("credit", creditKey, List.of(row));
      assertEquals(200, r.statusCode(), r.body());
      reference.add(new JsonObject(r.body()));
    }
    // the reference itself reproduces the checked-in expected outputs
    JsonObject outputs = expected.getJsonObject("outputs");
    for (int i = 0; i < 4; i++) {
      assertClose(outputs.getJsonArray("probabilities").getJsonArray(i),
          reference.get(i).getJsonArray("probabilities").getJsonArray(0), "reference row " + i);
      assertEquals(outputs.getJsonArray("label").getValue(i), reference.get(i).getJsonArray("label").getValue(0));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    callers.shutdownNow();
  }

  @Test
  void concurrentRequestsShareRunsAndEachGetsItsOwnRowsAnswer() throws Exception {
    double runsBefore = runs("b32");
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      JsonArray row = rows.get(i);
      calls.add(() -> azure("batched", batchedKey, List.of(row)));
    }
    List<HttpResponse<String>> answers = concurrently(calls);
    for (int i = 0; i < ROWS; i++) {
      HttpResponse<String> r = answers.get(i);
      assertEquals(200, r.statusCode(), "row " + i + ": " + r.body());
      assertEquals("b32", r.headers().firstValue("azureml-model-deployment").orElse(null));
      assertAnswers(new JsonObject(r.body()), i);
    }
    double runs = runs("b32") - runsBefore;
    assertTrue(runs < ROWS, ROWS + " concurrent requests to a batched deployment ran the model " + runs
        + " times: requests were not batched");
    assertTrue(runs >= ROWS / 32, "at most 32 rows per run (max_batch_size), but " + ROWS + " rows took " + runs
        + " runs");
  }

  @Test
  void requestsOfDifferentRowCountsInOneBatchEachGetTheirOwnShape() throws Exception {
    double runsBefore = runs("b32");
    List<List<Integer>> requests = new ArrayList<>();
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < 24; i++) {
      int count = i % 2 == 0 ? 1 : 3; // [1, 7] and [3, 7] alternate
      List<Integer> picked = new ArrayList<>();
      for (int k = 0; k < count; k++) {
        picked.add(next++ % ROWS);
      }
      requests.add(picked);
      List<JsonArray> body = picked.stream().map(rows::get).toList();
      calls.add(() -> azure("batched", batchedKey, body));
    }
    List<HttpResponse<String>> answers = concurrently(calls);
    for (int i = 0; i < requests.size(); i++) {
      HttpResponse<String> r = answers.get(i);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject answer = new JsonObject(r.body());
      List<Integer> picked = requests.get(i);
      assertEquals(picked.size(), answer.getJsonArray("probabilities").size(),
          "request " + i + " sent " + picked.size() + " rows and must get as many back: " + r.body());
      assertEquals(picked.size(), answer.getJsonArray("label").size(), r.body());
      for (int k = 0; k < picked.size(); k++) {
        int row = picked.get(k);
        assertClose(reference.get(row).getJsonArray("probabilities").getJsonArray(0),
            answer.getJsonArray("probabilities").getJsonArray(k), "request " + i + " row " + k);
        assertEquals(reference.get(row).getJsonArray("label").getValue(0), answer.getJsonArray("label").getValue(k),
            "label of request " + i + " row " + k);
      }
    }
    assertTrue(runs("b32") - runsBefore < requests.size(), "the requests of both shapes were batched");
  }

  @Test
  void azureAndOpenInferenceRequestsInOneBatchEachGetTheirOwnProtocolAndId() throws Exception {
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      JsonArray row = rows.get(i);
      String id = "req-" + i;
      if (i % 2 == 0) {
        calls.add(() -> azure("batched", batchedKey, List.of(row)));
      } else if (i % 4 == 1) {
        calls.add(() -> v2("batched", batchedKey, id, row, null));
      } else {
        calls.add(() -> v2("batched", batchedKey, id, row, "label")); // only one output requested
      }
    }
    List<HttpResponse<String>> answers = concurrently(calls);
    for (int i = 0; i < 32; i++) {
      HttpResponse<String> r = answers.get(i);
      assertEquals(200, r.statusCode(), r.body());
      JsonObject answer = new JsonObject(r.body());
      if (i % 2 == 0) {
        assertAnswers(answer, i);
        continue;
      }
      assertEquals("req-" + i, answer.getString("id"), "each V2 answer carries its own request's id");
      assertEquals("batched", answer.getString("model_name"));
      assertEquals("b32", answer.getString("model_version"));
      JsonArray outputs = answer.getJsonArray("outputs");
      JsonObject label = output(outputs, "label");
      assertEquals(new JsonArray().add(1), label.getJsonArray("shape"), r.body());
      assertEquals(reference.get(i).getJsonArray("label"), label.getJsonArray("data"), "label of row " + i);
      if (i % 4 == 1) {
        JsonObject probabilities = output(outputs, "probabilities");
        assertEquals(new JsonArray().add(1).add(2), probabilities.getJsonArray("shape"), r.body());
        assertClose(reference.get(i).getJsonArray("probabilities").getJsonArray(0),
            probabilities.getJsonArray("data"), "V2 row " + i);
      } else {
        assertEquals(1, outputs.size(), "only the requested output 'label': " + r.body());
      }
    }
  }

  @Test
  void withoutBatchDelayConcurrentRequestsAreStillAnsweredCorrectly() throws Exception {
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      JsonArray row = rows.get(ROWS - 1 - i);
      calls.add(() -> azure("batched", batchedKey, List.of(row), "azureml-model-deployment", "nodelay"));
    }
    List<HttpResponse<String>> answers = concurrently(calls);
    for (int i = 0; i < 32; i++) {
      HttpResponse<String> r = answers.get(i);
      assertEquals(200, r.statusCode(), r.body());
      assertEquals("nodelay", r.headers().firstValue("azureml-model-deployment").orElse(null));
      assertAnswers(new JsonObject(r.body()), ROWS - 1 - i);
    }
    HttpResponse<String> alone = azure("batched", batchedKey, rows.subList(0, 4), "azureml-model-deployment",
        "nodelay");
    assertEquals(200, alone.statusCode(), alone.body());
    assertEquals(4, new JsonObject(alone.body()).getJsonArray("label").size(), "a lone request is not held back");
  }

  @Test
  void aBatchedSequenceOfMapsOutputGivesEachRequestItsOwnMaps() throws Exception {
    String key = node.deploy("zipmaps", "batched", TestNode.TEST_MODELS.resolve("zipmap-classifier.onnx"),
        new JsonObject().put("request_settings", new JsonObject().put("max_queue_wait_ms", 30_000)
            .put("request_timeout_ms", 60_000)).put("batching", new JsonObject().put("max_batch_size", 16)
            .put("max_batch_delay_ms", 20)), true);
    double runsBefore = node.metric("inferbus_instance_runs_total", "endpoint=\"zipmaps\"");
    List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      double p = (i + 1) / 32.0;
      // every third request has two rows: [p, 1-p] and [1-p, p]
      String rowsJson = i % 3 == 2 ? "[[" + p + ", " + (1 - p) + "], [" + (1 - p) + ", " + p + "]]"
          : "[[" + p + ", " + (1 - p) + "]]";
      calls.add(() -> node.https.send("POST", node.scoring() + "/endpoints/zipmaps/score", key, "application/json",
          ("{\"input_data\": " + rowsJson + "}").getBytes(StandardCharsets.UTF_8)));
    }
    List<HttpResponse<String>> answers = concurrently(calls);
    for (int i = 0; i < answers.size(); i++) {
      HttpResponse<String> r = answers.get(i);
      assertEquals(200, r.statusCode(), r.body());
      double p = (i + 1) / 32.0;
      JsonArray maps = new JsonObject(r.body()).getJsonArray("probabilities");
      assertEquals(i % 3 == 2 ? 2 : 1, maps.size(), "one map per row of request " + i + ": " + r.body());
      assertEquals(p, maps.getJsonObject(0).getDouble("0"), TOLERANCE, "request " + i + ": " + r.body());
      assertEquals(1 - p, maps.getJsonObject(0).getDouble("1"), TOLERANCE, "request " + i + ": " + r.body());
      if (i % 3 == 2) {
        assertEquals(1 - p, maps.getJsonObject(1).getDouble("0"), TOLERANCE, "request " + i + ": " + r.body());
      }
    }
    assertTrue(node.metric("inferbus_instance_runs_total", "endpoint=\"zipmaps\"") - runsBefore < answers.size(),
        "the requests were batched");
  }

  /**
   * A lone request on an idle batched deployment waits at most max_batch_delay_ms for company; when
   * that is longer than max_queue_wait_ms, it must still be served (or the spec refused up front),
   * never answered 429 "busy" by an instance that runs nothing.
   */
  @Test
  void aLoneRequestIsServedWhenTheBatchDelayIsLongerThanTheQueueWait() throws Exception {
    JsonObject spec = new JsonObject()
        .put("request_settings", new JsonObject().put("max_queue_wait_ms", 100).put("request_timeout_ms", 10_000))
        .put("batching", new JsonObject().put("max_batch_size", 32).put("max_batch_delay_ms", 1000));
    HttpResponse<String> put = node.https.json("PUT", node.control() + "/endpoints/batched/deployments/patient",
        node.adminToken(), spec.copy().put("model", "german-credit-bad-risk:1"));
    if (put.statusCode() == 400) { // refusing the combination up front is an acceptable answer too
      assertTrue(put.body().contains("max_batch_delay_ms"), put.body());
      return;
    }
    node.deploy("batched", "patient", MODEL, spec, false);
    HttpResponse<String> r = azure("batched", batchedKey, List.of(rows.get(5)), "azureml-model-deployment", "patient");
    assertEquals(200, r.statusCode(), "a lone request on an idle deployment with max_batch_delay_ms 1000 and"
        + " max_queue_wait_ms 100 was refused: the partial batch's delay timer outlives the request's queue-wait"
        + " timer, which then answers 429 although nothing runs: " + r.body());
    assertAnswers(new JsonObject(r.body()), 5);
  }

  static Stream<Arguments> badBatchingSpecs() {
    return Stream.of(
        Arguments.of(new JsonObject().put("max_batch_size", 0).put("max_batch_delay_ms", 2), "max_batch_size"),
        Arguments.of(new JsonObject().put("max_batch_size", 5000), "max_batch_size"),
        Arguments.of(new JsonObject().put("max_batch_size", 16).put("max_batch_delay_ms", -1), "max_batch_delay_ms"),
        Arguments.of(new JsonObject().put("max_batch_delay_ms", 1001), "max_batch_delay_ms"),
        Arguments.of(new JsonObject().put("max_batch_size", "32"), "max_batch_size"),
        Arguments.of(new JsonObject().put("max_batch_size", 1.5), "max_batch_size"),
        Arguments.of(new JsonObject().put("max_batch_delay_ms", true), "max_batch_delay_ms"),
        Arguments.of(new JsonObject().put("max_batch_delay_ms", "2ms"), "max_batch_delay_ms"),
        Arguments.of(new JsonObject().put("max_batch_sise", 32), "max_batch_sise"),
        Arguments.of("fast", "batching"),
        Arguments.of(new JsonArray().add(32).add(20), "batching"),
        Arguments.of(true, "batching"));
  }

  @ParameterizedTest
  @MethodSource("badBatchingSpecs")
  void aBadBatchingSpecIs400NamingTheField(Object batching, String field) throws Exception {
    String token = node.adminToken();
    String url = node.control() + "/endpoints/batched/deployments/refused";
    HttpResponse<String> r = node.https.json("PUT", url, token, new JsonObject()
        .put("model", "german-credit-bad-risk:1").put("batching", batching));
    assertEquals(400, r.statusCode(), "batching " + batching + ": " + r.body());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertEquals("BadRequest", error.getString("code"), r.body());
    assertTrue(error.getString("message").contains(field), "the message names '" + field + "': " + r.body());
    assertEquals(404, node.https.get(url, token).statusCode(), "a refused spec creates no deployment");
  }

  @Test
  void theEdgesOfTheBatchingRangesAreAccepted() throws Exception {
    String token = node.adminToken();
    String url = node.control() + "/endpoints/batched/deployments/edges";
    JsonObject smallest = new JsonObject().put("max_batch_size", 1).put("max_batch_delay_ms", 0);
    HttpResponse<String> r = node.https.json("PUT", url, token, new JsonObject().put("model", "german-credit-bad-risk:1")
        .put("instance_count", 0).put("batching", smallest));
    assertEquals(201, r.statusCode(), r.body());
    assertEquals(smallest, new JsonObject(r.body()).getJsonObject("batching"));
    JsonObject largest = new JsonObject().put("max_batch_size", 4096).put("max_batch_delay_ms", 1000);
    r = node.https.json("PUT", url, token, new JsonObject().put("model", "german-credit-bad-risk:1")
        .put("instance_count", 0).put("batching", largest));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(largest, new JsonObject(node.https.get(url, token).body()).getJsonObject("batching"));
    HttpResponse<String> deleted = node.https.json("DELETE", url, token, null);
    assertEquals(200, deleted.statusCode(), deleted.body());
  }

  // ---------------------------------------------------------------- helpers

  /**
   * A model whose first dimensions are dynamic but whose output does not keep one row per input row
   * (flatten-rows: y = x reshaped to [batch * 3]) cannot be split back after a stacked run: every
   * request must still get its own answer, served one by one, never a 5xx.
   */
  @Test
  void aModelWhoseOutputDoesNotFollowTheRowsIsServedOneByOne() throws Exception {
    String key = node.deploy("flat", "rows", TestNode.TEST_MODELS.resolve("flatten-rows.onnx"), new JsonObject()
        .put("request_settings", new JsonObject().put("max_concurrent_requests_per_instance", 1)
            .put("max_queue_wait_ms", 30_000).put("request_timeout_ms", 60_000))
        .put("batching", new JsonObject().put("max_batch_size", 16).put("max_batch_delay_ms", 50)), true);
    for (int round = 0; round < 2; round++) {
      List<Callable<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        JsonArray row = new JsonArray().add(i).add(i + 0.5).add(i + 0.25);
        calls.add(() -> azure("flat", key, List.of(row)));
      }
      List<HttpResponse<String>> answers = concurrently(calls);
      for (int i = 0; i < answers.size(); i++) {
        HttpResponse<String> r = answers.get(i);
        assertEquals(200, r.statusCode(), "round " + round + " request " + i + ": " + r.body());
        assertEquals(new JsonArray().add(i * 1.0).add(i + 0.5).add(i + 0.25),
            new JsonObject(r.body()).getJsonArray("y"), "round " + round + " request " + i);
      }
    }
  }

  /** Runs the calls at once (32 callers, all released together) and returns the answers in order. */
  private static List<HttpResponse<String>> concurrently(List<Callable<HttpResponse<String>>> calls)
      throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> futures = new ArrayList<>();
    for (Callable<HttpResponse<String>> call : calls) {
      futures.add(callers.submit(() -> {
        gate.await();
        return call.call();
      }));
    }
    gate.countDown();
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (Future<HttpResponse<String>> f : futures) {
      answers.add(f.get(2, TimeUnit.MINUTES));
    }
    return answers;
  }

  private static HttpResponse<String> azure(String endpoint, String key, List<JsonArray> body, String... headers)
      throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
        new JsonObject().put("input_data", new JsonArray(new ArrayList<>(body))).encode()
            .getBytes(StandardCharsets.UTF_8), headers);
  }

  private static HttpResponse<String> v2(String endpoint, String key, String id, JsonArray row, String onlyOutput)
      throws Exception {
    JsonObject request = new JsonObject().put("id", id).put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "features").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(7)).put("data", row)));
    if (onlyOutput != null) {
      request.put("outputs", new JsonArray().add(new JsonObject().put("name", onlyOutput)));
    }
    return node.https.json("POST", node.scoring() + "/v2/models/" + endpoint + "/infer", key, request);
  }

  private static JsonObject output(JsonArray outputs, String name) {
    return outputs.stream().map(JsonObject.class::cast).filter(o -> name.equals(o.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no output '" + name + "' in " + outputs));
  }

  /** A one-row Azure answer equals the reference answer of row {@code row}. */
  private static void assertAnswers(JsonObject answer, int row) {
    JsonObject expected = reference.get(row);
    assertEquals(1, answer.getJsonArray("probabilities").size(), "one row in, one row out: " + answer);
    assertClose(expected.getJsonArray("probabilities").getJsonArray(0),
        answer.getJsonArray("probabilities").getJsonArray(0), "probabilities of row " + row);
    assertEquals(expected.getJsonArray("label"), answer.getJsonArray("label"), "label of row " + row);
  }

  private static void assertClose(JsonArray expected, JsonArray actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": " + actual);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(((Number) expected.getValue(i)).doubleValue(), ((Number) actual.getValue(i)).doubleValue(),
          TOLERANCE, what + " element " + i + ": expected " + expected + ", got " + actual);
    }
  }

  private static double runs(String deployment) throws Exception {
    return node.metric("inferbus_instance_runs_total", "endpoint=\"batched\"", "deployment=\"" + deployment + "\"");
  }
}
