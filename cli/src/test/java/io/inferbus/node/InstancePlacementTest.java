package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.Https;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instance placement on a real three-node cluster in this JVM: the embedded node (control plane,
 * gateway, deployment) and two nodes with only the deployment role that join it. A deployment's
 * instances are spread one per node, scale up to 2/2/1 and down to two nodes without restarting the
 * instances that stay, and when a node holding an instance stops, its instance is placed on a
 * remaining node, while the endpoint answers every scoring request with 200 throughout. A node that
 * drops out of the cluster without a goodbye has its instance removed from the instance table by the
 * control plane and placed again.
 * {@code GET /nodes} lists the members with their roles, capacity and instances.
 */
class InstancePlacementTest {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InstancePlacementTest.class);
  private static final Path MODEL = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
  private static final String ENDPOINT = "placed";
  private static final String DEPLOYMENT = "main";
  private static final Duration CONVERGE = Duration.ofSeconds(45);

  @TempDir
  Path dir;

  @Test
  void instancesSpreadScaleAndMoveOffANodeThatLeaves() throws Exception {
    try (TestNode leader = TestNode.start(dir.resolve("leader"));
        DeploymentNode second = DeploymentNode.join(leader, dir.resolve("second"));
        DeploymentNode third = DeploymentNode.join(leader, dir.resolve("third"))) {
      String token = leader.adminToken();
      String first = leader.node().nodeId();
      Set<String> everyNode = Set.of(first, second.nodeId(), third.nodeId());
      await("GET /nodes lists the three members", () -> nodes(leader, token).keySet().equals(everyNode),
          () -> nodes(leader, token).toString());
      assertEquals(401, leader.https.get(leader.control() + "/nodes", null).statusCode(), "GET /nodes needs a token");
      JsonObject leaderEntry = nodes(leader, token).get(first);
      assertEquals(new JsonArray().add("gateway").add("deployment").add("control-plane"),
          leaderEntry.getJsonArray("roles"));
      assertEquals(new JsonArray().add("deployment"), nodes(leader, token).get(second.nodeId()).getJsonArray("roles"));
      assertTrue(leaderEntry.getJsonObject("capacity").getInteger("cores") >= 1, leaderEntry.encode());

      // three instances: one per node
      String key = leader.deploy(ENDPOINT, DEPLOYMENT, MODEL, new JsonObject().put("instance_count", 3), true);
      String gone;
      Map<String, List<String>> three = awaitPlacement(leader, token, "one instance per node",
          p -> p.keySet().equals(everyNode) && counts(p).equals(List.of(1, 1, 1)));

      try (Scorer scorer = new Scorer(leader, key)) {
        scorer.start();
        Await.until("the scorer's first answer", Duration.ofSeconds(30), () -> scorer.total() > 0);

        // scale up to 5: 2/2/1, and the three instances that ran keep running
        scale(leader, token, 5);
        Map<String, List<String>> five = awaitPlacement(leader, token, "2/2/1",
            p -> counts(p).equals(List.of(1, 2, 2)));
        assertTrue(ids(five).containsAll(ids(three)), "scaling up restarted an instance: " + three + " -> " + five);

        // scale down to 2: two nodes, one each, from the instances that ran
        scale(leader, token, 2);
        Map<String, List<String>> two = awaitPlacement(leader, token, "one instance on each of two nodes",
            p -> counts(p).equals(List.of(1, 1)));
        assertTrue(ids(five).containsAll(ids(two)), "scaling down started an instance: " + five + " -> " + two);

        // a deployment-only node holding an instance stops: its instance is placed on a remaining node
        DeploymentNode leaving = two.containsKey(second.nodeId()) ? second : third;
        gone = leaving.nodeId();
        String kept = two.entrySet().stream().filter(e -> !e.getKey().equals(gone)).findFirst().orElseThrow()
            .getValue().get(0);
        int before = scorer.total();
        leaving.close();
        Set<String> remaining = everyNode.stream().filter(n -> !n.equals(gone)).collect(Collectors.toSet());
        Map<String, List<String>> after = awaitPlacement(leader, token, "the instance placed again without " + gone,
            p -> p.keySet().equals(remaining) && counts(p).equals(List.of(1, 1)));
        assertTrue(ids(after).contains(kept), "the instance on a remaining node kept running: " + after);
        assertTrue(scorer.total() > before, "requests were scored while the node left");
        await("GET /nodes lists the two remaining members", () -> nodes(leader, token).keySet().equals(remaining),
            () -> nodes(leader, token).toString());
        Map<String, JsonObject> nodes = nodes(leader, token);
        for (String node : remaining) {
          List<String> listed = nodes.get(node).getJsonArray("instances").stream().map(JsonObject.class::cast)
              .filter(i -> ENDPOINT.equals(i.getString("endpoint")) && DEPLOYMENT.equals(i.getString("deployment")))
              .map(i -> i.getString("id")).toList();
          assertEquals(after.get(node), listed, "GET /nodes shows what runs on " + node);
          assertTrue(nodes.get(node).getJsonArray("assignments").stream().map(JsonObject.class::cast)
              .anyMatch(a -> DEPLOYMENT.equals(a.getString("deployment")) && a.getInteger("instance_count") == 1),
              nodes.get(node).encode());
        }

        scorer.stop();
        LOG.info("scored while scaling and while a node left: {}", scorer.statuses());
        assertTrue(scorer.total() >= 20, "scored " + scorer.total());
        assertEquals(Map.of(200, scorer.total()), scorer.statuses(),
            "every request answered 200 while scaling and while a node left; first others: " + scorer.failures());
      }

      // the last deployment-only node drops out without a goodbye: the control plane removes the
      // instance it published and places it on the leader
      DeploymentNode lost = second.nodeId().equals(gone) ? third : second;
      try (Scorer scorer = new Scorer(leader, key)) {
        scorer.start();
        lost.dropOutOfCluster();
        awaitPlacement(leader, token, "both instances on the leader once " + lost.nodeId() + " is lost",
            p -> p.keySet().equals(Set.of(first)) && counts(p).equals(List.of(2)));
        await("GET /nodes lists only the leader", () -> nodes(leader, token).keySet().equals(Set.of(first)),
            () -> nodes(leader, token).toString());
        scorer.stop();
        LOG.info("scored while a node was lost: {}", scorer.statuses());
        Map<Integer, Integer> statuses = new TreeMap<>(scorer.statuses());
        statuses.remove(200);
        statuses.remove(503); // a gateway may pick the lost node's instance before it hears of the loss
        assertEquals(Map.of(), statuses, "only 200 or 503 while a node was lost: " + scorer.failures());
      }
    }
  }

  /**
   * Waits until the deployment is Succeeded and its ready instances by node satisfy {@code placed};
   * returns node → instance ids.
   */
  private static Map<String, List<String>> awaitPlacement(TestNode leader, String token, String what,
      Predicate<Map<String, List<String>>> placed) {
    AtomicReference<JsonObject> last = new AtomicReference<>();
    await(what, () -> {
      JsonObject d = deployment(leader, token);
      last.set(d);
      return "Succeeded".equals(d.getString("provisioning_state")) && placed.test(byNode(d));
    }, () -> String.valueOf(last.get()));
    return byNode(last.get());
  }

  private static Map<String, List<String>> byNode(JsonObject deployment) {
    Map<String, List<String>> byNode = new TreeMap<>();
    deployment.getJsonArray("instances").stream().map(JsonObject.class::cast)
        .filter(i -> "Ready".equals(i.getString("state")))
        .forEach(i -> byNode.computeIfAbsent(i.getString("node"), n -> new ArrayList<>()).add(i.getString("id")));
    byNode.values().forEach(l -> l.sort(null));
    return byNode;
  }

  private static List<Integer> counts(Map<String, List<String>> byNode) {
    return byNode.values().stream().map(List::size).sorted().toList();
  }

  private static Set<String> ids(Map<String, List<String>> byNode) {
    return byNode.values().stream().flatMap(List::stream).collect(Collectors.toSet());
  }

  private static void scale(TestNode leader, String token, int count) throws Exception {
    HttpResponse<String> r = leader.https.json("PATCH", leader.control() + "/endpoints/" + ENDPOINT + "/deployments/"
        + DEPLOYMENT, token, new JsonObject().put("instance_count", count));
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(count, new JsonObject(r.body()).getInteger("instance_count"));
  }

  private static JsonObject deployment(TestNode leader, String token) {
    try {
      return new JsonObject(leader.https.get(leader.control() + "/endpoints/" + ENDPOINT + "/deployments/"
          + DEPLOYMENT, token).body());
    } catch (Exception e) {
      return new JsonObject().put("error", e.toString()).put("instances", new JsonArray());
    }
  }

  /** GET /nodes as node id → entry. */
  private static Map<String, JsonObject> nodes(TestNode leader, String token) {
    try {
      HttpResponse<String> r = leader.https.get(leader.control() + "/nodes", token);
      assertEquals(200, r.statusCode(), r.body());
      return new JsonObject(r.body()).getJsonArray("value").stream().map(JsonObject.class::cast)
          .collect(Collectors.toMap(n -> n.getString("node_id"), n -> n, (a, b) -> a, TreeMap::new));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void await(String what, java.util.function.BooleanSupplier condition,
      java.util.function.Supplier<String> lastSeen) {
    try {
      Await.until(what, CONVERGE, condition);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + lastSeen.get(), e);
    }
  }

  /** Scores the endpoint one request after another on its own thread until stopped (at most two minutes). */
  private static final class Scorer implements AutoCloseable {
    private final Https https;
    private final String url;
    private final String key;
    private final byte[] body;
    private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile boolean running = true;
    private final Thread thread;

    Scorer(TestNode node, String key) throws Exception {
      this.https = new Https(node.node().caFile());
      this.url = node.scoring() + "/endpoints/" + ENDPOINT + "/score";
      this.key = key;
      this.body = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
      this.thread = new Thread(this::run, "placement-scorer");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    private void run() {
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (running && System.nanoTime() < deadline) {
        int status;
        try {
          HttpResponse<String> r = https.send("POST", url, key, "application/json", body);
          status = r.statusCode();
          if (status != 200 && failures.size() < 5) {
            failures.add(status + " " + r.body());
          }
        } catch (Exception e) {
          status = -1;
          if (failures.size() < 5) {
            failures.add(e.toString());
          }
        }
        statuses.merge(status, 1, Integer::sum);
        total.incrementAndGet();
      }
    }

    int total() {
      return total.get();
    }

    Map<Integer, Integer> statuses() {
      return new TreeMap<>(statuses);
    }

    List<String> failures() {
      return List.copyOf(failures);
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(Duration.ofSeconds(90).toMillis());
      assertFalse(thread.isAlive(), "the scorer stopped");
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }
}
