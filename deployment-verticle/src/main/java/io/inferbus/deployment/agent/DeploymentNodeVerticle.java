package io.inferbus.deployment.agent;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.deployment.instance.ModelInstance;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.state.Assignment;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent of the deployment role: keeps the model instances running on this node equal to
 * what the control plane assigned to it ({@link ClusterMaps#ASSIGNMENTS}), each running its
 * deployment's current spec ({@link ClusterMaps#DEPLOYMENTS}). Reconciliation is idempotent and runs
 * on this verticle's event loop whenever either table changes.
 *
 * <p>An instance leaves service gently: it is first withdrawn from the instance table, so gateways
 * stop choosing it, and stopped {@link #DRAIN_MS} later, when requests already sent to it have
 * arrived; only then does it stop consuming.
 */
public final class DeploymentNodeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentNodeVerticle.class);
  /**
   * Between withdrawing an instance from the instance table and stopping it: long enough for every
   * gateway to hear of the withdrawal (milliseconds on a healthy cluster; a GC pause is the margin).
   */
  static final long DRAIN_MS = 1000;

  private final HazelcastInstance hazelcast;
  private final DeploymentNodeOptions options;
  /** instance id → instance, in the order they were started. */
  private final Map<String, ModelInstance> running = new LinkedHashMap<>();
  /** Withdrawn instances waiting out {@link #DRAIN_MS} before they stop. */
  private final Set<ModelInstance> draining = new HashSet<>();
  private ClusterMapView<DeploymentState> desired;
  private ClusterMapView<Assignment> assignments;
  private InstanceDirectory directory;
  private ModelCache cache;
  private boolean stopping;

  public DeploymentNodeVerticle(HazelcastInstance hazelcast, DeploymentNodeOptions options) {
    this.hazelcast = hazelcast;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    directory = new InstanceDirectory(hazelcast, context);
    cache = new ModelCache(vertx, options.modelCacheDir());
    desired = new ClusterMapView<>(hazelcast, ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, this::reconcile);
    assignments = new ClusterMapView<>(hazelcast, ClusterMaps.ASSIGNMENTS, context, Assignment::fromJson,
        this::reconcile);
    return desired.start().compose(v -> assignments.start());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    desired.stop();
    assignments.stop();
    List<ModelInstance> all = new ArrayList<>(running.values());
    running.clear();
    List<Future<Void>> withdrawn = new ArrayList<>();
    for (ModelInstance i : all) {
      if (InstanceState.READY.equals(i.state())) {
        withdrawn.add(directory.remove(i.id()));
      }
    }
    Future<Void> drained = withdrawn.isEmpty() ? Future.succeededFuture()
        : Future.join(withdrawn).transform(ar -> delay(DRAIN_MS));
    return drained.compose(v -> {
      List<Future<Void>> stops = new ArrayList<>();
      all.forEach(i -> stops.add(i.stop()));
      draining.forEach(i -> stops.add(i.stop()));
      draining.clear();
      return Future.join(stops);
    });
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
    Reconciliation.Plan plan = Reconciliation.plan(specs, mine, now);
    if (plan.isEmpty()) {
      return;
    }
    for (String id : plan.retire()) {
      retire(running.remove(id));
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
        ModelInstance instance = new ModelInstance(vertx, deployment, options.nodeId(), directory, options.metrics());
        running.put(instance.id(), instance);
        instance.start(cache, threadsPerInstance);
      }
    });
  }

  /** Takes an instance out of service: withdrawn from routing first when it serves, then stopped. */
  private void retire(ModelInstance instance) {
    LOG.info("instance {} of {} ({}): stopping", instance.id(), instance.deployment().key(), instance.state());
    if (!InstanceState.READY.equals(instance.state())) {
      instance.stop();
      return;
    }
    draining.add(instance);
    directory.remove(instance.id()).transform(ar -> delay(DRAIN_MS)).onComplete(ar -> {
      if (draining.remove(instance)) {
        instance.stop();
      }
    });
  }

  private Future<Void> delay(long ms) {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(ms, t -> done.complete());
    return done.future();
  }
}
