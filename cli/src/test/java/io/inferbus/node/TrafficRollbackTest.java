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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A release engineer shifts traffic between two deployments of the example model while callers keep
 * scoring, and rolls it back: on a real node over HTTPS, every answer is a 200, and the deployment
 * that serves ({@code azureml-model-deployment}) follows each revision's weights once the gateway
 * has it.
 *
 * <p>The traffic history and rollback routes as an operator meets them, with their refusals, need no
 * scoring: they are tested in the control-plane module (io.inferbus.controlplane.api.ManagementApiTest).
 */
class TrafficRollbackTest extends EmbeddedNodeTest {
  private static final String ENDPOINT = "shift";
  private static final int CALLERS = 4;
  /** An upper bound on the load, far above what the scenario needs. */
  private static final int MAX_REQUESTS = 200_000;
  /** Answers measured after each change has reached the gateway. */
  private static final int WINDOW = 400;
  private static final Duration CONVERGE = Duration.ofSeconds(30);

  static String admin;
  static String key;
  static byte[] sample;

  @BeforeAll
  static void start() throws Exception {
    admin = node.adminToken();
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    Path model = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
    // Room for the four callers on one instance: this test is about routing, not admission (429).
    JsonObject spec = new JsonObject().put("instance_count", 1).put("request_settings", new JsonObject()
        .put("max_concurrent_requests_per_instance", CALLERS).put("max_queue_wait_ms", 5000));
    node.deploy(ENDPOINT, "blue", model, spec, false);
    key = node.deploy(ENDPOINT, "green", model, spec, true); // traffic: blue 0, green 100
    Await.until("unpinned scoring reaches green", CONVERGE, () -> {
      try {
        HttpResponse<String> r = score();
        return r.statusCode() == 200 && "green".equals(r.headers().firstValue("azureml-model-deployment").orElse(""));
      } catch (Exception e) {
        return false;
      }
    });
  }

