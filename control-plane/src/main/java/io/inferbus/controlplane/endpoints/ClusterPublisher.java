package io.inferbus.controlplane.endpoints;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Publishes the store's desired state to the cluster's endpoint and deployment tables, which
 * gateways and node agents watch. Always called after the store has the change durably.
 */
public final class ClusterPublisher {
  private final IMap<String, String> endpoints;
  private final IMap<String, String> deployments;
  private final Context context;

  public ClusterPublisher(HazelcastInstance hazelcast, Context context) {
    this.endpoints = hazelcast.getMap(ClusterMaps.ENDPOINTS);
    this.deployments = hazelcast.getMap(ClusterMaps.DEPLOYMENTS);
    this.context = context;
  }

  public Future<Void> publish(EndpointState endpoint) {
    return Future.fromCompletionStage(endpoints.setAsync(endpoint.name(), endpoint.toJson().encode()), context);
  }

  public Future<Void> publish(DeploymentState deployment) {
    return Future.fromCompletionStage(
        deployments.setAsync(deployment.key(), deployment.toJson().encode()), context);
  }

  public Future<Void> removeEndpoint(String name) {
    return Future.fromCompletionStage(endpoints.removeAsync(name), context).mapEmpty();
  }

  public Future<Void> removeDeployment(String endpoint, String name) {
    return Future.fromCompletionStage(
        deployments.removeAsync(ClusterMaps.deploymentKey(endpoint, name)), context).mapEmpty();
  }

  /**
   * Makes the cluster tables equal to the store's content: sets every entry and removes entries the
   * store does not have (left by an earlier run). Blocking: call from a worker.
   */
  public void republishAll(List<EndpointState> allEndpoints, List<DeploymentState> allDeployments) {
    Set<String> endpointKeys = new HashSet<>();
    for (EndpointState e : allEndpoints) {
      endpoints.set(e.name(), e.toJson().encode());
      endpointKeys.add(e.name());
    }
    Set<String> deploymentKeys = new HashSet<>();
    for (DeploymentState d : allDeployments) {
      deployments.set(d.key(), d.toJson().encode());
      deploymentKeys.add(d.key());
    }
    for (String stale : new ArrayList<>(endpoints.keySet())) {
      if (!endpointKeys.contains(stale)) {
        endpoints.delete(stale);
      }
    }
    for (String stale : new ArrayList<>(deployments.keySet())) {
      if (!deploymentKeys.contains(stale)) {
        deployments.delete(stale);
      }
    }
  }
}
