package io.inferbus.protocol.state;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where one deployment's instances run: how many on each node. Written by the control plane (the
 * only writer); each node agent runs {@link #count(String) its own count} of the deployment's
 * current spec. Instances of one deployment on one node are interchangeable, so a count per node is
 * the whole assignment.
 *
 * @param nodes node id → instances there (only positive counts)
 */
public record Assignment(String endpoint, String deployment, Map<String, Integer> nodes) {
  public Assignment {
    TreeMap<String, Integer> positive = new TreeMap<>();
    nodes.forEach((node, n) -> {
      if (n != null && n > 0) {
        positive.put(node, n);
      }
    });
    nodes = java.util.Collections.unmodifiableMap(positive);
  }

  public String key() {
    return endpoint + "/" + deployment;
  }

  /** Instances assigned to {@code node} (0 if none). */
  public int count(String node) {
    return nodes.getOrDefault(node, 0);
  }

  public int total() {
    return nodes.values().stream().mapToInt(Integer::intValue).sum();
  }

  public JsonObject toJson() {
    JsonObject byNode = new JsonObject();
    nodes.forEach(byNode::put);
    return new JsonObject().put("endpoint", endpoint).put("deployment", deployment).put("nodes", byNode);
  }

  public static Assignment fromJson(JsonObject json) {
    Map<String, Integer> nodes = new TreeMap<>();
    json.getJsonObject("nodes", new JsonObject()).forEach(e -> nodes.put(e.getKey(), ((Number) e.getValue()).intValue()));
    return new Assignment(json.getString("endpoint"), json.getString("deployment"), nodes);
  }
}
