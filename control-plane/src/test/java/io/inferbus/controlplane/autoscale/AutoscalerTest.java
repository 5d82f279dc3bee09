package io.inferbus.controlplane.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.Await;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.GatewayDemand;
import io.inferbus.protocol.autoscale.WakeRequest;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoscaler in a real control plane (HTTPS management API, SQLite store, Hazelcast tables):
 * a stand-in gateway answers the demand question with figures the test sets, and the test
 * publishes the instances a node agent would. Checks the management API's handling of
 * {@code scale_settings}, the loop's decisions as audited writes that keep the generation, scale to
 * zero and the wake, and a restarted control plane carrying on. Polling every second, delays of 0-1 s.
 */
class AutoscalerTest {
  private static final String GATEWAY = "gw-stand-in";

  @TempDir
  static Path dataDir;
  static HazelcastInstance hazelcast;
  static ClusterRecords agent;
  static TestControlPlane cp;
  static StandInGateway gateway;
  static String admin;
  static String operator;

  /** A gateway's demand service answering what the test sets per deployment key. */
  static final class StandInGateway {
    final Map<String, GatewayDemand.Demand> demand = new ConcurrentHashMap<>();
    final List<DemandQuery> asked = new CopyOnWriteArrayList<>();
    final MessageConsumer<Object> consumer;

    StandInGateway(io.vertx.core.Vertx vertx) throws Exception {
      consumer = vertx.eventBus().consumer(Addresses.gatewayDemand(GATEWAY), m -> {
        DemandQuery q = DemandQuery.fromJson(m.body());
        asked.add(q);
        List<GatewayDemand.Demand> out = q.deployments().stream()
            .map(a -> demand.get(ClusterMaps.deploymentKey(a.endpoint(), a.deployment())))
            .filter(d -> d != null).toList();
        m.reply(new GatewayDemand(GATEWAY, out).toJson());
      });
      TestControlPlane.await(consumer.completion());
    }

