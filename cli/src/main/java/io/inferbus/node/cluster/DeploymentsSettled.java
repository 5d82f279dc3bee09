package io.inferbus.node.cluster;

import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Whether every deployment in the cluster has as many instances of its current spec as it asks for,
 * each of them ready or failed (none still loading). Pure: the node applies it to its own copies of
 * the deployment and instance tables ({@link io.inferbus.protocol.cluster.ClusterMapView}s, which
 * verify each record once, when it changes), whenever they change.
 */
public final class DeploymentsSettled {
  private DeploymentsSettled() {}

  public static boolean check(Collection<DeploymentState> deploymentStates, Collection<InstanceState> instances) {
    Map<String, Integer> settledByDeployment = new HashMap<>();
    Map<String, DeploymentState> deployments = new HashMap<>();
    for (DeploymentState d : deploymentStates) {
      deployments.put(d.key(), d);
    }
    for (InstanceState i : instances) {
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
