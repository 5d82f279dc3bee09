package io.inferbus.deployment.agent;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.deployment.instance.ModelInstance;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.state.DeploymentState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent of the deployment role: keeps the model instances running on this node equal to
 * what the cluster's deployment table asks for. Reconciliation is idempotent and runs on this
 * verticle's event loop whenever the table changes.
 *
 * <p>Placement across nodes arrives with the control plane's placement work; until then every
 * deployment node runs each deployment's {@code instance_count} instances.
 */
public final class DeploymentNodeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentNodeVerticle.class);

  private final HazelcastInstance hazelcast;
  private final DeploymentNodeOptions options;
  private final Map<String, List<ModelInstance>> running = new HashMap<>();
  private ClusterMapView<DeploymentState> desired;
  private InstanceDirectory directory;
  private ModelCache cache;

  public DeploymentNodeVerticle(HazelcastInstance hazelcast, DeploymentNodeOptions options) {
    this.hazelcast = hazelcast;
    this.options = options;
  }

  @Override
  public Future<?> start() {
    directory = new InstanceDirectory(hazelcast, context);
    cache = new ModelCache(vertx, options.modelCacheDir());
    desired = new ClusterMapView<>(hazelcast, ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, this::reconcile);
    return desired.start();
  }

  @Override
  public Future<?> stop() {
    desired.stop();
    List<Future<Void>> stops = new ArrayList<>();
    running.values().forEach(list -> list.forEach(i -> stops.add(i.stop())));
    running.clear();
    return Future.join(stops);
  }

  private void reconcile() {
    Map<String, DeploymentState> want = desired.entries();
    running.keySet().removeIf(key -> {
      if (want.containsKey(key)) {
        return false;
      }
      running.get(key).forEach(ModelInstance::stop);
      LOG.info("deployment {} removed: stopped its instances", key);
      return true;
    });
    int total = want.values().stream().mapToInt(DeploymentState::instanceCount).sum();
    int threadsPerInstance = Math.max(1, options.cores() / Math.max(1, total));
    for (DeploymentState deployment : want.values()) {
      List<ModelInstance> list = running.computeIfAbsent(deployment.key(), k -> new ArrayList<>());
      list.removeIf(i -> {
        if (i.deployment().generation() != deployment.generation()) {
          i.stop();
          return true;
        }
        return false;
      });
      while (list.size() > deployment.instanceCount()) {
        list.remove(list.size() - 1).stop();
      }
      while (list.size() < deployment.instanceCount()) {
        ModelInstance instance = new ModelInstance(vertx, deployment, options.nodeId(), directory, options.metrics());
        list.add(instance);
        instance.start(cache, threadsPerInstance);
      }
    }
  }
}
