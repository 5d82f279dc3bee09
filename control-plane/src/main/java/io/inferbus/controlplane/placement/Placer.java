package io.inferbus.controlplane.placement;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.SignedMap;
import io.inferbus.protocol.state.Assignment;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.NodeState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's placement loop: keeps the cluster's assignment table ({@link ClusterMaps#ASSIGNMENTS})
 * equal to {@link Placement#plan} of the deployment table and the live nodes with the deployment
 * role. It runs again whenever a deployment changes, a node introduces itself or a member joins or
 * leaves. When a member leaves, it also removes that node's entry and the instances it had
 * published, which nobody else can do once the node is gone, so gateways stop routing to them.
 *
 * <p>The control plane is the only writer of assignments, so this class's own copy of what it
 * wrote is the current assignment; the table is read once, at start, to carry on from an earlier
 * control plane. Everything runs on the given context; Hazelcast is called with async operations
 * (or on a worker), never blocking the event loop. Rounds do not overlap: a change during a round
 * runs one more round after it.
 */
public final class Placer implements LiveCluster {
  private static final Logger LOG = LoggerFactory.getLogger(Placer.class);
  /** Wait before writing the assignments again after a write failed (the cluster is in trouble). */
  private static final long RETRY_MS = 1000;

  private final HazelcastInstance hazelcast;
  private final Context context;
  private final SignedMap assignmentTable;
  private final SignedMap nodeTable;
  private final SignedMap instanceTable;
  private final ClusterMapView<DeploymentState> deployments;
  private final ClusterMapView<NodeState> nodes;
  private final Supplier<Map<String, InstanceState>> instances;
  /** deployment key → (node id → instances): what this control plane last wrote. */
  private Map<String, Map<String, Integer>> assigned = new TreeMap<>();
  /** deployment key → the generation that last had all its instances ready. */
  private final Map<String, Long> settled = new HashMap<>();
  /** Nodes whose member left: instances they still publish (late writes) are removed too. */
  private final Set<String> departed = new HashSet<>();
  /** Instances whose removal this placer has asked for, until the instance table no longer has them. */
  private final Set<String> removing = new HashSet<>();
  private UUID membershipListener;
  private boolean started;
  private boolean placing;
  private boolean again;

  /** @param instances the instance table as the control plane's view holds it (read on {@code context}) */
  public Placer(ClusterRecords records, Context context, Supplier<Map<String, InstanceState>> instances) {
    this.hazelcast = records.hazelcast();
    this.context = context;
    this.assignmentTable = records.map(ClusterMaps.ASSIGNMENTS);
    this.nodeTable = records.map(ClusterMaps.NODES);
    this.instanceTable = records.map(ClusterMaps.INSTANCES);
    this.instances = instances;
    this.deployments = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, () -> {
      forgetDeleted();
      place();
    });
    this.nodes = records.view(ClusterMaps.NODES, context, NodeState::fromJson, () -> {
      forgetDeparted();
      place();
    });
  }

  /** Starts watching; completes once the first placement round has been computed (its writes may still run). */
  public Future<Void> start() {
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        context.runOnContext(v -> place());
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        context.runOnContext(v -> {
          forgetDeparted();
          place();
        });
      }
    });
    // the control plane owns these tables: what it wrote is put back if anything else replaces it,
    // and entries that do not verify are removed (SignedMap#guard)
    return context.executeBlocking(() -> {
      assignmentTable.guard();
      nodeTable.guard();
      instanceTable.guard();
      return null;
    }).compose(v -> deployments.start())
        .compose(v -> nodes.start())
        .compose(v -> readAssignments())
        .map(table -> {
          assigned = table;
          started = true;
          forgetDeparted();
          instancesChanged();
          place();
          return null;
        });
  }

  public void stop() {
    if (membershipListener != null) {
      hazelcast.getCluster().removeMembershipListener(membershipListener);
      membershipListener = null;
    }
    deployments.stop();
    nodes.stop();
    assignmentTable.stopGuarding();
    nodeTable.stopGuarding();
    instanceTable.stopGuarding();
    started = false;
  }

  /** Call on every change of the instance table: notes deployments that are fully up, drops departed nodes' instances. */
  public void instancesChanged() {
    if (!started) {
      return;
    }
    Map<String, InstanceState> all = instances.get();
    removing.retainAll(all.keySet());
    for (InstanceState i : all.values()) {
      if (departed.contains(i.node()) && removing.add(i.id())) {
        LOG.info("instance {} of departed node {} removed from the instance table", i.id(), i.node());
        instanceTable.removeAsync(i.id(), context);
      }
    }
    Map<String, List<InstanceState>> byDeployment = all.values().stream()
        .collect(Collectors.groupingBy(i -> ClusterMaps.deploymentKey(i.endpoint(), i.deployment())));
    forgetDeleted();
    for (DeploymentState d : deployments.entries().values()) {
      if (Provisioning.of(d.endpoint(), d.name(), d.generation(), d.instanceCount(),
          byDeployment.getOrDefault(d.key(), List.of()), false).succeeded()) {
        settled.put(d.key(), d.generation());
      }
    }
  }

  /**
   * A deleted deployment's settled record goes as soon as the deployment does (not at the next change
   * of the instance table), so one created again under its name starts unsettled ("Creating").
   */
  private void forgetDeleted() {
    settled.keySet().retainAll(deployments.entries().values().stream().map(DeploymentState::key).toList());
  }

  /**
   * The assignment table as it is (on a worker). An entry that verifies but is not an assignment (a
   * control plane of another version, say) is left out, so this round writes the planned one over it
   * rather than the control plane failing to start.
   */
  private Future<Map<String, Map<String, Integer>>> readAssignments() {
    return context.executeBlocking(() -> {
      Map<String, Map<String, Integer>> table = new TreeMap<>();
      assignmentTable.entries().forEach((key, json) -> {
        try {
          table.put(key, Assignment.fromJson(json).nodes());
        } catch (RuntimeException e) {
          LOG.warn("assignment entry '{}' is not an assignment ({}); it is planned afresh", key, e.toString());
          table.put(key, Map.of());
        }
      });
      return table;
    });
  }

  /** After a failed write: carry on from what the table really holds, whatever part of the writes landed. */
  private void resync() {
    readAssignments().onComplete(ar -> {
      placing = false;
      if (ar.failed()) {
        LOG.warn("reading instance assignments failed ({}); trying again in {} ms", ar.cause().toString(), RETRY_MS);
        placing = true;
        context.owner().setTimer(RETRY_MS, t -> resync());
        return;
      }
      assigned = ar.result();
      again = false;
      place();
    });
  }

  // ------------------------------------------------------------------ LiveCluster

  @Override
  public Map<String, InstanceState> instances() {
    return instances.get();
  }

  @Override
  public boolean settledBefore(String deploymentKey, long generation) {
    Long g = settled.get(deploymentKey);
    return g != null && g == generation;
  }

  @Override
  public JsonObject nodes() {
    Set<String> live = liveMembers();
    Map<String, List<InstanceState>> instancesByNode = instances.get().values().stream()
        .filter(i -> i.node() != null).collect(Collectors.groupingBy(InstanceState::node));
    List<NodeState> members = nodes.entries().values().stream().filter(n -> live.contains(n.member()))
        .sorted(Comparator.comparingLong(NodeState::startedAt).thenComparing(NodeState::id)).toList();
    JsonArray value = new JsonArray();
    for (NodeState n : members) {
      JsonArray running = new JsonArray();
      instancesByNode.getOrDefault(n.id(), List.of()).stream().sorted(Comparator.comparing(InstanceState::id))
          .forEach(i -> running.add(new JsonObject().put("id", i.id()).put("endpoint", i.endpoint())
              .put("deployment", i.deployment()).put("state", i.state())
              .put("since", Instant.ofEpochMilli(i.since()).toString())));
      JsonArray wanted = new JsonArray();
      assigned.forEach((key, counts) -> {
        Integer count = counts.get(n.id());
        DeploymentState d = deployments.entries().get(key);
        if (count != null && d != null) {
          wanted.add(new JsonObject().put("endpoint", d.endpoint()).put("deployment", d.name())
              .put("instance_count", count));
        }
      });
      value.add(new JsonObject()
          .put("node_id", n.id())
          .put("name", n.name())
          .put("address", n.address())
          .put("roles", new JsonArray(new ArrayList<>(n.roles())))
          .put("capacity", new JsonObject().put("cores", n.cores()))
          .put("started_at", Instant.ofEpochMilli(n.startedAt()).toString())
          .put("assignments", wanted)
          .put("instances", running));
    }
    return new JsonObject().put("value", value);
  }

  // ------------------------------------------------------------------ placement

  private Set<String> liveMembers() {
    Set<String> live = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      live.add(m.getUuid().toString());
    }
    return live;
  }

  /**
   * Removes the entries of nodes whose member is no longer in the cluster, with the instances they
   * published. A node writes its entry only after it has joined, when every member already lists it.
   * A departed node whose entry names a live member again is back: cut off by a network partition,
   * it merged back under a new member id and introduced itself again.
   */
  private void forgetDeparted() {
    if (!started) {
      return;
    }
    Set<String> live = liveMembers();
    for (NodeState n : List.copyOf(nodes.entries().values())) {
      if (live.contains(n.member())) {
        if (departed.remove(n.id())) {
          LOG.info("node {} ({}) is back in the cluster as member {}", n.id(), n.address(), n.member());
        }
        continue;
      }
      if (!departed.add(n.id())) {
        continue;
      }
      List<String> gone = instances.get().values().stream().filter(i -> n.id().equals(i.node()))
          .map(InstanceState::id).toList();
      LOG.info("node {} ({}) left the cluster: removing its entry and its {} instance(s) {}", n.id(), n.address(),
          gone.size(), gone);
      gone.forEach(id -> {
        removing.add(id);
        instanceTable.removeAsync(id, context);
      });
      nodeTable.removeAsync(n.id(), context);
    }
  }

  private void place() {
    if (!started) {
      return;
    }
    if (placing) {
      again = true;
      return;
    }
    Set<String> live = liveMembers();
    Set<String> eligible = nodes.entries().values().stream()
        .filter(n -> n.runsDeployments() && live.contains(n.member()) && !departed.contains(n.id()))
        .map(NodeState::id).collect(Collectors.toSet());
    Map<String, Integer> wanted = new HashMap<>();
    deployments.entries().forEach((key, d) -> wanted.put(key, d.instanceCount()));
    Map<String, Map<String, Integer>> next = Placement.plan(wanted, eligible, assigned);
    List<Future<Void>> writes = new ArrayList<>();
    for (Map.Entry<String, Map<String, Integer>> e : next.entrySet()) {
      if (e.getValue().equals(assigned.get(e.getKey()))) {
        continue;
      }
      DeploymentState d = deployments.entries().get(e.getKey());
      Assignment assignment = new Assignment(d.endpoint(), d.name(), e.getValue());
      LOG.info("placement of {} ({} instance(s)): {}", e.getKey(), d.instanceCount(),
          e.getValue().isEmpty() ? "no node with the deployment role" : e.getValue());
      writes.add(assignmentTable.setAsync(e.getKey(), assignment.toJson(), context));
    }
    for (String key : assigned.keySet()) {
      if (!next.containsKey(key)) {
        writes.add(assignmentTable.removeAsync(key, context));
      }
    }
    assigned = next;
    if (writes.isEmpty()) {
      return;
    }
    placing = true;
    Future.join(writes).onComplete(ar -> {
      placing = false;
      if (ar.failed()) {
        LOG.warn("writing instance assignments failed ({}); reading the table and placing again in {} ms",
            ar.cause().toString(), RETRY_MS);
        placing = true;
        context.owner().setTimer(RETRY_MS, t -> resync());
      } else if (again) {
        again = false;
        place();
      }
    });
  }
}
