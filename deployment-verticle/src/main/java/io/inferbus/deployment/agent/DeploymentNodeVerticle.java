package io.inferbus.deployment.agent;

import com.hazelcast.core.LifecycleEvent;
import io.inferbus.deployment.instance.AccessLog;
import io.inferbus.deployment.instance.InstanceMetrics;
import io.inferbus.deployment.instance.ModelInstance;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.deployment.runner.ModelRunners;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.state.Assignment;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent of the deployment role: keeps the model instances running on this node equal to
 * what the control plane assigned to it ({@link ClusterMaps#ASSIGNMENTS}), each running its
 * deployment's current spec ({@link ClusterMaps#DEPLOYMENTS}). Reconciliation is idempotent and runs
 * on this verticle's event loop whenever either table changes.
 *
 * <p>An instance leaves service gently ({@link ModelInstance#stop()}): published as draining, so
 * gateways stop choosing it, it keeps consuming a while for requests already on their way, finishes
 * what it holds, then leaves. When a deployment's spec changes, the instances of the earlier spec
 * keep serving until this node's instances of the new spec are ready (or failed): a rollout leaves
 * no gap.
 *
 * <p>After a network partition, when this node's part of the cluster merges back into the other
 * part, it starts over as a node that joins ({@link #startOver()}).
 */
public final class DeploymentNodeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentNodeVerticle.class);
  private final ClusterRecords records;
  private final DeploymentNodeOptions options;
  /** instance id → instance, in the order they were started. */
  private final Map<String, ModelInstance> running = new LinkedHashMap<>();
  /** Deployment key → its metrics on this node, from its first instance here until it is deleted. */
  private final Map<String, InstanceMetrics> metrics = new HashMap<>();
  private ClusterMapView<DeploymentState> desired;
  private ClusterMapView<Assignment> assignments;
  private InstanceDirectory directory;
  private ModelCache cache;
  /** The threads every instance on this node runs its requests on. */
  private ModelRunners runners;
  private boolean stopping;
  private UUID mergeListener;

  public DeploymentNodeVerticle(ClusterRecords records, DeploymentNodeOptions options) {
    this.records = records;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    directory = new InstanceDirectory(records.map(ClusterMaps.INSTANCES), context);
    cache = new ModelCache(vertx, options.modelCacheDir());
    runners = new ModelRunners(options.cores());
    // the control plane gathers a deployment's recent log lines from every deployment node
    vertx.eventBus().<JsonObject>consumer(Addresses.nodeLogs(options.nodeId()), m -> {
      JsonObject q = m.body();
      m.reply(options.logs().reply(options.nodeId(), q.getString("endpoint") + "/" + q.getString("deployment"),
          q.getInteger("lines", 100)));
    });
    mergeListener = records.hazelcast().getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        context.runOnContext(v -> startOver());
      }
    });
    return watchTables();
  }

  /** Copies the deployment and assignment tables and follows them; reconciles on every change. */
  private Future<Void> watchTables() {
    desired = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, this::reconcile);
    assignments = records.view(ClusterMaps.ASSIGNMENTS, context, Assignment::fromJson, this::reconcile);
    return desired.start().compose(v -> assignments.start());
  }

  /**
   * This node was cut off by a network partition and its part of the cluster has merged back into
   * the other part (docs/operations.md#partitions-and-failure-detection). Meanwhile the control plane
   * there dropped this node and placed its instances elsewhere, and the tables changed without this
   * node hearing of it (that part's entry events never reached it, and a merge raises none of the
   * events views follow): its views are stale, and the instances it runs are no longer in the
   * instance table. So it starts over as a joining node: its instances leave (drained, as in a
   * scale-down), its views copy the tables afresh, and it runs what is assigned to it now. Without
   * this, once the control plane placed an instance on it again, it would keep the one it had,
   * unlisted, in its place, and the deployment would never be whole again.
   */
  private void startOver() {
    if (stopping) {
      return;
    }
    LOG.info("merged back into the cluster after a partition: stopping this node's {} instance(s) and taking"
        + " the assignments afresh", running.size());
    desired.stop();
    assignments.stop();
    List.copyOf(running.values()).forEach(this::retire);
    running.clear();
    watchTables().onFailure(e -> LOG.warn("cannot read the cluster's tables after the merge: {}", e.toString()));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    records.hazelcast().getLifecycleService().removeLifecycleListener(mergeListener);
    desired.stop();
    assignments.stop();
    List<Future<Void>> stops = new ArrayList<>();
    running.values().forEach(i -> stops.add(i.stop()));
    running.clear();
    return Future.join(stops).onComplete(ar -> runners.close());
  }

  private void reconcile() {
    if (stopping) {
      return;
    }
    Map<String, DeploymentState> specs = desired.entries();
    Map<String, Integer> mine = new HashMap<>();
    for (Assignment a : assignments.entries().values()) {
      int n = a.count(options.nodeId());
      if (n > 0) {
        mine.put(a.key(), n);
      }
    }
    List<Reconciliation.Running> now = new ArrayList<>();
    running.values().forEach(i -> now.add(new Reconciliation.Running(i.id(), i.deployment().key(),
        i.deployment().generation(), i.state())));
    forgetDeleted(specs);
    Reconciliation.Plan plan = Reconciliation.plan(specs, mine, now);
    if (plan.isEmpty()) {
      return;
    }
    int total = 0;
    for (String key : specs.keySet()) {
      total += mine.getOrDefault(key, 0);
    }
    int threadsPerInstance = Math.max(1, options.cores() / Math.max(1, total));
    plan.start().forEach((key, n) -> {
      DeploymentState deployment = specs.get(key);
      LOG.info("deployment {}: starting {} instance(s), {} assigned to this node", key, n, mine.get(key));
      for (int k = 0; k < n; k++) {
        InstanceMetrics meters = metrics.computeIfAbsent(key,
            d -> new InstanceMetrics(options.metrics(), deployment.endpoint(), deployment.name()));
        ModelInstance instance = new ModelInstance(vertx, deployment, options.nodeId(), directory, meters,
            options.accessLines() ? options.logs() : AccessLog.NONE, runners, options.local());
        options.logs().track(instance.id(), key);
        running.put(instance.id(), instance);
        // once it is ready (or failed), instances of an earlier spec it replaces may go
        instance.start(cache, threadsPerInstance).onComplete(ar -> reconcile());
      }
    });
    // after the starts: an instance of an earlier spec serves until its replacements are ready
    for (String id : plan.retire()) {
      if (!replacementPending(running.get(id), specs)) {
        retire(running.remove(id));
      }
    }
  }

  /**
   * Whether a ready instance of an earlier spec must keep serving because this node's instances of
   * the deployment's current spec are still loading and none of them is ready yet.
   */
  private boolean replacementPending(ModelInstance old, Map<String, DeploymentState> specs) {
    DeploymentState current = specs.get(old.deployment().key());
    if (current == null || current.generation() == old.deployment().generation()
        || !InstanceState.READY.equals(old.state())) {
      return false;
    }
    boolean loading = false;
    for (ModelInstance i : running.values()) {
      if (i.deployment().key().equals(current.key()) && i.deployment().generation() == current.generation()) {
        if (InstanceState.READY.equals(i.state())) {
          return false;
        }
        loading |= InstanceState.LOADING.equals(i.state());
      }
    }
    return loading;
  }

  /**
   * Drops the metrics and kept log lines of deployments that were deleted once none of their
   * instances runs here any more. A deployment that only moved off this node keeps its series, so
   * its counters do not restart if it comes back.
   */
  private void forgetDeleted(Map<String, DeploymentState> specs) {
    metrics.entrySet().removeIf(e -> {
      String key = e.getKey();
      if (specs.containsKey(key) || running.values().stream().anyMatch(i -> i.deployment().key().equals(key))) {
        return false;
      }
      e.getValue().remove();
      options.logs().forget(key);
      return true;
    });
  }

  /** Takes an instance out of service; it drains on its own (see {@link ModelInstance#stop()}). */
  private void retire(ModelInstance instance) {
    LOG.info("instance {} of {} ({}): stopping", instance.id(), instance.deployment().key(), instance.state());
    // once it is gone, a deleted deployment's series go with it
    instance.stop().onComplete(ar -> {
      if (!stopping) {
        forgetDeleted(desired.entries());
      }
    });
  }

}