  private static HttpResponse<String> score() throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/" + ENDPOINT + "/score", key, "application/json",
        sample);
  }

  // ------------------------------------------------------------ under load

  /** One scoring answer as a caller saw it. */
  record Answer(long startNanos, long endNanos, int status, String deployment, String error) {}

  /** {@value #CALLERS} callers scoring in a loop on loopback until stopped (or {@value #MAX_REQUESTS} requests). */
  static final class Load implements AutoCloseable {
    final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger sent = new AtomicInteger();
    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS);

    Load start() {
      for (int i = 0; i < CALLERS; i++) {
        callers.submit(() -> {
          while (!stop.get() && sent.incrementAndGet() <= MAX_REQUESTS) {
            long start = System.nanoTime();
            try {
              HttpResponse<String> r = score();
              answers.add(new Answer(start, System.nanoTime(), r.statusCode(),
                  r.headers().firstValue("azureml-model-deployment").orElse(null),
                  r.statusCode() == 200 ? null : r.body()));
            } catch (Exception e) {
              answers.add(new Answer(start, System.nanoTime(), -1, null, e.toString()));
            }
          }
        });
      }
      return this;
    }

    /** Answers to requests sent after {@code nanos}, in the order they were sent. */
    List<Answer> sentAfter(long nanos) {
      return answers.stream().filter(a -> a.startNanos() > nanos)
          .sorted(Comparator.comparingLong(Answer::startNanos)).toList();
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      callers.shutdown();
      assertTrue(callers.awaitTermination(2, TimeUnit.MINUTES), "callers did not stop");
    }
  }

  /**
   * After a change to 90/10 from 0/100: blue can only answer once the gateway has the change. Waits
   * for that, then for {@value #WINDOW} answers to requests sent after it, and checks their split.
   * Returns when the first blue answer came: the evidence that the gateway has the change.
   */
  private static long awaitNinetyTen(Load load, long acknowledged, String step) {
    Answer firstBlue = awaitFirst(load, acknowledged, step, a -> "blue".equals(a.deployment()));
    List<Answer> window = awaitWindow(load, firstBlue.endNanos(), step);
    long blue = window.stream().filter(a -> "blue".equals(a.deployment())).count();
    long green = window.stream().filter(a -> "green".equals(a.deployment())).count();
    assertEquals(WINDOW, blue + green, step + ": every answer is from blue or green");
    // 90 % of 400: 360 expected, standard deviation 6; the bounds are 10 and 5 deviations away
    assertTrue(blue >= WINDOW * 75 / 100 && blue <= WINDOW * 98 / 100,
        step + ": blue should serve about 90 % of " + WINDOW + ", served " + blue);
    return firstBlue.endNanos();
  }

  /**
   * After a change to 0/100 from 90/10: 30 green answers in a row (a chance of 10^-30 at 90/10)
   * show the gateway has it; every request sent after them must be answered by green. Returns when
   * the last of those 30 answers came: the evidence that the gateway has the change.
   */
  private static long awaitAllGreen(Load load, long acknowledged, String step) {
    long[] runEnd = new long[1];
    Await.until(step + ": 30 green answers in a row", CONVERGE, () -> {
      int run = 0;
      long lastEnd = Long.MIN_VALUE;
      for (Answer a : load.sentAfter(acknowledged)) {
        run = "green".equals(a.deployment()) ? run + 1 : 0;
        lastEnd = run == 0 ? Long.MIN_VALUE : Math.max(lastEnd, a.endNanos());
        if (run == 30) {
          runEnd[0] = lastEnd;
          return true;
        }
      }
      return false;
    });
    List<Answer> window = awaitWindow(load, runEnd[0], step);
    List<String> others = window.stream().map(Answer::deployment).filter(d -> !"green".equals(d)).toList();
    assertEquals(List.of(), others, step + ": at 0/100 only green answers");
    return runEnd[0];
  }

  private static Answer awaitFirst(Load load, long after, String step, java.util.function.Predicate<Answer> test) {
    Answer[] found = new Answer[1];
    Await.until(step + ": the gateway applies the change", CONVERGE, () -> {
      found[0] = load.sentAfter(after).stream().filter(test).findFirst().orElse(null);
      return found[0] != null;
    });
    return found[0];
  }

  private static List<Answer> awaitWindow(Load load, long after, String step) {
    Await.until(step + ": " + WINDOW + " answers after the change took effect", CONVERGE,
        () -> load.sentAfter(after).size() >= WINDOW);
    return load.sentAfter(after).subList(0, WINDOW);
  }

  /** How long a change took to show at the gateway, for the log only (no timing is asserted). */
  private static void report(String step, long acknowledged, long seenAt) {
    System.out.printf("%s: in effect at the gateway at most %d ms after the control plane answered%n", step,
        TimeUnit.NANOSECONDS.toMillis(seenAt - acknowledged));
  }

  private static JsonObject change(String method, String path, JsonObject body, String requestId) throws Exception {
    HttpResponse<String> r = node.https.json(method, node.control() + "/endpoints/" + ENDPOINT + path, admin, body,
        "x-request-id", requestId);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  @Test
  void trafficChangesAndRollbacksUnderLoadFailNoRequestAndServingFollowsTheWeights() throws Exception {
    JsonObject before = new JsonObject(node.https.get(node.control() + "/endpoints/" + ENDPOINT, admin).body());
    long start = before.getLong("traffic_revision");                             // 0/100
    try (Load load = new Load().start()) {
      awaitAllGreen(load, Long.MIN_VALUE, "0/100 at the start");

      JsonObject shifted = change("PATCH", "", new JsonObject().put("traffic",
          new JsonObject().put("blue", 90).put("green", 10)), "shift-90-10");
      long acknowledged = System.nanoTime();
      assertEquals(start + 1, shifted.getLong("traffic_revision"));
      report("90/10", acknowledged, awaitNinetyTen(load, acknowledged, "90/10"));

      JsonObject back = change("PATCH", "", new JsonObject().put("traffic",
          new JsonObject().put("blue", 0).put("green", 100)), "shift-0-100");
      acknowledged = System.nanoTime();
      assertEquals(start + 2, back.getLong("traffic_revision"));
      report("0/100 again", acknowledged, awaitAllGreen(load, acknowledged, "0/100 again"));

      JsonObject rolledBack = change("POST", "/traffic/rollback", new JsonObject(), "rollback-previous");
      acknowledged = System.nanoTime();
      assertEquals(start + 3, rolledBack.getLong("traffic_revision"));
      assertEquals(90, rolledBack.getJsonObject("traffic").getInteger("blue"));
      report("rollback to the previous revision", acknowledged,
          awaitNinetyTen(load, acknowledged, "rollback to the previous revision (90/10)"));

      JsonObject rolledBackTo = change("POST", "/traffic/rollback", new JsonObject().put("to_revision", start),
          "rollback-to-start");
      acknowledged = System.nanoTime();
      assertEquals(start + 4, rolledBackTo.getLong("traffic_revision"));
      assertEquals(100, rolledBackTo.getJsonObject("traffic").getInteger("green"));
      report("rollback to a given revision", acknowledged,
          awaitAllGreen(load, acknowledged, "rollback to revision " + start + " (0/100)"));

      load.close();
      List<Answer> failed = load.answers.stream().filter(a -> a.status() != 200).toList();
      assertEquals(List.of(), failed, "no request may fail while traffic moves");
      System.out.printf("%d requests, all answered 200: %s%n", load.answers.size(), load.answers.stream()
          .collect(Collectors.groupingBy(a -> String.valueOf(a.deployment()), Collectors.counting())));
    }

    List<JsonObject> history = history(ENDPOINT, admin);
    JsonObject previous = history.get(history.size() - 2);
    JsonObject last = history.get(history.size() - 1);
    assertEquals(start + 3, previous.getLong("revision"));
    assertEquals(start + 1, previous.getLong("rolled_back_to"));
    assertEquals("rollback-previous", previous.getString("request_id"));
    assertEquals(start + 4, last.getLong("revision"));
    assertEquals(start, last.getLong("rolled_back_to"));
    assertEquals("admin", last.getString("actor"));
  }

  // ------------------------------------------------------------ the routes

  private static List<JsonObject> history(String endpoint, String token) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + "/endpoints/" + endpoint + "/traffic/history", token);
    assertEquals(200, r.statusCode(), r.body());
    List<JsonObject> out = new ArrayList<>();
    new JsonObject(r.body()).getJsonArray("value").forEach(o -> out.add((JsonObject) o));
    return out;
  }

}
