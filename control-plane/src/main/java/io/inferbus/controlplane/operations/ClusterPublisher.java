package io.inferbus.controlplane.operations;

import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.SignedMap;
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
 * gateways and node agents watch, as records signed by this control plane. Always called after the
 * store has the change durably. It guards both tables once {@link #republishAll} ran: an entry
 * replaced, garbled or removed by anything else is written back ({@link SignedMap#guard}).
 */
public final class ClusterPublisher {
  private final SignedMap endpoints;
  private final SignedMap deployments;
  private final Context context;

  public ClusterPublisher(ClusterRecords records, Context context) {
    this.endpoints = records.map(ClusterMaps.ENDPOINTS);
    this.deployments = records.map(ClusterMaps.DEPLOYMENTS);
    this.context = context;
  }

  public Future<Void> publish(EndpointState endpoint) {
    return endpoints.setAsync(endpoint.name(), endpoint.toJson(), context);
  }

  public Future<Void> publish(DeploymentState deployment) {
    return deployments.setAsync(deployment.key(), deployment.toJson(), context);
  }

  public Future<Void> removeEndpoint(String name) {
    return endpoints.removeAsync(name, context);
  }

  public Future<Void> removeDeployment(String endpoint, String name) {
    return deployments.removeAsync(ClusterMaps.deploymentKey(endpoint, name), context);
  }

  /**
   * Makes the cluster tables equal to the store's content: sets every entry and removes entries the
   * store does not have (left by an earlier run), then guards them. Blocking: call from a worker.
   */
  public void republishAll(List<EndpointState> allEndpoints, List<DeploymentState> allDeployments) {
    endpoints.guard();
    deployments.guard();
    Set<String> endpointKeys = new HashSet<>();
    for (EndpointState e : allEndpoints) {
      endpoints.set(e.name(), e.toJson());
      endpointKeys.add(e.name());
    }
    Set<String> deploymentKeys = new HashSet<>();
    for (DeploymentState d : allDeployments) {
      deployments.set(d.key(), d.toJson());
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

  /** Stops guarding the tables (the control plane stops). */
  public void stop() {
    endpoints.stopGuarding();
    deployments.stopGuarding();
  }
}