    void set(String endpoint, String deployment, double inFlight, long idleMs) {
      demand.put(ClusterMaps.deploymentKey(endpoint, deployment),
          new GatewayDemand.Demand(endpoint, deployment, inFlight, (int) Math.round(inFlight), 0, idleMs));
    }
  }

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    agent = TestCluster.records(hazelcast);
    cp = TestControlPlane.start(dataDir, hazelcast);
    admin = cp.token(OperatorRole.ADMIN);
    operator = cp.token(OperatorRole.OPERATOR);
    assertEquals(201, cp.registerModel("credit-model", "1", TestControlPlane.EXAMPLE_MODEL).status());
    cp.nodeJoined(GATEWAY, "gateway");
    gateway = new StandInGateway(cp.vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cp != null) {
      cp.close();
    }
    hazelcast.shutdown();
  }

  private static JsonObject autoscaled(int min, int max, int upDelay, int downDelay, int idle) {
    return new JsonObject().put("type", "target_utilization").put("min_instances", min).put("max_instances", max)
        .put("polling_interval", 1).put("target_utilization_percentage", 70).put("scale_up_delay", upDelay)
        .put("scale_down_delay", downDelay).put("scale_to_zero_idle_period", idle);
  }

  private static JsonObject create(String endpoint, String deployment, JsonObject scaleSettings) throws Exception {
    Answer e = cp.call("PUT", "/endpoints/" + endpoint, admin, new JsonObject());
    assertTrue(e.status() == 200 || e.status() == 201, e.text());
    Answer d = cp.call("PUT", "/endpoints/" + endpoint + "/deployments/" + deployment, admin, new JsonObject()
        .put("model", "credit-model:1").put("scale_settings", scaleSettings));
    assertEquals(201, d.status(), d.text());
    return d.json();
  }

  private static JsonObject shown(String endpoint, String deployment) throws Exception {
    Answer a = cp.call("GET", "/endpoints/" + endpoint + "/deployments/" + deployment, operator, null);
    assertEquals(200, a.status(), a.text());
    return a.json();
  }

  private static int count(String endpoint, String deployment) {
    try {
      return shown(endpoint, deployment).getInteger("instance_count");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Publishes exactly {@code ready} ready instances of the deployment's generation, as its node agents would. */
  private static void instances(String endpoint, String deployment, long generation, int ready) {
    for (int i = 0; i < 64; i++) {
      String id = endpoint + "." + deployment + "." + i;
      if (i < ready) {
        agent.map(ClusterMaps.INSTANCES).set(id, new InstanceState(id, endpoint, deployment, generation, "node-x",
            Addresses.instance(id), InstanceState.READY, null, System.currentTimeMillis(), null).toJson());
      } else {
        agent.map(ClusterMaps.INSTANCES).delete(id);
      }
    }
  }

  /** The audit records of the autoscaler on this deployment, oldest first. */
  private static List<JsonObject> autoscalerRecords(String endpoint, String deployment) throws Exception {
    Answer a = cp.call("GET", "/audit", admin, null);
    assertEquals(200, a.status(), a.text());
    return a.json().getJsonArray("value").stream().map(JsonObject.class::cast)
        .filter(r -> "autoscaler".equals(r.getString("actor")))
        .filter(r -> ("endpoints/" + endpoint + "/deployments/" + deployment).equals(r.getString("target")))
        .toList();
  }

  private static void awaitCount(String endpoint, String deployment, int expected) {
    Await.until(endpoint + "/" + deployment + " at " + expected + " instance(s)", Duration.ofSeconds(20),
        () -> count(endpoint, deployment) == expected);
  }

  // ------------------------------------------------------------ the management API

  @Test
  void scaleSettingsAreShownAndTheAutoscalerOwnsInstanceCount() throws Exception {
    JsonObject created = create("shown", "blue", new JsonObject().put("type", "target_utilization")
        .put("min_instances", 2).put("max_instances", 5));
    assertEquals(new JsonObject("{\"type\": \"target_utilization\", \"min_instances\": 2, \"max_instances\": 5,"
        + " \"polling_interval\": 1, \"target_utilization_percentage\": 70, \"scale_up_delay\": 5,"
        + " \"scale_down_delay\": 60, \"scale_to_zero_idle_period\": 300}"), created.getJsonObject("scale_settings"),
        "stored with every default filled in");
    assertEquals(2, created.getInteger("instance_count"), "starts at min_instances");
    assertFalse(created.containsKey("ignored_fields"), created.encode());

    Answer patched = cp.call("PATCH", "/endpoints/shown/deployments/blue", operator,
        new JsonObject().put("instance_count", 4));
    assertEquals(409, patched.status(), patched.text());
    assertTrue(patched.error().getString("message").contains("instance_count is set by the autoscaler"),
        patched.text());

    Answer bounds = cp.call("PATCH", "/endpoints/shown/deployments/blue", operator,
        new JsonObject().put("scale_settings", new JsonObject().put("min_instances", 3)));
    assertEquals(200, bounds.status(), bounds.text());
    assertEquals(3, bounds.json().getInteger("instance_count"), "brought within the new bounds");
    assertEquals(5, bounds.json().getJsonObject("scale_settings").getInteger("max_instances"), "merged");

    Answer bad = cp.call("PATCH", "/endpoints/shown/deployments/blue", operator,
        new JsonObject().put("scale_settings", new JsonObject().put("max_instances", 65)));
    assertEquals(400, bad.status(), bad.text());
    assertEquals("scale_settings.max_instances", bad.error().getString("target"));

    Answer fixed = cp.call("PATCH", "/endpoints/shown/deployments/blue", operator, new JsonObject()
        .put("scale_settings", new JsonObject().put("type", "default")).put("instance_count", 1));
    assertEquals(200, fixed.status(), fixed.text());
    assertNull(fixed.json().getValue("scale_settings"), "a fixed count shows no scale_settings");
    assertEquals(1, fixed.json().getInteger("instance_count"));
  }

  // ------------------------------------------------------------ the loop

  @Test
  void demandAboveTargetScalesUpWithAnAuditedDecisionAndItsEndScalesDown() throws Exception {
    JsonObject created = create("ramp", "blue", autoscaled(1, 4, 0, 1, 300));
    long generation = created.getLong("generation");
    instances("ramp", "blue", generation, 1);
    gateway.set("ramp", "blue", 3, 0); // 3 in flight on one instance admitting 1: 300 %

    awaitCount("ramp", "blue", 4); // ceil(3 / 0.7) = 5, capped at max_instances 4
    JsonObject up = autoscalerRecords("ramp", "blue").get(0);
    assertEquals("deployment.scale", up.getString("action"));
    JsonObject figures = up.getJsonObject("autoscale");
    assertEquals("scale_up", figures.getString("decision"));
    assertEquals(1, figures.getInteger("instance_count_before"));
    assertEquals(4, figures.getInteger("instance_count_after"));
    assertEquals(3.0, figures.getDouble("streak_utilization"));
    assertEquals(0.7, figures.getDouble("target_utilization"));
    assertEquals(List.of(GATEWAY), figures.getJsonArray("gateways").getList());
    assertEquals(generation, up.getJsonObject("after").getLong("generation"), "the instances keep serving");
    assertEquals(4, DeploymentState.fromJson(agent.map(ClusterMaps.DEPLOYMENTS).get("ramp/blue")).instanceCount(),
        "published to the cluster for placement");
    assertEquals(generation, shown("ramp", "blue").getLong("generation"));

    instances("ramp", "blue", generation, 4);
    gateway.set("ramp", "blue", 0.2, 0); // the load ends: a trickle
    awaitCount("ramp", "blue", 1);
    JsonObject down = autoscalerRecords("ramp", "blue").get(1).getJsonObject("autoscale");
    assertEquals("scale_down", down.getString("decision"));
    assertEquals(4, down.getInteger("instance_count_before"));
    assertTrue(down.getInteger("samples") >= 2, down.encode());
    instances("ramp", "blue", generation, 1);
    assertTrue(gateway.asked.stream().allMatch(q -> q.deployments().stream()
        .allMatch(a -> a.windowMs() == 1000)), "each deployment averaged over its polling interval");
  }

  @Test
  void anIdleDeploymentScalesToZeroAndAWakeBringsItBackOnce() throws Exception {
    JsonObject created = create("sleepy", "blue", autoscaled(0, 2, 0, 1, 1));
    long generation = created.getLong("generation");
    assertEquals(1, created.getInteger("instance_count"), "a new deployment starts with one instance");
    instances("sleepy", "blue", generation, 1);
    gateway.set("sleepy", "blue", 0, -1); // never answered a request
    awaitCount("sleepy", "blue", 0);
    JsonObject zero = autoscalerRecords("sleepy", "blue").get(0).getJsonObject("autoscale");
    assertEquals("scale_to_zero", zero.getString("decision"));
    assertTrue(zero.getString("reason").contains("scale_to_zero_idle_period 1 s"), zero.getString("reason"));
    instances("sleepy", "blue", generation, 0);

    JsonObject reply = TestControlPlane.await(cp.vertx.eventBus().<JsonObject>request(Addresses.AUTOSCALE_WAKE,
        new WakeRequest("sleepy", "blue", GATEWAY, 3).toJson())).body();
    assertEquals(1, reply.getInteger("instance_count"));
    assertEquals(1, count("sleepy", "blue"), "written before the answer");
    JsonObject again = TestControlPlane.await(cp.vertx.eventBus().<JsonObject>request(Addresses.AUTOSCALE_WAKE,
        new WakeRequest("sleepy", "blue", GATEWAY, 5).toJson())).body();
    assertEquals(1, again.getInteger("instance_count"));
    List<JsonObject> records = autoscalerRecords("sleepy", "blue");
    assertEquals(2, records.size(), "one scale to zero, one wake: " + records);
    assertEquals("deployment.wake", records.get(1).getString("action"));
    assertEquals(GATEWAY, records.get(1).getJsonObject("autoscale").getString("gateway"));
    assertEquals(3, records.get(1).getJsonObject("autoscale").getInteger("waiting"));

    JsonObject fixedReply = TestControlPlane.await(cp.vertx.eventBus().<JsonObject>request(Addresses.AUTOSCALE_WAKE,
        new WakeRequest("sleepy", "nope", GATEWAY, 1).toJson())).body();
    assertEquals(0, fixedReply.getInteger("instance_count"), "an unknown deployment is not woken");
  }

  @Test
  void aRestartedControlPlaneCarriesOnFromTheStoreAndFreshSamples() throws Exception {
    JsonObject created = create("restart", "blue", autoscaled(1, 3, 0, 1, 300));
    long generation = created.getLong("generation");
    instances("restart", "blue", generation, 1);
    gateway.set("restart", "blue", 0.5, 0); // 50 %: below target, at min_instances: nothing to do
    Await.until("sampled", Duration.ofSeconds(10), () -> gateway.asked.stream()
        .anyMatch(q -> q.deployments().stream().anyMatch(a -> a.endpoint().equals("restart"))));

    cp.close();
    cp = TestControlPlane.start(dataDir, hazelcast);
    admin = cp.token(OperatorRole.ADMIN);
    operator = cp.token(OperatorRole.OPERATOR);
    StandInGateway before = gateway;
    gateway = new StandInGateway(cp.vertx);
    gateway.demand.putAll(before.demand);
    gateway.set("restart", "blue", 2, 0); // 200 %

    awaitCount("restart", "blue", 3);
    assertEquals(1, autoscalerRecords("restart", "blue").size());
    assertEquals(generation, shown("restart", "blue").getLong("generation"));
  }
}
