package io.inferbus.controlplane.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.Await;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.InstanceState;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's metrics as a Prometheus scrape of the node shows them, while an operator
 * changes things through the management API of a real control plane. Node agents are stood in for
 * by writing instances into the cluster's instance table.
 */
class ControlPlaneMetricsTest {
  private static final String CHANGES = "inferbus_controlplane_changes_total";
  private static final String WEIGHT = "inferbus_endpoint_traffic_weight";
  private static final String MIRROR = "inferbus_endpoint_mirror_traffic_weight";
  private static final String REVISION = "inferbus_endpoint_traffic_revision";
  private static final String DESIRED = "inferbus_deployment_desired_instances";
  private static final String INSTANCES = "inferbus_deployment_instances";
  private static final Duration CONVERGE = Duration.ofSeconds(10);

  @TempDir
  static Path dataDir;
  static HazelcastInstance hazelcast;
  /** Signs the instance entries this test writes, as a node agent does. */
  static ClusterRecords AGENT;
  static TestControlPlane cp;
  static String admin;
  static String operator;
  static String reader;

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    AGENT = TestCluster.records(hazelcast);
    cp = TestControlPlane.start(dataDir, hazelcast);
    admin = cp.token(OperatorRole.ADMIN);
    operator = cp.token(OperatorRole.OPERATOR);
    reader = cp.token(OperatorRole.READER);
    assertEquals(201, cp.registerModel("credit-model", "1", TestControlPlane.EXAMPLE_MODEL).status());
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
    hazelcast.shutdown();
  }

  @Test
  void everyKindAndOutcomeIsAScrapedSeriesAndNoCallAddsOthers() throws Exception {
    Set<String> kinds = Set.of("model_register", "endpoint_create", "endpoint_update", "endpoint_delete", "traffic",
        "rollback", "keys_regenerate", "token", "deployment_create", "deployment_update", "deployment_scale",
        "deployment_delete", "operator_token_create", "operator_token_revoke", "admin_token_rotate", "node_remove",
        "rollout_start", "rollout_promote", "rollout_abort");
    Set<Map<String, String>> expected = new HashSet<>();
    for (String kind : kinds) {
      for (String outcome : List.of("ok", "refused", "failed")) {
        expected.add(Map.of("kind", kind, "outcome", outcome));
      }
    }
    assertEquals(expected, series(CHANGES).keySet());

    double refusedCreates = changes("endpoint_create", "refused");
    // no token, a bad token, unknown routes and methods, a reader's change
    assertEquals(401, cp.call("PUT", "/endpoints/anonymous", null, new JsonObject()).status());
    assertEquals(401, cp.call("PUT", "/endpoints/anonymous", "not-a-token", new JsonObject()).status());
    assertEquals(404, cp.call("POST", "/endpoints/anonymous/restart", admin, new JsonObject()).status());
    assertEquals(404, cp.call("DELETE", "/nodes", admin, null).status());
    assertEquals(403, cp.call("PUT", "/endpoints/anonymous", reader, new JsonObject()).status());
    assertEquals(expected, series(CHANGES).keySet());
    assertEquals(refusedCreates + 3, changes("endpoint_create", "refused"));
  }

  @Test
  void putCountsAsCreateOrUpdateWhateverItsOutcome() throws Exception {
    double createdOk = changes("endpoint_create", "ok");
    double createRefused = changes("endpoint_create", "refused");
    double updatedOk = changes("endpoint_update", "ok");
    double updateRefused = changes("endpoint_update", "refused");
    JsonObject badAuthMode = new JsonObject().put("auth_mode", "password");

    assertEquals(400, cp.call("PUT", "/endpoints/put-kinds", admin, badAuthMode).status());
    assertEquals(createRefused + 1, changes("endpoint_create", "refused"));
    assertEquals(201, cp.call("PUT", "/endpoints/put-kinds", admin, new JsonObject()).status());
    assertEquals(createdOk + 1, changes("endpoint_create", "ok"));
    awaitValue(REVISION, 1, "endpoint", "put-kinds");
    assertEquals(200, cp.call("PUT", "/endpoints/put-kinds", admin, new JsonObject().put("description", "x"))
        .status());
    assertEquals(updatedOk + 1, changes("endpoint_update", "ok"));
    assertEquals(400, cp.call("PUT", "/endpoints/put-kinds", admin, badAuthMode).status());
    assertEquals(updateRefused + 1, changes("endpoint_update", "refused"));
    assertEquals(createRefused + 1, changes("endpoint_create", "refused"));
  }

  @Test
  void refusedChangesCountAsRefused() throws Exception {
    endpointWithDeployments("refusals", "blue");
    double scaleOk = changes("deployment_scale", "ok");
    double scaleRefused = changes("deployment_scale", "refused");
    double trafficRefused = changes("traffic", "refused");
    double createRefused = changes("deployment_create", "refused");
    double modelRefused = changes("model_register", "refused");
    double deleteRefused = changes("deployment_delete", "refused");

    assertEquals(400, cp.call("PATCH", "/endpoints/refusals/deployments/blue", operator,
        new JsonObject().put("instance_count", 999)).status());
    assertEquals(400, cp.call("PATCH", "/endpoints/refusals", operator,
        new JsonObject().put("traffic", new JsonObject().put("blue", 60))).status());
    assertEquals(400, cp.call("PUT", "/endpoints/refusals/deployments/green", admin,
        new JsonObject().put("model", "no-such-model:1")).status());
    assertEquals(409, cp.registerModel("credit-model", "1", TestControlPlane.EXAMPLE_MODEL_V2).status());
    assertEquals(409, cp.call("DELETE", "/endpoints/refusals/deployments/blue", admin, null).status());

    assertEquals(scaleRefused + 1, changes("deployment_scale", "refused"));
    assertEquals(scaleOk, changes("deployment_scale", "ok"));
    assertEquals(trafficRefused + 1, changes("traffic", "refused"));
    assertEquals(createRefused + 1, changes("deployment_create", "refused"));
    assertEquals(modelRefused + 1, changes("model_register", "refused"));
    assertEquals(deleteRefused + 1, changes("deployment_delete", "refused"));
  }

  @Test
  void trafficChangeMovesTheWeightsAndTheRevisionAndKeepsCounting() throws Exception {
    endpointWithDeployments("split", "blue", "green");
    awaitValue(WEIGHT, 100, "endpoint", "split", "deployment", "blue");
    assertEquals(0, value(WEIGHT, "endpoint", "split", "deployment", "green"));
    double revision = value(REVISION, "endpoint", "split");
    double trafficOk = changes("traffic", "ok");
    double rollbackOk = changes("rollback", "ok");

    traffic("split", new JsonObject().put("blue", 100), new JsonObject().put("green", 20));
    awaitValue(MIRROR, 20, "endpoint", "split", "deployment", "green");
    assertEquals(revision + 1, value(REVISION, "endpoint", "split"));
    traffic("split", new JsonObject().put("blue", 90).put("green", 10), new JsonObject().put("green", 0));
    awaitValue(WEIGHT, 90, "endpoint", "split", "deployment", "blue");
    assertEquals(10, value(WEIGHT, "endpoint", "split", "deployment", "green"));
    assertEquals(0, value(MIRROR, "endpoint", "split", "deployment", "green"));
    assertEquals(0, value(MIRROR, "endpoint", "split", "deployment", "blue"));
    assertEquals(revision + 2, value(REVISION, "endpoint", "split"));
    assertEquals(trafficOk + 2, changes("traffic", "ok"));

    assertEquals(200, cp.call("POST", "/endpoints/split/traffic/rollback", operator, new JsonObject()).status());
    awaitValue(WEIGHT, 100, "endpoint", "split", "deployment", "blue");
    assertEquals(20, value(MIRROR, "endpoint", "split", "deployment", "green"));
    assertEquals(revision + 3, value(REVISION, "endpoint", "split"));
    assertEquals(rollbackOk + 1, changes("rollback", "ok"));
    assertEquals(trafficOk + 2, changes("traffic", "ok"));
  }

  @Test
  void scaleChangeKeepsTheSeriesAndInstancesAreCountedByState() throws Exception {
    endpointWithDeployments("scaling", "blue");
    awaitValue(DESIRED, 1, "endpoint", "scaling", "deployment", "blue");
    for (String state : List.of("Loading", "Ready", "Draining", "Failed")) {
      assertEquals(0, value(INSTANCES, "endpoint", "scaling", "deployment", "blue", "state", state), state);
    }
    Gauge desired = cp.registry.find("inferbus.deployment.desired.instances")
        .tags("endpoint", "scaling", "deployment", "blue").gauge();
    assertNotNull(desired);
    double scaleOk = changes("deployment_scale", "ok");

    assertEquals(200, cp.call("PATCH", "/endpoints/scaling/deployments/blue", operator,
        new JsonObject().put("instance_count", 3)).status());
    awaitValue(DESIRED, 3, "endpoint", "scaling", "deployment", "blue");
    assertSame(desired, cp.registry.find("inferbus.deployment.desired.instances")
        .tags("endpoint", "scaling", "deployment", "blue").gauge(), "the series must not be registered again");
    assertEquals(scaleOk + 1, changes("deployment_scale", "ok"));

    // node agents publish their instances
    instance("scaling.blue.1", "scaling", "blue", InstanceState.READY);
    instance("scaling.blue.2", "scaling", "blue", InstanceState.READY);
    instance("scaling.blue.3", "scaling", "blue", InstanceState.LOADING);
    instance("scaling.blue.0", "scaling", "blue", InstanceState.DRAINING);
    // events of different keys may arrive in any order (Hazelcast partitions): wait for each count
    awaitValue(INSTANCES, 1, "endpoint", "scaling", "deployment", "blue", "state", "Draining");
    awaitValue(INSTANCES, 2, "endpoint", "scaling", "deployment", "blue", "state", "Ready");
    awaitValue(INSTANCES, 1, "endpoint", "scaling", "deployment", "blue", "state", "Loading");
    assertEquals(0, value(INSTANCES, "endpoint", "scaling", "deployment", "blue", "state", "Failed"));

    instance("scaling.blue.3", "scaling", "blue", InstanceState.READY);
    hazelcast.getMap(ClusterMaps.INSTANCES).delete("scaling.blue.0");
    awaitValue(INSTANCES, 3, "endpoint", "scaling", "deployment", "blue", "state", "Ready");
    awaitValue(INSTANCES, 0, "endpoint", "scaling", "deployment", "blue", "state", "Draining");
    awaitValue(INSTANCES, 0, "endpoint", "scaling", "deployment", "blue", "state", "Loading");
  }

  @Test
  void deletingADeploymentOrAnEndpointRemovesItsSeries() throws Exception {
    endpointWithDeployments("leaving", "blue", "green");
    awaitValue(DESIRED, 1, "endpoint", "leaving", "deployment", "green");
    instance("leaving.green.1", "leaving", "green", InstanceState.READY);
    awaitValue(INSTANCES, 1, "endpoint", "leaving", "deployment", "green", "state", "Ready");
    double deletesOk = changes("deployment_delete", "ok");
    double endpointDeletesOk = changes("endpoint_delete", "ok");

    assertEquals(200, cp.call("DELETE", "/endpoints/leaving/deployments/green", admin, null).status());
    Await.until("green's series gone", CONVERGE, () -> seriesOf("leaving", "green").isEmpty());
    assertEquals(Set.of(WEIGHT, MIRROR, DESIRED, INSTANCES), seriesOf("leaving", "blue"));
    assertEquals(deletesOk + 1, changes("deployment_delete", "ok"));

    assertEquals(200, cp.call("DELETE", "/endpoints/leaving", admin, null).status());
    Await.until("the endpoint's series gone", CONVERGE, () -> seriesOf("leaving", null).isEmpty());
    assertEquals(endpointDeletesOk + 1, changes("endpoint_delete", "ok"));
  }

  @Test
  void anAnswerOver499CountsAsFailed() {
    ControlPlaneMetrics metrics = new ControlPlaneMetrics(cp.registry, TestCluster.records(hazelcast),
        cp.vertx.getOrCreateContext());
    double failed = changes("token", "failed");
    metrics.changeAnswered(ChangeKind.TOKEN, 500);
    metrics.changeAnswered(ChangeKind.TOKEN, 503);
    assertEquals(failed + 2, changes("token", "failed"));
  }

  // ------------------------------------------------------------------ helpers

  private static void endpointWithDeployments(String endpoint, String... deployments) throws Exception {
    assertEquals(201, cp.call("PUT", "/endpoints/" + endpoint, admin, new JsonObject()).status());
    for (String d : deployments) {
      Answer a = cp.call("PUT", "/endpoints/" + endpoint + "/deployments/" + d, admin,
          new JsonObject().put("model", "credit-model:1"));
      assertEquals(201, a.status(), a.text());
    }
    traffic(endpoint, new JsonObject().put(deployments[0], 100), null);
  }

  private static void traffic(String endpoint, JsonObject traffic, JsonObject mirror) throws Exception {
    JsonObject body = new JsonObject().put("traffic", traffic);
    if (mirror != null) {
      body.put("mirror_traffic", mirror);
    }
    Answer a = cp.call("PATCH", "/endpoints/" + endpoint, operator, body);
    assertEquals(200, a.status(), a.text());
  }

  /** Stands in for a node agent publishing one of its instances. */
  private static void instance(String id, String endpoint, String deployment, String state) {
    AGENT.map(ClusterMaps.INSTANCES).set(id, new InstanceState(id, endpoint, deployment, 1,
        "node-x", "inferbus.instance." + id, state, null, System.currentTimeMillis(), null).toJson());
  }

  private static double changes(String kind, String outcome) {
    return value(CHANGES, "kind", kind, "outcome", outcome);
  }

  private static void awaitValue(String name, double expected, String... labels) {
    Await.until(name + labelMap(labels) + " = " + expected, CONVERGE, () -> {
      Double v = series(name).get(labelMap(labels));
      return v != null && v == expected;
    });
  }

  /** The scraped value of one series; fails if the scrape has no such series. */
  private static double value(String name, String... labels) {
    Double v = series(name).get(labelMap(labels));
    assertNotNull(v, () -> "no series " + name + labelMap(labels) + " in the scrape");
    return v;
  }

  /** The names of the series the scrape shows for the endpoint (and deployment, when not null). */
  private static Set<String> seriesOf(String endpoint, String deployment) {
    Set<String> names = new TreeSet<>();
    for (String name : List.of(WEIGHT, MIRROR, REVISION, DESIRED, INSTANCES)) {
      series(name).keySet().forEach(labels -> {
        if (endpoint.equals(labels.get("endpoint"))
            && (deployment == null || deployment.equals(labels.get("deployment")))) {
          names.add(name);
        }
      });
    }
    return names;
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** Every sample of metric {@code name} in a scrape: labels → value. */
  private static Map<Map<String, String>, Double> series(String name) {
    Map<Map<String, String>, Double> samples = new HashMap<>();
    for (String line : cp.scrape().split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.put(labels, Double.parseDouble(m.group(3)));
    }
    return samples;
  }

  private static Map<String, String> labelMap(String... labels) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i + 1 < labels.length; i += 2) {
      m.put(labels[i], labels[i + 1]);
    }
    return m;
  }
}
