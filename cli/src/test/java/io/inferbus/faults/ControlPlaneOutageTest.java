package io.inferbus.faults;

import static io.inferbus.testing.Await.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.ScoringLoad;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control-plane node goes away (SIGTERM in one test, SIGKILL in the other) while a
 * gateway+deployment node, another process that joined by file, serves a deployment: the gateway
 * keeps scoring throughout. Started again on the same data directory, the control plane is back in
 * the same cluster with the endpoint, deployment and traffic as before, and a change made through it
 * reaches the other node's gateway. The peer's Hazelcast port is one the control plane's
 * configuration does not name, as on another machine: the control plane finds it again because it
 * remembers its cluster's members ({@code cluster/members.json}).
 */
class ControlPlaneOutageTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");
  private static final Path LOGS = Path.of("target", "control-plane-outage");
  /** Requests in a row the gateway must answer 200 while the control plane is down. */
  private static final int WHILE_DOWN = 300;
  @TempDir
  Path dir;
  NodeProcess control;
  NodeProcess restarted;
  NodeProcess peer;

  @AfterEach
  void stop() throws Exception {
    for (NodeProcess n : new NodeProcess[] {peer, restarted, control}) {
      if (n != null) {
        n.close();
      }
    }
  }

  @Test
  void theGatewayServesThroughAControlPlaneStopAndTheRestartedControlPlaneHasItsState() throws Exception {
    survivesAnOutage(false);
  }

  @Test
  void theGatewayServesThroughAControlPlaneKillAndTheRestartedControlPlaneHasItsState() throws Exception {
    survivesAnOutage(true);
  }

  private void survivesAnOutage(boolean kill) throws Exception {
    String name = kill ? "kill" : "stop";
    String clusterXml = DeploymentNode.clusterConfig(
        "inferbus-outage-" + UUID.randomUUID().toString().substring(0, 8), "127.0.0.1");
    Path controlDir = dir.resolve("control");
    control = NodeProcess.node("control-plane", controlDir, clusterXml, LOGS, name + "-control")
        .awaitPortsFile(Duration.ofMinutes(2));
    // The peer's Hazelcast listens on ports the control plane's configuration does not name (it names
    // 127.0.0.1, which Hazelcast reads as ports 5701-5703), as a node on another machine would: the
    // restarted control plane must find its cluster without being told where the other nodes are.
    String elsewhere = clusterXml.replace(">5701</port>", ">5901</port>");
    assertNotEquals(clusterXml, elsewhere, "the shipped cluster.xml's port is 5701");
    peer = NodeProcess.joining("gateway,deployment", dir.resolve("peer"), controlDir.resolve("join.json"), elsewhere,
        LOGS, name + "-peer").awaitPortsFile(Duration.ofMinutes(2));
    Await.until("two nodes in GET /nodes", Duration.ofSeconds(30), () -> holds(() ->
        control.manage("GET", "/nodes", null).getJsonArray("value").size() == 2));

    control.registerExampleModel("1");
    control.manage("PUT", "/endpoints/risk", new JsonObject().put("description", "before the outage"));
    control.manage("PUT", "/endpoints/risk/deployments/blue", new JsonObject().put("model", "credit:1")
        .put("instance_count", 1));
    Await.until("risk/blue Succeeded", Duration.ofSeconds(90), () -> holds(() -> "Succeeded".equals(
        control.manage("GET", "/endpoints/risk/deployments/blue", null).getString("provisioning_state"))));
    control.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic", new JsonObject().put("blue", 100)));
    JsonObject endpointBefore = control.manage("GET", "/endpoints/risk", null);
    JsonObject deploymentBefore = control.manage("GET", "/endpoints/risk/deployments/blue", null);
    JsonObject keys = control.keys("risk");
    String key = keys.getString("primaryKey");

    // the peer's gateway scores with the key from the control plane
    byte[] sample = Files.readAllBytes(EXAMPLE.resolve("sample-request.json"));
    String url = peer.scoring() + "/endpoints/risk/score";
    Await.until("the peer's gateway routing to risk", Duration.ofSeconds(30), () -> holds(() ->
        peer.https().send("POST", url, key, "application/json", sample).statusCode() == 200));

    List<ScoringLoad.Outcome> outcomes;
    long downAt;
    long upAt;
    try (ScoringLoad load = ScoringLoad.start(peer.https(), url, key, sample, 2)) {
      Await.until("the load running", Duration.ofSeconds(30), () -> load.count() >= 100);
      if (kill) {
        assertEquals(137, control.kill(), "SIGKILL");
      } else {
        assertEquals(0, control.stop(Duration.ofSeconds(60)), "SIGTERM: a clean stop exits 0");
      }
      downAt = System.nanoTime();
      int atDown = load.count();
      Await.until(WHILE_DOWN + " requests answered while the control plane is down", Duration.ofSeconds(60),
          () -> load.count() >= atDown + WHILE_DOWN);

      // the same data dir, the same cluster configuration: an operator starting the node again
      restarted = NodeProcess.node("control-plane", controlDir, clusterXml, LOGS, name + "-control-again");
      restarted.awaitPortsFile(Duration.ofMinutes(2));
      upAt = System.nanoTime();
      int atUp = load.count();
      Await.until("requests answered after the restart", Duration.ofSeconds(60), () -> load.count() >= atUp + 100);
      outcomes = load.stop(Duration.ofSeconds(10));
    }
    List<ScoringLoad.Outcome> whileDown = outcomes.stream()
        .filter(o -> o.sentNanos() >= downAt && o.sentNanos() < upAt).toList();
    List<ScoringLoad.Outcome> failed = outcomes.stream().filter(o -> o.status() != 200).toList();
    System.out.printf("MEASURED: ControlPlaneOutageTest (%s) %d requests while the control plane was down (%d ms),"
        + " %d of %d in all failed%n", kill ? "SIGKILL" : "SIGTERM", whileDown.size(), (upAt - downAt) / 1_000_000,
        failed.size(), outcomes.size());
    assertTrue(whileDown.size() >= WHILE_DOWN, "requests while down: " + whileDown.size());
    assertTrue(failed.isEmpty(), failed.size() + " of " + outcomes.size() + " requests failed, statuses "
        + failed.stream().collect(Collectors.groupingBy(ScoringLoad.Outcome::status, Collectors.counting()))
        + ", first: " + failed.stream().limit(3).map(ScoringLoad.Outcome::failure).toList());

    // the restarted control plane has its state, and is a member of the peer's cluster again
    assertEquals(endpointBefore, restarted.manage("GET", "/endpoints/risk", null), "the endpoint as before");
    assertEquals(keys, restarted.keys("risk"), "the endpoint's keys as before");
    Await.until("the restarted control plane sees the peer", Duration.ofSeconds(30), () -> holds(() ->
        restarted.manage("GET", "/nodes", null).getJsonArray("value").stream().map(JsonObject.class::cast)
            .anyMatch(n -> peer.nodeId().equals(n.getString("node_id")))));
    JsonObject deploymentAfter = restarted.manage("GET", "/endpoints/risk/deployments/blue", null);
    assertEquals(deploymentBefore, deploymentAfter, "the deployment as before, its instance still running on the peer");

    // a change made at the restarted control plane reaches the peer's gateway: one cluster again
    String newSecondary = restarted.manage("POST", "/endpoints/risk/keys/regenerate",
        new JsonObject().put("key_type", "secondary")).getString("secondaryKey");
    Await.until("the peer's gateway accepting the regenerated secondary key", Duration.ofSeconds(10), () -> holds(() ->
        peer.https().send("POST", url, newSecondary, "application/json", sample).statusCode() == 200));
    assertEquals(401, peer.https().send("POST", url, keys.getString("secondaryKey"), "application/json", sample)
        .statusCode(), "the old secondary key refused");
    assertEquals(200, peer.https().send("POST", url, key, "application/json", sample).statusCode());
  }
}
