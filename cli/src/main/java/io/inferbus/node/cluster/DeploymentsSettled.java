package io.inferbus.node.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Whether every deployment in the cluster has as many instances of its current spec as it asks for,
 * each of them ready or failed (none still loading). Reads the cluster tables: blocking.
 */
public final class DeploymentsSettled {
  private DeploymentsSettled() {}

  public static boolean check(HazelcastInstance hazelcast) {
    Map<String, Integer> settledByDeployment = new HashMap<>();
    Map<String, DeploymentState> deployments = new HashMap<>();
    for (String json : hazelcast.<String, String>getMap(ClusterMaps.DEPLOYMENTS).values()) {
      DeploymentState d = DeploymentState.fromJson(new JsonObject(json));
      deployments.put(d.key(), d);
    }
    for (String json : hazelcast.<String, String>getMap(ClusterMaps.INSTANCES).values()) {
      InstanceState i = InstanceState.fromJson(new JsonObject(json));
      DeploymentState d = deployments.get(ClusterMaps.deploymentKey(i.endpoint(), i.deployment()));
      if (d != null && d.generation() == i.generation()
          && (i.ready() || InstanceState.FAILED.equals(i.state()))) {
        settledByDeployment.merge(d.key(), 1, Integer::sum);
      }
    }
    return deployments.values().stream()
        .allMatch(d -> settledByDeployment.getOrDefault(d.key(), 0) >= d.instanceCount());
  }
}
