package io.inferbus.node.cluster;

import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterRecords;
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

  public static boolean check(ClusterRecords records) {
    Map<String, Integer> settledByDeployment = new HashMap<>();
    Map<String, DeploymentState> deployments = new HashMap<>();
    for (JsonObject json : records.map(ClusterMaps.DEPLOYMENTS).entries().values()) {
      DeploymentState d = DeploymentState.fromJson(json);
      deployments.put(d.key(), d);
    }
    for (JsonObject json : records.map(ClusterMaps.INSTANCES).entries().values()) {
      InstanceState i = InstanceState.fromJson(json);
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
