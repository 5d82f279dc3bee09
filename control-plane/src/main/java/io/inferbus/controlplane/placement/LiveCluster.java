package io.inferbus.controlplane.placement;

import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * What the control plane sees of the running cluster, for the answers that show it (a deployment's
 * instances and provisioning state, {@code GET /nodes}). Read on the control plane's event loop.
 */
public interface LiveCluster {
  /** The cluster's instance table: instance id → instance. */
  Map<String, InstanceState> instances();

  /** Whether this generation of the deployment once had all of its instances ready. */
  boolean settledBefore(String deploymentKey, long generation);

  /** {@code GET /nodes}: {@code {"value": [node, ...]}}. */
  JsonObject nodes();

  /** The ids of the live nodes that run {@code role} (a {@link io.inferbus.protocol.state.NodeState} role), sorted. */
  default Set<String> nodeIds(String role) {
    Set<String> ids = new TreeSet<>();
    for (Object o : nodes().getJsonArray("value", new JsonArray())) {
      JsonObject node = (JsonObject) o;
      if (node.getJsonArray("roles", new JsonArray()).contains(role)) {
        ids.add(node.getString("node_id"));
      }
    }
    return ids;
  }

  /** Only an instance table: no placement, no nodes (a control plane without a cluster to watch, in tests). */
  static LiveCluster ofInstances(Supplier<Map<String, InstanceState>> instances) {
    return new LiveCluster() {
      @Override
      public Map<String, InstanceState> instances() {
        return instances.get();
      }

      @Override
      public boolean settledBefore(String deploymentKey, long generation) {
        return false;
      }

      @Override
      public JsonObject nodes() {
        return new JsonObject().put("value", new JsonArray());
      }
    };
  }
}
