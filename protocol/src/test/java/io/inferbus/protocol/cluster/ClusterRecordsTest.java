package io.inferbus.protocol.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.inferbus.protocol.ClusterMaps;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Records in the cluster's maps are acted on only when signed by a credential of the cluster's CA
 * that may write the map; a control plane puts back what it wrote. Bad inputs tried: plain JSON,
 * garbage, a record of another CA, a deployment node's record in a control-plane table, a record
 * moved to another key, a tampered body, a removed node's record, an older record put back, a
 * removed record put back, a forged record at a key nobody wrote.
 */
class ClusterRecordsTest {
  static final Set<String> CONTROL_PLANE = Set.of("control-plane", "gateway");
  static HazelcastInstance hazelcast;
  static Vertx vertx;
  static ClusterCa ca;
  static ClusterRecords controlPlane;
  static ClusterRecords node;

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("records-test-" + System.nanoTime());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    hazelcast = Hazelcast.newHazelcastInstance(config);
    vertx = Vertx.vertx();
    ca = ClusterCa.inMemory();
    controlPlane = ca.records(hazelcast, "control-plane", CONTROL_PLANE);
    node = ca.records(hazelcast, "worker-1", Set.of("deployment"));
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    hazelcast.shutdown();
  }

  @Test
  void aSealedRecordOpensToWhatWasSignedAndWhoSignedIt() throws Exception {
    JsonObject body = new JsonObject().put("name", "credit").put("key_hashes", List.of("aa", "bb"));
    SealedRecord opened = node.open(ClusterMaps.ENDPOINTS, "credit",
        controlPlane.seal(ClusterMaps.ENDPOINTS, "credit", body));
    assertEquals(body, opened.body());
    assertEquals("control-plane", opened.signer().name());
    assertEquals(CONTROL_PLANE, opened.signer().roles());
  }

  @Test
  void forgedRecordsAreRefusedWithTheirReason() throws Exception {
    JsonObject body = new JsonObject().put("name", "credit").put("key_hashes", List.of("attacker"));
    String map = ClusterMaps.ENDPOINTS;
    assertReason(RecordRejected.Reason.UNSIGNED, body.encode());
    assertReason(RecordRejected.Reason.UNSIGNED, "\u0000garbage");
    assertReason(RecordRejected.Reason.UNSIGNED, "[1,2]");
    ClusterRecords rogue = ClusterCa.inMemory().records(hazelcast, "control-plane", CONTROL_PLANE);
    assertReason(RecordRejected.Reason.BAD_CERTIFICATE, rogue.seal(map, "credit", body));
    assertReason(RecordRejected.Reason.NOT_ALLOWED, node.seal(map, "credit", body));
    assertReason(RecordRejected.Reason.BAD_SIGNATURE, controlPlane.seal(map, "other", body));
    JsonObject tampered = new JsonObject(controlPlane.seal(map, "credit", new JsonObject().put("name", "credit")));
    tampered.put("record", body.encode());
    assertReason(RecordRejected.Reason.BAD_SIGNATURE, tampered.encode());
    JsonObject resigned = new JsonObject(controlPlane.seal(map, "credit", body)).put("signature", "AAAA");
    assertReason(RecordRejected.Reason.BAD_SIGNATURE, resigned.encode());
    // a deployment node may write its instances
    assertEquals("worker-1", controlPlane.open(ClusterMaps.INSTANCES, "i1",
        node.seal(ClusterMaps.INSTANCES, "i1", new JsonObject())).signer().name());
  }

  @Test
  void aRemovedNodesRecordsAreRefused() throws Exception {
    ClusterRecords leaving = ca.records(hazelcast, "worker-9", Set.of("deployment"));
    String sealed = leaving.seal(ClusterMaps.INSTANCES, "i9", new JsonObject());
    ClusterRecords reader = ca.records(hazelcast, "reader", Set.of("gateway"));
    reader.open(ClusterMaps.INSTANCES, "i9", sealed);
    reader.trust().removedNodes(Set.of("worker-9"));
    RecordRejected e = assertThrows(RecordRejected.class, () -> reader.open(ClusterMaps.INSTANCES, "i9", sealed));
    assertEquals(RecordRejected.Reason.REMOVED_NODE, e.reason());
  }

  @Test
  void aViewKeepsTheLastValidRecordAndRefusesReplays() throws Exception {
    String map = "view-test";
    IMap<String, String> raw = hazelcast.getMap(map);
    Context context = vertx.getOrCreateContext();
    ClusterMapView<JsonObject> view = onContext(context, () -> node.view(map, context, json -> json, () -> { }));
    await(onContext(context, view::start));
    String first = node.seal(map, "k", new JsonObject().put("v", 1));
    String second = node.seal(map, "k", new JsonObject().put("v", 2));
    raw.set("k", first);
    awaitValue(context, view, "k", 1);
    raw.set("k", "{\"v\": 666}");
    raw.set("k", ClusterCa.inMemory().records(hazelcast, "worker-1", Set.of("deployment"))
        .seal(map, "k", new JsonObject().put("v", 667)));
    raw.set("k", second);
    awaitValue(context, view, "k", 2); // the forgeries in between changed nothing
    raw.set("k", first); // an older record of the same signer put back
    raw.set("other", node.seal(map, "other", new JsonObject().put("v", 3)));
    awaitValue(context, view, "other", 3);
    assertEquals(2, valueOf(context, view, "k"), "a replayed older record was taken");
    raw.delete("k");
    awaitValue(context, view, "k", null);
    raw.set("k", second); // the removed record put back
    raw.set("other", node.seal(map, "other", new JsonObject().put("v", 4)));
    awaitValue(context, view, "other", 4);
    assertEquals(null, valueOf(context, view, "k"), "a removed record put back was taken");
    raw.set("k", node.seal(map, "k", new JsonObject().put("v", 5)));
    awaitValue(context, view, "k", 5);
    view.stop();
  }

  @Test
  void aGuardedMapPutsBackWhatItsOwnerWroteAndRemovesForgeries() throws Exception {
    SignedMap table = controlPlane.map(ClusterMaps.DEPLOYMENTS);
    IMap<String, String> raw = hazelcast.getMap(ClusterMaps.DEPLOYMENTS);
    table.guard();
    try {
      JsonObject ours = new JsonObject().put("instance_count", 1);
      table.set("credit/blue", ours);
      raw.set("credit/blue", new JsonObject().put("instance_count", 0).encode());
      until("the replaced entry written back", () -> holds(raw, "credit/blue", ours, "control-plane"));
      raw.delete("credit/blue");
      until("the removed entry written back", () -> holds(raw, "credit/blue", ours, "control-plane"));
      String writtenBack = raw.get("credit/blue");
      raw.set("credit/blue", node.seal(ClusterMaps.DEPLOYMENTS, "credit/blue", new JsonObject()));
      until("a deployment node's record replaced by ours", () -> holds(raw, "credit/blue", ours, "control-plane"));

      raw.set("forged/green", new JsonObject().put("instance_count", 9).encode());
      until("a forged entry nobody wrote removed", () -> !raw.containsKey("forged/green"));

      table.delete("credit/blue");
      raw.set("credit/blue", writtenBack); // our own record, put back after we removed it
      until("a record put back after its owner removed it removed again", () -> !raw.containsKey("credit/blue"));

      ClusterRecords second = ca.records(hazelcast, "control-plane-2", CONTROL_PLANE);
      String theirs = second.seal(ClusterMaps.DEPLOYMENTS, "credit/blue", new JsonObject().put("instance_count", 2));
      raw.set("credit/blue", theirs);
      raw.set("forged/red", "{}");
      until("the forged marker removed", () -> !raw.containsKey("forged/red"));
      assertEquals(theirs, raw.get("credit/blue"), "another control plane's valid record stands");
      assertEquals(2, table.get("credit/blue").getInteger("instance_count"));
      assertNull(table.get("forged/red"));
      Map<String, JsonObject> all = table.entries();
      assertTrue(all.containsKey("credit/blue"), all.toString());
    } finally {
      table.stopGuarding();
      raw.clear();
    }
  }

  /** Whether the entry holds a valid record of {@code body} signed by node {@code signer}. */
  private static boolean holds(IMap<String, String> raw, String key, JsonObject body, String signer) {
    String stored = raw.get(key);
    try {
      SealedRecord record = stored == null ? null : node.open(raw.getName(), key, stored);
      return record != null && record.body().equals(body) && record.signer().name().equals(signer);
    } catch (RecordRejected e) {
      return false;
    }
  }

  private static void assertReason(RecordRejected.Reason reason, String stored) {
    RecordRejected e = assertThrows(RecordRejected.class, () -> node.open(ClusterMaps.ENDPOINTS, "credit", stored));
    assertEquals(reason, e.reason(), e.getMessage());
  }

  private static <T> T onContext(Context context, java.util.function.Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(work.get()));
    return result.get(30, TimeUnit.SECONDS);
  }

  private static void await(io.vertx.core.Future<?> future) throws Exception {
    future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Integer valueOf(Context context, ClusterMapView<JsonObject> view, String key) throws Exception {
    return onContext(context, () -> {
      JsonObject json = view.entries().get(key);
      return json == null ? null : json.getInteger("v");
    });
  }

  private static void awaitValue(Context context, ClusterMapView<JsonObject> view, String key, Integer value)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!java.util.Objects.equals(valueOf(context, view, key), value)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(key + " is " + valueOf(context, view, key) + ", not " + value);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polling interval
    }
  }

  private static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polling interval
    }
  }
}
