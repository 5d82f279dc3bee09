package io.inferbus.protocol.state;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One member of the cluster as it introduces itself on joining: its Vert.x node id (the id
 * instances carry and {@code GET /nodes} shows), its Hazelcast member id (what membership events
 * name), the roles it runs and its capacity. Written by the node itself; removed by the control plane
 * once the member has left.
 *
 * @param id the node's cluster id (Vert.x node id)
 * @param name the name of the node's credential ({@code inferbus cluster add-node NAME}), what
 *     {@code inferbus cluster remove-node} takes
 * @param member the Hazelcast member UUID, to match membership events
 * @param address the member's Hazelcast address, {@code host:port}
 * @param roles {@link #ROLE_GATEWAY}, {@link #ROLE_DEPLOYMENT}, {@link #ROLE_CONTROL_PLANE}
 * @param cores CPU cores the node's instances share
 * @param startedAt epoch millis when the node joined
 */
public record NodeState(String id, String name, String member, String address, List<String> roles, int cores, long startedAt) {
  public static final String ROLE_GATEWAY = "gateway";
  public static final String ROLE_DEPLOYMENT = "deployment";
  public static final String ROLE_CONTROL_PLANE = "control-plane";

  public NodeState {
    roles = List.copyOf(roles);
  }

  /** Whether instances may be placed on this node. */
  public boolean runsDeployments() {
    return roles.contains(ROLE_DEPLOYMENT);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("node_id", id)
        .put("name", name)
        .put("member", member)
        .put("address", address)
        .put("roles", new JsonArray(new ArrayList<>(roles)))
        .put("cores", cores)
        .put("started_at", startedAt);
  }

  public static NodeState fromJson(JsonObject json) {
    JsonArray roles = json.getJsonArray("roles", new JsonArray());
    List<String> list = new ArrayList<>();
    roles.forEach(r -> list.add(String.valueOf(r)));
    return new NodeState(json.getString("node_id"), json.getString("name"), json.getString("member"), json.getString("address"), list,
        json.getInteger("cores", 1), json.getLong("started_at", 0L));
  }
}
