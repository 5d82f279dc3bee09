package io.inferbus.faults;

import static io.inferbus.testing.Await.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.ScoringLoad;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deployment node is killed (SIGKILL, its own process) while eight callers keep scoring through
 * the gateway of a control-plane node (another process); the deployment's two instances ran one on
 * each of two deployment nodes. The callers notice almost nothing: at most 1 % of requests fail and
 * none waits past its deadline; the control plane places the lost instance on the surviving node,
 * and the deployment is back at two ready instances within a bound.
 */
class NodeKillUnderLoadTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");
  private static final Path LOGS = Path.of("target", "node-kill-under-load");
  private static final int CALLERS = 8;
  private static final int TIMEOUT_MS = 3000;
  /** What a request may take past its deadline: the gateway's answer, a loaded 2-core machine's pauses. */
  private static final int MARGIN_MS = 2000;
  /** From the kill to two ready instances again: member loss, placement, a model load on a busy machine. */
  private static final Duration CAPACITY_BOUND = Duration.ofSeconds(45);
  @TempDir
  static Path dir;
  static NodeProcess control;
  static final List<NodeProcess> deploymentNodes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    String cluster = "inferbus-kill-" + UUID.randomUUID().toString().substring(0, 8);
    control = NodeProcess.node("control-plane,gateway", dir.resolve("control"),
        DeploymentNode.clusterConfig(cluster, "127.0.0.1"), LOGS, "control").awaitPortsFile(Duration.ofMinutes(2));
    Path join = dir.resolve("control").resolve("join.json");
    for (int i = 1; i <= 2; i++) {
      deploymentNodes.add(NodeProcess.deploymentNode(dir.resolve("deployment-" + i), join, LOGS, "deployment-" + i));
    }
    for (NodeProcess n : deploymentNodes) {
      n.awaitPortsFile(Duration.ofMinutes(2));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeProcess n : deploymentNodes) {
      n.close();
    }
    if (control != null) {
      control.close();
    }
  }

  private static JsonObject deployment() throws Exception {
    return control.manage("GET", "/endpoints/risk/deployments/blue", null);
  }

  private static List<JsonObject> instances() throws Exception {
    return deployment().getJsonArray("instances").stream().map(JsonObject.class::cast).toList();
  }

  @Test
  void killingADeploymentNodeUnderLoadFailsAlmostNothingAndCapacityComesBack() throws Exception {
    Await.until("three nodes in GET /nodes", Duration.ofSeconds(30), () -> holds(() ->
        control.manage("GET", "/nodes", null).getJsonArray("value").size() == 3));
    control.registerExampleModel("1");
    control.manage("PUT", "/endpoints/risk", new JsonObject());
    // a queue may wait as long as the deadline: a starved instance on this shared 2-core machine
    // should not turn into 429s that have nothing to do with the node loss
    control.manage("PUT", "/endpoints/risk/deployments/blue", new JsonObject().put("model", "credit:1")
        .put("instance_count", 2).put("request_settings", new JsonObject().put("request_timeout_ms", TIMEOUT_MS)
            .put("max_queue_wait_ms", TIMEOUT_MS).put("max_concurrent_requests_per_instance", 2)));
    Await.until("risk/blue Succeeded", Duration.ofSeconds(90), () -> holds(() ->
        "Succeeded".equals(deployment().getString("provisioning_state"))));
    control.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic", new JsonObject().put("blue", 100)));
    assertEquals(deploymentNodes.stream().map(NodeProcess::nodeId).collect(Collectors.toSet()),
        instances().stream().map(i -> i.getString("node")).collect(Collectors.toSet()),
        "one instance on each deployment node: " + instances());

    String key = control.keys("risk").getString("primaryKey");
    byte[] sample = Files.readAllBytes(EXAMPLE.resolve("sample-request.json"));
    String url = control.scoring() + "/endpoints/risk/score";
    Await.until("the gateway routing to risk", Duration.ofSeconds(30), () -> holds(() ->
        control.https().send("POST", url, key, "application/json", sample).statusCode() == 200));

    NodeProcess victim = deploymentNodes.get(1);
    NodeProcess survivor = deploymentNodes.get(0);
    List<ScoringLoad.Outcome> outcomes;
    long killedAt;
    long capacityMs;
    try (ScoringLoad load = ScoringLoad.start(control.https(), url, key, sample, CALLERS)) {
      Await.until("the load running on both instances", Duration.ofSeconds(60), () -> load.count() >= 1000
          && victim.metricQuietly("inferbus_instance_runs_total", "endpoint=\"risk\"") > 0);
      killedAt = System.nanoTime();
      assertEquals(137, victim.kill(), "SIGKILL");
      Await.until("two ready instances on the surviving node", CAPACITY_BOUND, () -> holds(() -> {
        List<JsonObject> now = instances();
        return now.size() == 2 && now.stream().allMatch(i -> "Ready".equals(i.getString("state"))
            && survivor.nodeId().equals(i.getString("node")));
      }));
      capacityMs = (System.nanoTime() - killedAt) / 1_000_000;
      // and the load keeps running on the restored capacity for a while
      int atCapacity = load.count();
      Await.until("more requests answered at full capacity", Duration.ofSeconds(60),
          () -> load.count() >= atCapacity + 1000);
      outcomes = load.stop(Duration.ofMillis(TIMEOUT_MS + MARGIN_MS));
    }

    List<ScoringLoad.Outcome> failed = outcomes.stream().filter(o -> o.status() != 200).toList();
    ScoringLoad.Outcome slowest = outcomes.stream().max(Comparator.comparingLong(ScoringLoad.Outcome::tookNanos))
        .orElseThrow();
    long afterKill = outcomes.stream().filter(o -> o.sentNanos() >= killedAt).count();
    double failedFraction = (double) failed.size() / outcomes.size();
    long loadMs = (outcomes.stream().mapToLong(o -> o.sentNanos() + o.tookNanos()).max().orElseThrow()
        - outcomes.stream().mapToLong(ScoringLoad.Outcome::sentNanos).min().orElseThrow()) / 1_000_000;
    System.out.printf("MEASURED: NodeKillUnderLoadTest requests %d in %d ms from %d callers (%d sent after the kill),"
        + " failed %d (%.3f %%)%n", outcomes.size(), loadMs, CALLERS, afterKill, failed.size(), 100 * failedFraction);
    System.out.printf("MEASURED: NodeKillUnderLoadTest slowest request %d ms (deadline %d ms), sent %d ms %s the kill%n",
        slowest.tookMs(), TIMEOUT_MS, Math.abs(slowest.sentNanos() - killedAt) / 1_000_000,
        slowest.sentNanos() >= killedAt ? "after" : "before");
    System.out.printf("MEASURED: NodeKillUnderLoadTest kill to 2 ready instances on the survivor %d ms%n", capacityMs);
    System.out.printf("MEASURED: NodeKillUnderLoadTest requests sent again by the gateway (node_left) %.0f%n",
        control.metricQuietly("inferbus_gateway_retries_total", "endpoint=\"risk\"", "reason=\"node_left\""));

    assertTrue(failedFraction <= 0.01, failed.size() + " of " + outcomes.size() + " requests failed, statuses "
        + failed.stream().collect(Collectors.groupingBy(ScoringLoad.Outcome::status, Collectors.counting()))
        + ", first: " + failed.stream().limit(3).map(ScoringLoad.Outcome::failure).toList());
    assertTrue(slowest.tookMs() <= TIMEOUT_MS + MARGIN_MS, "the slowest request took " + slowest.tookMs()
        + " ms, past its " + TIMEOUT_MS + " ms deadline and " + MARGIN_MS + " ms of margin");
    assertTrue(afterKill >= 1000, "the load kept running after the kill: " + afterKill + " requests");
    assertEquals(Set.of(survivor.nodeId()), instances().stream().map(i -> i.getString("node"))
        .collect(Collectors.toSet()), "both instances on the surviving node");
  }
}
