package io.inferbus.protocol.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A view started while the map changes ends up equal to the map: entries removed or changed while
 * its initial copy is read stay removed or changed (the copy may be older than the events).
 */
class ClusterMapViewTest {
  static HazelcastInstance hazelcast;
  static ClusterRecords records;
  static Vertx vertx;

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("map-view-test-" + System.nanoTime());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    hazelcast = Hazelcast.newHazelcastInstance(config);
    records = ClusterCa.inMemory().records(hazelcast, "test-node", Set.of("deployment"));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    hazelcast.shutdown();
  }

  private static Map<String, String> onContext(Context context, ClusterMapView<JsonObject> view) throws Exception {
    CompletableFuture<Map<String, String>> copy = new CompletableFuture<>();
    context.runOnContext(v -> {
      Map<String, String> m = new HashMap<>();
      view.entries().forEach((k, json) -> m.put(k, json.encode()));
      copy.complete(m);
    });
    return copy.get(30, TimeUnit.SECONDS);
  }

  @Test
  void changesDuringTheInitialCopyAreNotUndoneByIt() throws Exception {
    IMap<String, String> map = hazelcast.getMap("churn");
    Map<String, String> initial = new HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      initial.put("k" + i, records.seal("churn", "k" + i, new JsonObject().put("v", i)));
    }
    map.putAll(initial);
    Context context = vertx.getOrCreateContext();
    CompletableFuture<ClusterMapView<JsonObject>> started = new CompletableFuture<>();
    context.runOnContext(v -> {
      ClusterMapView<JsonObject> view = records.view("churn", context, json -> json, () -> { });
      view.start().onSuccess(x -> started.complete(view)).onFailure(started::completeExceptionally);
    });
    // while the view reads its copy: remove and change entries all over the map
    for (int i = 0; i < 5_000; i += 29) {
      map.remove("k" + i);
      map.put("k" + (i + 1), records.seal("churn", "k" + (i + 1), new JsonObject().put("v", -1)));
    }
    ClusterMapView<JsonObject> view = started.get(60, TimeUnit.SECONDS);
    Map<String, String> expected = new HashMap<>();
    map.forEach((key, sealed) -> expected.put(key, new JsonObject(sealed).getString("record")));
    // the events of the last changes may still be on their way: wait for them, with a deadline
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Map<String, String> seen = onContext(context, view);
    while (!normalized(seen).equals(normalized(expected)) && System.nanoTime() < deadline) {
      seen = onContext(context, view);
    }
    Set<String> extra = new TreeSet<>(seen.keySet());
    extra.removeAll(expected.keySet());
    assertEquals(Set.of(), extra, "entries removed while the view started came back");
    assertEquals(normalized(expected), normalized(seen));
  }

  private static Map<String, Object> normalized(Map<String, String> m) {
    Map<String, Object> out = new HashMap<>();
    m.forEach((k, v) -> out.put(k, new JsonObject(v).getValue("v")));
    return out;
  }
}
