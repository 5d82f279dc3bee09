package io.inferbus.cli;

import static io.inferbus.testing.Await.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NodeProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-node topology of {@code docker-compose.yml}, as three separate processes on loopback:
 * one {@code inferbus node --roles control-plane,gateway} and two deployment nodes, each with its
 * own data directory and a cluster config naming the first; the first deployment node runs a second
 * gateway too ({@code --roles gateway,deployment}). A model registered through the control plane is
 * placed on both deployment nodes and scored through the gateway over the clustered event bus (TCP
 * between the processes); stopping one deployment node with SIGTERM, as an operator would, fails no
 * request while a caller keeps scoring; a key regenerated at the control plane is refused by the
 * other process's gateway within a second.
 */
class ClusterTopologyProcessTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");
  private static final Path LOGS = Path.of("target", "cluster-topology");
  @TempDir
  static Path dir;
  static NodeProcess control;
  static final List<NodeProcess> deploymentNodes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    String cluster = "inferbus-topology-" + UUID.randomUUID().toString().substring(0, 8);
    control = NodeProcess.node("control-plane,gateway", dir.resolve("control"),
        DeploymentNode.clusterConfig(cluster, "127.0.0.1"), LOGS, "control").awaitPortsFile(Duration.ofMinutes(2));
    // every other node joins with the join file the control-plane node wrote, as an operator copies it
    Path join = dir.resolve("control").resolve("join.json");
    for (int i = 1; i <= 2; i++) {
      deploymentNodes.add(NodeProcess.joining(i == 1 ? "gateway,deployment" : "deployment",
          dir.resolve("deployment-" + i), join, LOGS, "deployment-" + i));
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

  private static List<JsonObject> nodes() throws Exception {
    return control.manage("GET", "/nodes", null).getJsonArray("value").stream().map(JsonObject.class::cast).toList();
  }

  @Test
  void aModelPlacedOnTwoDeploymentNodesIsScoredThroughTheGatewayAndSurvivesOneStopping() throws Exception {
    Await.until("three nodes in GET /nodes", Duration.ofSeconds(30), () -> holds(() -> nodes().size() == 3));
    String token = control.adminToken();
    HttpResponse<String> model = control.https().send("PUT", control.control() + "/models/credit/versions/1", token,
        "application/octet-stream", Files.readAllBytes(EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx")));
    assertEquals(201, model.statusCode(), model.body());
    control.manage("PUT", "/endpoints/risk", new JsonObject());
    control.manage("PUT", "/endpoints/risk/deployments/blue", new JsonObject().put("model", "credit:1")
        .put("instance_count", 2));
    Await.until("risk/blue Succeeded", Duration.ofSeconds(90), () -> holds(() -> "Succeeded".equals(
        control.manage("GET", "/endpoints/risk/deployments/blue", null).getString("provisioning_state"))));
    control.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic", new JsonObject().put("blue", 100)));
    JsonArray instances = control.manage("GET", "/endpoints/risk/deployments/blue", null).getJsonArray("instances");
    Set<String> placedOn = instances.stream().map(JsonObject.class::cast).map(i -> i.getString("node"))
        .collect(Collectors.toSet());
    assertEquals(deploymentNodes.stream().map(NodeProcess::nodeId).collect(Collectors.toSet()), placedOn,
        "one instance on each deployment node, none on the control node: " + instances);

    String key = control.keys("risk").getString("primaryKey");
    byte[] sample = Files.readAllBytes(EXAMPLE.resolve("sample-request.json"));
    JsonObject expected = new JsonObject(Files.readString(EXAMPLE.resolve("expected-outputs.json")))
        .getJsonObject("outputs");
    Await.until("the gateway routing to risk", Duration.ofSeconds(30), () -> holds(() -> control.https().send("POST",
        control.scoring() + "/endpoints/risk/score", key, "application/json", sample).statusCode() == 200));
    HttpResponse<String> first = control.https().send("POST", control.scoring() + "/endpoints/risk/score", key,
        "application/json", sample);
    assertEquals(200, first.statusCode(), first.body());
    assertEquals(expected.getJsonArray("label"), new JsonObject(first.body()).getJsonArray("label"));

    // one caller scores throughout; deployment-2 stops cleanly in the middle
    AtomicBoolean scoring = new AtomicBoolean(true);
    List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> caller = CompletableFuture.runAsync(() -> {
      while (scoring.get()) {
        try {
          statuses.add(control.https().send("POST", control.scoring() + "/endpoints/risk/score", key,
              "application/json", sample).statusCode());
        } catch (Exception e) {
          statuses.add(-1);
        }
      }
    });
    Await.until("some requests served", Duration.ofSeconds(30), () -> statuses.size() >= 20);
    assertEquals(0, deploymentNodes.get(1).stop(Duration.ofSeconds(60)), "SIGTERM: a clean stop exits 0");
    int atStop = statuses.size();
    Await.until("requests served after the stop", Duration.ofSeconds(30), () -> statuses.size() >= atStop + 50);
    scoring.set(false);
    caller.get();
    List<Integer> failed = statuses.stream().filter(s -> s != 200).toList();
    assertTrue(failed.isEmpty(), failed.size() + " of " + statuses.size() + " requests failed: " + failed);
    Await.until("the stopped node gone from GET /nodes", Duration.ofSeconds(30), () -> holds(() -> nodes().stream()
        .noneMatch(n -> deploymentNodes.get(1).nodeId().equals(n.getString("node_id")))));
    assertEquals(200, control.https().send("POST", control.scoring() + "/endpoints/risk/score", key,
        "application/json", sample).statusCode(), "served by the remaining deployment node");

    // the second gateway, in another process, serves the endpoint and hears of a regenerated key at once
    NodeProcess other = deploymentNodes.get(0);
    HttpResponse<String> there = other.https().send("POST", other.scoring() + "/endpoints/risk/score", key,
        "application/json", sample);
    assertEquals(200, there.statusCode(), there.body());
    assertEquals(expected.getJsonArray("label"), new JsonObject(there.body()).getJsonArray("label"));
    control.manage("POST", "/endpoints/risk/keys/regenerate", new JsonObject().put("key_type", "primary"));
    long regenerated = System.nanoTime();
    Await.until("the old key refused by the other gateway", Duration.ofSeconds(5), () -> holds(() -> other.https()
        .send("POST", other.scoring() + "/endpoints/risk/score", key, "application/json", sample).statusCode() == 401));
    long refusedAfterMs = (System.nanoTime() - regenerated) / 1_000_000;
    assertTrue(refusedAfterMs < 1000, "refused " + refusedAfterMs + " ms after the regeneration was answered");
  }
}
