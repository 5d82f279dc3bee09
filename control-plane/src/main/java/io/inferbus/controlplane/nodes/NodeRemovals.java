package io.inferbus.controlplane.nodes;

import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.RecordRejected;
import io.inferbus.protocol.cluster.SignedMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removing a node's credential from the cluster ({@code DELETE /cluster/nodes/{name}}, {@code
 * inferbus cluster remove-node NAME}): from then on every node refuses the records that credential
 * signs, so the node gets no placement and no scoring traffic, and this control plane removes the
 * node's entry and its instances from the cluster's tables at once. A removal is kept in the store
 * (with its audit record) and published in {@link ClusterMaps#REMOVED_NODES}, from which every node
 * learns it; it is never undone (a node comes back under a new name, with a new credential).
 */
public final class NodeRemovals {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRemovals.class);
  /** The names {@code inferbus cluster add-node} accepts. */
  public static final String NAME = "[a-z0-9][a-z0-9-]{0,62}";

  private final ClusterRecords records;
  private final Context context;
  private final Store store;
  private final StoreThread storeThread;
  private final AuditLog audit;
  private final SignedMap removed;

  public NodeRemovals(ClusterRecords records, Context context, StoreThread storeThread, AuditLog audit) {
    this.records = records;
    this.context = context;
    this.store = storeThread.store();
    this.storeThread = storeThread;
    this.audit = audit;
    this.removed = records.map(ClusterMaps.REMOVED_NODES);
  }

  /** Publishes the store's removals (and guards them), so nodes that join later refuse those credentials too. */
  public Future<Void> start() {
    return storeThread.<Integer>read(() -> {
      removed.guard();
      List<JsonObject> all = store.list(Table.REMOVED_NODES, null);
      Set<String> names = new TreeSet<>();
      for (JsonObject r : all) {
        removed.set(r.getString("name"), r);
        names.add(r.getString("name"));
      }
      refuse(names);
      return names.size();
    }).map(n -> {
      if (n > 0) {
        LOG.info("{} node(s) removed from the cluster earlier: their credentials are refused", n);
      }
      return null;
    });
  }

  public void stop() {
    removed.stopGuarding();
  }

  /** {@code GET /cluster/removed-nodes}: every removal, oldest first. */
  public Future<ApiResult> list() {
    return storeThread.read(() -> {
      JsonArray value = new JsonArray();
      store.list(Table.REMOVED_NODES, null).stream()
          .sorted((a, b) -> a.getString("removed_at").compareTo(b.getString("removed_at")))
          .forEach(value::add);
      return ApiResult.ok(new JsonObject().put("value", value));
    });
  }

  /** {@code DELETE /cluster/nodes/{name}}: refuses the node's credential from now on, everywhere. */
  public Future<ApiResult> remove(String name, Actor actor) {
    if (name == null || !name.matches(NAME)) {
      return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT, "node name '" + name
          + "' is not one a credential can have: 1-63 of a-z, 0-9 and '-', starting with a letter or digit"));
    }
    if (name.equals(records.self().name())) {
      return Future.failedFuture(new InferbusException(FailureKind.CONFLICT, "node '" + name
          + "' is this control plane's own credential: it cannot remove itself"));
    }
    return storeThread.write(() -> {
      if (store.get(Table.REMOVED_NODES, name).isPresent()) {
        throw new InferbusException(FailureKind.CONFLICT, "node '" + name + "' was already removed (at "
            + store.get(Table.REMOVED_NODES, name).get().getString("removed_at") + ")");
      }
      JsonObject removal = new JsonObject().put("name", name).put("removed_at", Instant.now().toString())
          .put("removed_by", actor.subject());
      store.put(Table.REMOVED_NODES, removal, name);
      audit.record(actor, "node.remove", "cluster/nodes/" + name, null, removal);
      return removal;
    }).compose(removal -> {
      Set<String> names = new HashSet<>(records.trust().removedNodes());
      names.add(name);
      refuse(names);
      return removed.setAsync(name, removal, context)
          .compose(v -> storeThread.read(this::purge))
          .map(purged -> {
            LOG.info("node '{}' removed from the cluster by {}: its credential is refused, {} of its entries removed",
                name, actor.subject(), purged);
            return ApiResult.ok(removal.copy().put("entries_removed", purged));
          });
    });
  }

  /** This node's trust refuses {@code names}' records from now on. */
  private void refuse(Set<String> names) {
    records.trust().removedNodes(names);
  }

  /**
   * Removes the entries of the node and instance tables that removed credentials signed (this trust
   * now refuses them), so every reader drops them now rather than at their next change. Blocking.
   */
  private int purge() {
    int purged = 0;
    for (String map : List.of(ClusterMaps.NODES, ClusterMaps.INSTANCES)) {
      SignedMap table = records.map(map);
      for (String key : table.keySet()) {
        try {
          table.open(key);
        } catch (RecordRejected e) {
          if (e.reason() == RecordRejected.Reason.REMOVED_NODE) {
            table.delete(key);
            purged++;
          }
        }
      }
    }
    return purged;
  }
}
