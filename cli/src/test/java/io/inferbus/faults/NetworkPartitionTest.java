package io.inferbus.faults;

import static io.inferbus.testing.Await.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NamespaceNetwork;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.ScoringLoad;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment node is cut off by the network while its process keeps running: three nodes, each its
 * own JVM, in two Linux network namespaces ({@link NamespaceNetwork}): the control-plane+gateway node
 * and deployment node A in one, deployment node B in the other, the deployment's two instances one on
 * each deployment node, eight callers scoring through the gateway. B's link goes down. Within the
 * bound the shipped cluster.xml's failure detector sets, the control plane drops B and its instance
 * and the deployment is back at two ready instances on A; callers see almost nothing. The link comes
 * back: B rejoins the cluster (Hazelcast merges the two parts), the deployment spreads over both nodes
 * again with exactly two ready instances, no node runs an instance the instance table does not list,
 * and the gateway routes to none that is gone.
 *
 * <p>Skipped, saying why, only on a machine that refuses network namespaces (not Linux, not root).
 */
class NetworkPartitionTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");
  private static final Path LOGS = Path.of("target", "network-partition");
  private static final int CALLERS = 8;
  private static final int TIMEOUT_MS = 3000;
  /** What a request may take past its deadline: the gateway's answer, a loaded 2-core machine's pauses. */
  private static final int MARGIN_MS = 2000;
  /**
   * From the cut to the control plane having dropped B and its instance: cluster.xml's
   * hazelcast.max.no.heartbeat.seconds (15), Hazelcast's check every heartbeat (1 s) and the removal,
   * with room for a busy machine. Hazelcast's default, 60 s, fails it.
   */
  private static final Duration EVICTION_BOUND = Duration.ofSeconds(25);
  /** From the cut to two ready instances on A: the eviction, then placement and a model load (cached). */
  private static final Duration CAPACITY_BOUND = Duration.ofSeconds(40);
  /**
   * From the link's return to B listed in GET /nodes again: cluster.xml's merge search runs every
   * 10 s (hazelcast.merge.next.run.delay.seconds), then the merge (B rejoins and introduces itself
   * again). Hazelcast's defaults, a first search 300 s after start and one every 120 s, fail it.
   */
  private static final Duration REJOIN_BOUND = Duration.ofSeconds(30);
  /** From B listed again to one ready instance on each deployment node: placement and a model load. */
  private static final Duration SPREAD_BOUND = Duration.ofSeconds(30);
  /**
   * Failed requests allowed in all. Only those the gateway sent to B while B was silent but not yet
   * dropped may fail (each waits out its deadline: 408), and the gateway prefers the less loaded
   * instance, so B gets few: 20 of 20,641 (0.1 %) in the first run here.
   */
  private static final double FAILED_FRACTION = 0.01;
  /** Failed requests allowed among those sent after the link came back: the gateway routes to no stale instance. */
  private static final int FAILED_AFTER_HEAL = 3;

  @TempDir
  static Path dir;
  static NamespaceNetwork net;
  static NodeProcess control;
  static NodeProcess nodeA;
  static NodeProcess nodeB;

  @BeforeAll
  static void start() throws Exception {
    try {
      net = NamespaceNetwork.create();
    } catch (NamespaceNetwork.Refused refused) {
      System.out.println("SKIPPED: NetworkPartitionTest: this machine refuses network namespaces: "
          + refused.getMessage());
      Assumptions.abort("this machine refuses network namespaces: " + refused.getMessage());
    }
    String clusterXml = DeploymentNode.clusterConfig("inferbus-partition-" + UUID.randomUUID().toString()
        .substring(0, 8), net.addressA());
    String loopbackOnly = "<interface>127.0.0.1</interface>";
    assertTrue(clusterXml.contains(loopbackOnly), "the shipped cluster.xml binds loopback");
    Path clusterFile = dir.resolve("cluster.xml");
    Files.writeString(clusterFile, clusterXml.replace(loopbackOnly,
        "<interface>" + net.interfacePattern() + "</interface>"));
    // the gateway's certificate names the address the test calls it at, as an operator's own would
    ClusterCa.NodeCredential tls = ClusterCa.inMemory().issue("gateway", List.of(net.addressA()), Set.of());
    Path cert = Files.writeString(dir.resolve("gateway-cert.pem"), tls.certPem());
    Path key = Files.writeString(dir.resolve("gateway-key.pem"), tls.keyPem());

    control = NodeProcess.launch(net.inA(), net.addressA(), dir.resolve("control"), LOGS, "control",
        nodeArguments("control-plane,gateway", dir.resolve("control"), net.addressA(), clusterFile,
            "--tls-cert", cert.toString(), "--tls-key", key.toString()))
        .awaitPortsFile(Duration.ofMinutes(2));
    String join = dir.resolve("control").resolve("join.json").toString();
    nodeA = NodeProcess.launch(net.inA(), net.addressA(), dir.resolve("deployment-a"), LOGS, "deployment-a",
        nodeArguments("deployment", dir.resolve("deployment-a"), net.addressA(), clusterFile, "--join", join));
    nodeB = NodeProcess.launch(net.inB(), net.addressB(), dir.resolve("deployment-b"), LOGS, "deployment-b",
        nodeArguments("deployment", dir.resolve("deployment-b"), net.addressB(), clusterFile, "--join", join));
    nodeA.awaitPortsFile(Duration.ofMinutes(2));
    nodeB.awaitPortsFile(Duration.ofMinutes(2));
  }

  private static List<String> nodeArguments(String roles, Path dataDir, String host, Path clusterFile,
      String... more) {
    List<String> arguments = new ArrayList<>(List.of("node", "--roles", roles, "--data-dir", dataDir.toString(),
        "--host", host, "--cluster-config", clusterFile.toString(), "--gateway-port", "0", "--control-port", "0",
        "--management-port", "0"));
    arguments.addAll(List.of(more));
    return arguments;
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeProcess n : new NodeProcess[] {nodeB, nodeA, control}) {
      if (n != null) {
        n.close();
      }
    }
    if (net != null) {
      net.close();
      assertFalse(NamespaceNetwork.exists(net.namespaceA()) || NamespaceNetwork.exists(net.namespaceB()),
          "the namespaces are gone");
    }
  }

  private static JsonObject deployment() throws Exception {
    return control.manage("GET", "/endpoints/risk/deployments/blue", null);
  }

  private static List<JsonObject> instances() throws Exception {
    return deployment().getJsonArray("instances").stream().map(JsonObject.class::cast).toList();
  }

  private static Set<String> listedNodes() throws Exception {
    return control.manage("GET", "/nodes", null).getJsonArray("value").stream().map(JsonObject.class::cast)
        .map(n -> n.getString("node_id")).collect(Collectors.toSet());
  }

  /** Ready instances by node, when every listed instance is ready; null while one is not. */
  private static Map<String, Integer> readyByNode() throws Exception {
    List<JsonObject> now = instances();
    if (!now.stream().allMatch(i -> "Ready".equals(i.getString("state")))) {
      return null;
    }
    return now.stream().collect(Collectors.groupingBy(i -> i.getString("node"), TreeMap::new,
        Collectors.summingInt(i -> 1)));
  }

  /**
   * The instances of risk/blue each node runs by its own account: those whose lifecycle lines (GET
   * .../logs, gathered from every node) say "ready" and not "stopped".
   */
  private static Map<String, Set<String>> runningByNodeLogs() throws Exception {
    JsonObject logs = control.manage("GET", "/endpoints/risk/deployments/blue/logs?lines=10000", null);
    if (!logs.getJsonArray("unreachable_nodes", new io.vertx.core.json.JsonArray()).isEmpty()) {
      throw new IllegalStateException("not every node answered: " + logs.getJsonArray("unreachable_nodes"));
    }
    Map<String, Set<String>> running = new TreeMap<>();
    for (Object o : logs.getJsonArray("value")) {
      JsonObject line = (JsonObject) o;
      String instance = line.getString("instance");
      String message = line.getString("message", "");
      if (message.contains(" ready on ")) {
        running.computeIfAbsent(line.getString("node"), n -> new TreeSet<>()).add(instance);
      } else if (message.endsWith(" stopped")) {
        running.getOrDefault(line.getString("node"), new TreeSet<>()).remove(instance);
      }
    }
    running.values().removeIf(Set::isEmpty);
    return running;
  }

  /**
   * The cluster's members as B sees them (inferbus_cluster_members on its management port, which
   * listens on B's loopback: read from inside B's namespace).
   */
  private static double membersSeenByB() throws Exception {
    String metrics = net.execInB("curl", "-sf", "http://127.0.0.1:" + nodeB.ports().getInteger("management")
        + "/metrics");
    return metrics.lines().filter(l -> l.startsWith("inferbus_cluster_members ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).orElseThrow();
  }

  private static Map<String, Set<String>> listedByNode() throws Exception {
    return instances().stream().collect(Collectors.groupingBy(i -> i.getString("node"), TreeMap::new,
        Collectors.mapping(i -> i.getString("id"), Collectors.toCollection(TreeSet::new))));
  }

  @Test
  void aDeploymentNodeCutOffIsReplacedWithinTheBoundAndRejoinsWithoutDuplicatesWhenItsLinkReturns()
      throws Exception {
    String a = nodeA.nodeId();
    String b = nodeB.nodeId();
    Await.until("three nodes in GET /nodes", Duration.ofSeconds(30), () -> holds(() ->
        listedNodes().equals(Set.of(control.nodeId(), a, b))));
    control.registerExampleModel("1");
    control.manage("PUT", "/endpoints/risk", new JsonObject());
    // a queue may wait as long as the deadline: a starved instance on this shared 2-core machine
    // should not turn into 429s that have nothing to do with the partition
    control.manage("PUT", "/endpoints/risk/deployments/blue", new JsonObject().put("model", "credit:1")
        .put("instance_count", 2).put("request_settings", new JsonObject().put("request_timeout_ms", TIMEOUT_MS)
            .put("max_queue_wait_ms", TIMEOUT_MS).put("max_concurrent_requests_per_instance", 2)));
    Await.until("risk/blue Succeeded", Duration.ofSeconds(90), () -> holds(() ->
        "Succeeded".equals(deployment().getString("provisioning_state"))));
    control.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic", new JsonObject().put("blue", 100)));
    assertEquals(Map.of(a, 1, b, 1), readyByNode(), "one instance on each deployment node: " + instances());
    String onB = listedByNode().get(b).iterator().next();

    String scoringKey = control.keys("risk").getString("primaryKey");
    byte[] sample = Files.readAllBytes(EXAMPLE.resolve("sample-request.json"));
    String url = control.scoring() + "/endpoints/risk/score";
    Await.until("the gateway routing to risk", Duration.ofSeconds(30), () -> holds(() ->
        control.https().send("POST", url, scoringKey, "application/json", sample).statusCode() == 200));

    List<ScoringLoad.Outcome> outcomes;
    long cutAt;
    long evictedMs;
    long healAt;
    try (ScoringLoad load = ScoringLoad.start(control.https(), url, scoringKey, sample, CALLERS)) {
      Await.until("the load running on both instances", Duration.ofSeconds(60), () -> load.count() >= 1000
          && holds(() -> control.manage("GET", "/endpoints/risk/deployments/blue/logs?lines=200", null)
              .getJsonArray("value").stream().map(JsonObject.class::cast)
              .anyMatch(l -> onB.equals(l.getString("instance")) && l.getString("message", "").startsWith("request "))));

      cutAt = System.nanoTime();
      net.cut();
      // the nodes' logs (target/network-partition) are in wall-clock time
      System.out.println("NetworkPartitionTest: B's link cut at " + java.time.Instant.now());
      // the bounds are the waits' deadlines (is cluster.xml's failure detector tuned?)
      Await.until("B and its instance dropped by the control plane", EVICTION_BOUND, () -> holds(() ->
          !listedNodes().contains(b) && instances().stream().noneMatch(i -> b.equals(i.getString("node")))));
      evictedMs = msSince(cutAt);
      System.out.printf("MEASURED: NetworkPartitionTest cut to B dropped (node and instance gone from the control"
          + " plane) %d ms (bound %d ms)%n", evictedMs, EVICTION_BOUND.toMillis());
      Await.until("two ready instances on A", CAPACITY_BOUND, () -> holds(() -> Map.of(a, 2).equals(readyByNode())));
      long capacityMs = msSince(cutAt);
      // the other side of the cut: B, still running, has given up on the others too and is a
      // cluster of its own, which must merge back
      Await.until("B a cluster of one", EVICTION_BOUND, () -> holds(() -> membersSeenByB() == 1));
      System.out.printf("MEASURED: NetworkPartitionTest cut to 2 ready instances on A %d ms (bound %d ms), to B a"
          + " cluster of one %d ms%n", capacityMs, CAPACITY_BOUND.toMillis(), msSince(cutAt));
      int cutOff = load.count();
      Await.until("requests answered while B is cut off", Duration.ofSeconds(60), () -> load.count() >= cutOff + 500);

      healAt = System.nanoTime();
      net.heal();
      System.out.println("NetworkPartitionTest: B's link back at " + java.time.Instant.now());
      // (is cluster.xml's merge delay tuned?)
      Await.until("B listed in GET /nodes again", REJOIN_BOUND, () -> holds(() -> listedNodes().contains(b)));
      long rejoinedMs = msSince(healAt);
      Await.until("one ready instance on each deployment node again", SPREAD_BOUND,
          () -> holds(() -> Map.of(a, 1, b, 1).equals(readyByNode())));
      System.out.printf("MEASURED: NetworkPartitionTest link back to B listed again %d ms (bound %d ms), to one ready"
          + " instance per node %d ms%n", rejoinedMs, REJOIN_BOUND.toMillis(), msSince(healAt));
      Await.until("each node running exactly the instances listed for it", Duration.ofSeconds(30), () -> holds(() ->
          runningByNodeLogs().equals(listedByNode())));
      int healed = load.count();
      Await.until("more requests answered after the partition healed", Duration.ofSeconds(60),
          () -> load.count() >= healed + 1000);
      outcomes = load.stop(Duration.ofMillis(TIMEOUT_MS + MARGIN_MS));
    }

    List<ScoringLoad.Outcome> failed = outcomes.stream().filter(o -> o.status() != 200).toList();
    // B silent but not yet dropped: from a deadline before the cut (answers on their way back are
    // lost too) to a second after the control plane was seen to drop B (the gateway drops it at the
    // same Hazelcast event; the second covers this test's polling)
    long silentFrom = cutAt - Duration.ofMillis(TIMEOUT_MS + MARGIN_MS).toNanos();
    long silentUntil = cutAt + Duration.ofMillis(evictedMs + 1000).toNanos();
    List<ScoringLoad.Outcome> failedBeforeHeal = failed.stream().filter(o -> o.sentNanos() < healAt).toList();
    List<ScoringLoad.Outcome> failedOutsideSilence = failedBeforeHeal.stream()
        .filter(o -> o.sentNanos() < silentFrom || o.sentNanos() > silentUntil).toList();
    List<ScoringLoad.Outcome> failedAfterHeal = failed.stream().filter(o -> o.sentNanos() >= healAt).toList();
    double failedFraction = (double) failed.size() / outcomes.size();
    ScoringLoad.Outcome slowest = outcomes.stream().max(Comparator.comparingLong(ScoringLoad.Outcome::tookNanos))
        .orElseThrow();
    long afterHeal = outcomes.stream().filter(o -> o.sentNanos() >= healAt).count();
    System.out.printf("MEASURED: NetworkPartitionTest requests %d from %d callers, failed %d (%.3f %%), statuses %s;"
        + " %d sent after the link came back, %d of them failed%n", outcomes.size(), CALLERS, failed.size(),
        100 * failedFraction, failed.stream().collect(Collectors.groupingBy(ScoringLoad.Outcome::status,
            Collectors.counting())), afterHeal, failedAfterHeal.size());
    System.out.printf("MEASURED: NetworkPartitionTest slowest request %d ms (deadline %d ms)%n", slowest.tookMs(),
        TIMEOUT_MS);

    assertTrue(failedFraction <= FAILED_FRACTION, failed.size() + " of " + outcomes.size() + " requests failed,"
        + " first: " + failed.stream().limit(3).map(ScoringLoad.Outcome::failure).toList());
    assertTrue(failedOutsideSilence.isEmpty(), failedOutsideSilence.size() + " requests failed that were sent"
        + " before the link came back but not while B was silent, first: "
        + failedOutsideSilence.stream().limit(3).map(ScoringLoad.Outcome::failure).toList());
    assertTrue(slowest.tookMs() <= TIMEOUT_MS + MARGIN_MS, "the slowest request took " + slowest.tookMs()
        + " ms, past its " + TIMEOUT_MS + " ms deadline and " + MARGIN_MS + " ms of margin");
    assertTrue(failedAfterHeal.size() <= FAILED_AFTER_HEAL, failedAfterHeal.size() + " requests sent after the"
        + " link came back failed: " + failedAfterHeal.stream().limit(3).map(ScoringLoad.Outcome::failure).toList());
    assertEquals(Map.of(a, 1, b, 1), readyByNode(), "still exactly one ready instance per node: " + instances());
    assertEquals(listedByNode(), runningByNodeLogs(), "each node runs exactly the instances listed for it");
  }

  private static long msSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
