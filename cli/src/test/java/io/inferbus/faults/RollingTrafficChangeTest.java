package io.inferbus.faults;

import static io.inferbus.testing.Await.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.gateway.scoring.ScoringHandler;
import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.ScoringLoad;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release engineer moves an endpoint from blue to green in steps (blue 100 → 90/10 → 50/50 →
 * green 100) while callers score through two gateways at once: the control-plane node's and that of
 * a gateway+deployment node which joined by file, each its own process. Blue serves the example
 * model, green its retrained version. Every gateway serves by each new split within a second of the
 * control plane acknowledging it, and no request fails during the whole change.
 *
 * <p>How a gateway's switch is seen from its answers ({@code azureml-model-deployment}): a
 * deployment a step adds (0 → some traffic) by the first answer it gives; one a step drops (some → 0)
 * by the last; a step that only moves shares (90/10 → 50/50) by an estimate, the request from which
 * on green's answers fit the new share better than the old (the maximum-likelihood single switch
 * point). Each is timed from the arrival of the PATCH's 200 to when that answer arrived, so the
 * measure includes the caller's round trip; negative means the gateway had switched before the
 * acknowledgement reached the operator.
 */
class RollingTrafficChangeTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");
  private static final Path LOGS = Path.of("target", "rolling-traffic-change");
  private static final String BLUE = "blue";
  private static final String GREEN = "green";
  private static final int CALLERS_PER_GATEWAY = 3;
  /**
   * Acknowledgement to every gateway serving by the new split: the bound, kept as is on this
   * loaded 2-core machine. What it covers is one Hazelcast entry event and one routing-table rebuild
   * per gateway, a request's round trip, and for a deployment that gets 10 % the draws until one goes
   * to it (at 100-300 requests a second per gateway, a few dozen milliseconds); a second still leaves
   * room for a GC pause or a descheduled event loop, and none for a gateway that missed the change.
   */
  private static final Duration CONVERGENCE_BOUND = Duration.ofSeconds(1);
  /** How long each split is held: three times the bound, so a gateway late or never switching shows. */
  private static final Duration HOLD = Duration.ofSeconds(3);
  /** The answers each gateway gives under a split, past the bound, before the next change. */
  private static final int ANSWERS_PER_SPLIT = 200;
  /** Answers of the old split before each change, against which the estimate weighs the new. */
  private static final Duration LEAD = Duration.ofSeconds(1);
  /** The splits in order; the first is in place before the load starts. */
  private static final List<Map<String, Integer>> ROLLOUT = List.of(split(100, 0), split(90, 10), split(50, 50),
      split(0, 100));
  /** A request's deadline and queue wait: a starved instance on this machine must not turn into 429s. */
  private static final int TIMEOUT_MS = 5000;

  @TempDir
  static Path dir;
  static NodeProcess control;
  static NodeProcess peer;

  /** One traffic change as the operator made it: when the PATCH went out, when its 200 came back. */
  record Change(Map<String, Integer> from, Map<String, Integer> to, long sentNanos, long ackNanos) {}

  @BeforeAll
  static void start() throws Exception {
    String cluster = "inferbus-rolling-" + UUID.randomUUID().toString().substring(0, 8);
    control = NodeProcess.node("control-plane,gateway", dir.resolve("control"),
        DeploymentNode.clusterConfig(cluster, "127.0.0.1"), LOGS, "control").awaitPortsFile(Duration.ofMinutes(2));
    peer = NodeProcess.joining("gateway,deployment", dir.resolve("peer"),
        dir.resolve("control").resolve("join.json"), LOGS, "peer").awaitPortsFile(Duration.ofMinutes(2));
  }

  @AfterAll
  static void stop() throws Exception {
    if (peer != null) {
      peer.close();
    }
    if (control != null) {
      control.close();
    }
  }

  @Test
  void aRollingTrafficChangeReachesBothGatewaysWithinASecondAndFailsNoRequest() throws Exception {
    Await.until("two nodes in GET /nodes", Duration.ofSeconds(30), () -> holds(() ->
        control.manage("GET", "/nodes", null).getJsonArray("value").size() == 2));
    upload(1, "german-credit-bad-risk.onnx");
    upload(2, "german-credit-bad-risk-v2.onnx");
    control.manage("PUT", "/endpoints/risk", new JsonObject());
    JsonObject settings = new JsonObject().put("request_timeout_ms", TIMEOUT_MS).put("max_queue_wait_ms", TIMEOUT_MS)
        .put("max_concurrent_requests_per_instance", 2);
    control.manage("PUT", "/endpoints/risk/deployments/" + BLUE, new JsonObject().put("model", "credit:1")
        .put("instance_count", 1).put("request_settings", settings));
    control.manage("PUT", "/endpoints/risk/deployments/" + GREEN, new JsonObject().put("model", "credit:2")
        .put("instance_count", 1).put("request_settings", settings));
    for (String d : List.of(BLUE, GREEN)) {
      Await.until("risk/" + d + " Succeeded", Duration.ofSeconds(90), () -> holds(() -> "Succeeded".equals(
          control.manage("GET", "/endpoints/risk/deployments/" + d, null).getString("provisioning_state"))));
    }
    control.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic", JsonObject.of(BLUE, 100)));

    String key = control.keys("risk").getString("primaryKey");
    byte[] sample = Files.readAllBytes(EXAMPLE.resolve("sample-request.json"));
    Map<String, NodeProcess> gateways = new LinkedHashMap<>();
    gateways.put("control", control);
    gateways.put("peer", peer);
    // the header is worth trusting: the two deployments answer differently (v2 calls the fourth
    // applicant a bad risk), and every gateway reaches both
    for (NodeProcess gateway : gateways.values()) {
      for (String d : List.of(BLUE, GREEN)) {
        int expected = GREEN.equals(d) ? 1 : 0;
        Await.until(d + " answering through " + gateway.scoring(), Duration.ofSeconds(30), () -> holds(() -> {
          HttpResponse<String> r = gateway.https().send("POST", gateway.scoring() + "/endpoints/risk/score", key,
              "application/json", sample, ScoringHandler.DEPLOYMENT_HEADER, d);
          return r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("label").getInteger(3) == expected;
        }));
      }
    }

    Map<String, ScoringLoad> loads = new LinkedHashMap<>();
    List<Change> changes = new ArrayList<>();
    Map<String, List<ScoringLoad.Outcome>> answers = new LinkedHashMap<>();
    long loadEnd;
    try {
      gateways.forEach((name, gateway) -> loads.put(name, ScoringLoad.start(gateway.https(),
          gateway.scoring() + "/endpoints/risk/score", key, sample, CALLERS_PER_GATEWAY)));
      long loadStart = System.nanoTime();
      Await.until("the load running through both gateways", Duration.ofSeconds(60), () ->
          System.nanoTime() - loadStart >= LEAD.toNanos()
              && loads.values().stream().allMatch(l -> l.count() >= ANSWERS_PER_SPLIT));
      for (int i = 1; i < ROLLOUT.size(); i++) {
        Map<String, Integer> to = ROLLOUT.get(i);
        long sent = System.nanoTime();
        JsonObject endpoint = control.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic",
            new JsonObject(new LinkedHashMap<>(to))));
        long ack = System.nanoTime();
        assertEquals(to, weights(endpoint.getJsonObject("traffic")), "the control plane's answer");
        changes.add(new Change(ROLLOUT.get(i - 1), to, sent, ack));
        long settled = ack + CONVERGENCE_BOUND.toNanos();
        Await.until("the split " + describe(to) + " held", Duration.ofSeconds(60), () ->
            System.nanoTime() - ack >= HOLD.toNanos() && loads.values().stream().allMatch(l ->
                l.outcomes().stream().filter(o -> o.sentNanos() >= settled).count() >= ANSWERS_PER_SPLIT));
      }
      loadEnd = System.nanoTime();
      for (var e : loads.entrySet()) {
        answers.put(e.getKey(), e.getValue().stop(Duration.ofMillis(TIMEOUT_MS + 2000)));
      }
    } finally {
      loads.values().forEach(ScoringLoad::close);
    }

    List<ScoringLoad.Outcome> all = answers.values().stream().flatMap(List::stream).toList();
    List<ScoringLoad.Outcome> failed = all.stream().filter(o -> o.status() / 100 != 2).toList();
    for (var e : answers.entrySet()) {
      List<ScoringLoad.Outcome> mine = e.getValue();
      long first = mine.stream().mapToLong(ScoringLoad.Outcome::sentNanos).min().orElse(0);
      long last = mine.stream().mapToLong(ScoringLoad.Outcome::answeredNanos).max().orElse(0);
      System.out.printf("MEASURED: RollingTrafficChangeTest %s gateway: %d requests from %d callers in %d ms,"
          + " %d failed, slowest %d ms%n", e.getKey(), mine.size(), CALLERS_PER_GATEWAY, (last - first) / 1_000_000,
          mine.stream().filter(o -> o.status() / 100 != 2).count(),
          mine.stream().mapToLong(ScoringLoad.Outcome::tookMs).max().orElse(-1));
    }

    List<String> late = new ArrayList<>();
    List<String> offSplit = new ArrayList<>();
    for (int i = 0; i < changes.size(); i++) {
      Change change = changes.get(i);
      long end = i + 1 < changes.size() ? changes.get(i + 1).sentNanos() : loadEnd;
      for (var e : answers.entrySet()) {
        // the gateway's answers from LEAD before the change until the next change went out
        List<ScoringLoad.Outcome> window = e.getValue().stream()
            .filter(o -> o.sentNanos() >= change.sentNanos() - LEAD.toNanos() && o.sentNanos() < end)
            .sorted(Comparator.comparingLong(ScoringLoad.Outcome::sentNanos)).toList();
        Long converged = convergence(change, window);
        List<ScoringLoad.Outcome> settled = window.stream()
            .filter(o -> o.sentNanos() >= change.ackNanos() + CONVERGENCE_BOUND.toNanos()).toList();
        long greens = settled.stream().filter(o -> GREEN.equals(o.deployment())).count();
        double share = (double) greens / settled.size();
        double expected = change.to().get(GREEN) / 100.0;
        // five standard deviations of the share a fair draw gives; none at all for 0 % and 100 %
        double allowed = 5 * Math.sqrt(expected * (1 - expected) / settled.size());
        String step = describe(change.from()) + " -> " + describe(change.to()) + ", " + e.getKey() + " gateway";
        System.out.printf("MEASURED: RollingTrafficChangeTest %s: serves by the new split %s (%s; the PATCH took"
            + " %d ms); afterwards green answered %d of %d (%.1f %%, split %d %%)%n",
            step, converged == null ? "never" : converged / 1_000_000 + " ms after the acknowledgement",
            marks(change).isEmpty() ? "estimated switch point" : marks(change).stream().map(Mark::toString)
                .collect(Collectors.joining(", ")),
            (change.ackNanos() - change.sentNanos()) / 1_000_000, greens, settled.size(), 100 * share,
            change.to().get(GREEN));
        if (converged == null || converged > CONVERGENCE_BOUND.toNanos()) {
          // how many draws the gateway made within the bound: a first green needs a few dozen at 10 %
          long drawn = window.stream().filter(o -> o.sentNanos() >= change.ackNanos()
              && o.sentNanos() < change.ackNanos() + CONVERGENCE_BOUND.toNanos()).count();
          late.add(step + ": " + (converged == null ? "never" : converged / 1_000_000 + " ms") + " (" + drawn
              + " requests sent within the bound)");
        }
        if (settled.size() < ANSWERS_PER_SPLIT || Math.abs(share - expected) > allowed) {
          offSplit.add(step + ": green answered " + greens + " of " + settled.size() + " requests sent "
              + CONVERGENCE_BOUND.toMillis() + " ms or more after the acknowledgement");
        }
      }
    }

    assertTrue(failed.isEmpty(), failed.size() + " of " + all.size() + " requests failed, statuses "
        + failed.stream().collect(Collectors.groupingBy(ScoringLoad.Outcome::status, Collectors.counting()))
        + ", first: " + failed.stream().limit(3).map(ScoringLoad.Outcome::failure).toList());
    assertTrue(late.isEmpty(), "gateways serving by the new split later than " + CONVERGENCE_BOUND.toMillis()
        + " ms after the acknowledgement: " + late);
    assertTrue(offSplit.isEmpty(), "gateways not serving by the split once past the bound: " + offSplit);
  }

  /** A deployment a change adds (0 → some traffic) or drops (some → 0): an answer from it marks the switch. */
  record Mark(String deployment, boolean added) {
    @Override
    public String toString() {
      return (added ? "first " : "last ") + deployment + " answered";
    }
  }

  static List<Mark> marks(Change change) {
    List<Mark> marks = new ArrayList<>();
    for (String d : List.of(BLUE, GREEN)) {
      int before = change.from().get(d);
      int after = change.to().get(d);
      if (before == 0 && after > 0) {
        marks.add(new Mark(d, true));
      } else if (before > 0 && after == 0) {
        marks.add(new Mark(d, false));
      }
    }
    return marks;
  }

  /**
   * When a gateway, judged by its answers (sorted by when they were sent), serves by the change's new
   * split: nanoseconds from the acknowledgement to the arrival of the answer that shows it (see the
   * class comment); null when its answers never show it.
   */
  static Long convergence(Change change, List<ScoringLoad.Outcome> answers) {
    List<Mark> marks = marks(change);
    if (!marks.isEmpty()) {
      long shown = change.sentNanos() - LEAD.toNanos(); // a dropped deployment that never answered: by then
      for (Mark mark : marks) {
        LongStream answered = answers.stream().filter(o -> mark.deployment().equals(o.deployment()))
            .mapToLong(ScoringLoad.Outcome::answeredNanos);
        if (mark.added()) {
          OptionalLong first = answered.min();
          if (first.isEmpty()) {
            return null;
          }
          // answered before the PATCH went out, it would have broken the split then in place
          assertTrue(first.getAsLong() >= change.sentNanos(),
              mark.deployment() + " answered before its traffic was set");
          shown = Math.max(shown, first.getAsLong());
        } else {
          shown = Math.max(shown, answered.max().orElse(shown));
        }
      }
      return shown - change.ackNanos();
    }
    // Only the shares moved: the switch is where the rest of the answers is most likely under the new
    // share rather than the old; each green answer weighs log(new/old), each blue one
    // log((1-new)/(1-old)). No suffix more likely under the new share: no switch.
    double old = change.from().get(GREEN) / 100.0;
    double now = change.to().get(GREEN) / 100.0;
    double onGreen = Math.log(now / old);
    double onBlue = Math.log((1 - now) / (1 - old));
    double suffix = 0;
    double best = 0;
    int at = -1;
    for (int i = answers.size() - 1; i >= 0; i--) {
      suffix += GREEN.equals(answers.get(i).deployment()) ? onGreen : onBlue;
      if (suffix > best) {
        best = suffix;
        at = i;
      }
    }
    return at < 0 ? null : answers.get(at).answeredNanos() - change.ackNanos();
  }

  private void upload(int version, String file) throws Exception {
    HttpResponse<String> model = control.https().send("PUT", control.control() + "/models/credit/versions/" + version,
        control.adminToken(), "application/octet-stream",
        Files.readAllBytes(EXAMPLE.resolve("model").resolve(file)));
    assertEquals(201, model.statusCode(), model.body());
  }

  private static Map<String, Integer> split(int blue, int green) {
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put(BLUE, blue);
    split.put(GREEN, green);
    return split;
  }

  private static Map<String, Integer> weights(JsonObject traffic) {
    assertNotNull(traffic, "traffic");
    return split(traffic.getInteger(BLUE, 0), traffic.getInteger(GREEN, 0));
  }

  private static String describe(Map<String, Integer> split) {
    return BLUE + "=" + split.get(BLUE) + " " + GREEN + "=" + split.get(GREEN);
  }
}
