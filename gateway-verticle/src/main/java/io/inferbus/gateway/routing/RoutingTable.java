package io.inferbus.gateway.routing;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The gateway's immutable view of where to send requests. Built from the cluster's endpoint,
 * deployment and instance tables, swapped whole when any of them changes; readers never lock.
 */
public final class RoutingTable {
  public static final RoutingTable EMPTY = new RoutingTable(Map.of());

  private final Map<String, EndpointRoute> endpoints;

  private RoutingTable(Map<String, EndpointRoute> endpoints) {
    this.endpoints = Map.copyOf(endpoints);
  }

  /** Every endpoint's name with the names of its deployments. */
  public Map<String, java.util.Set<String>> names() {
    Map<String, java.util.Set<String>> out = new java.util.HashMap<>();
    endpoints.forEach((name, route) -> out.put(name, route.deployments().keySet()));
    return out;
  }

  /** The endpoint's route, or null if there is no such endpoint. */
  public EndpointRoute endpoint(String name) {
    return endpoints.get(name);
  }

  /** A table in which every node is a cluster member. */
  public static RoutingTable build(Map<String, EndpointState> endpoints, Map<String, DeploymentState> deployments,
      Map<String, InstanceState> instances, InstanceLoad load) {
    return build(endpoints, deployments, instances, load, node -> true);
  }

  /**
   * The table of the given cluster tables. Instances on nodes that are not members of the cluster
   * ({@code memberNode} false: the node died or was cut off, and its entries are not yet removed)
   * get nothing: a request sent there would wait for its deadline.
   */
  public static RoutingTable build(Map<String, EndpointState> endpoints, Map<String, DeploymentState> deployments,
      Map<String, InstanceState> instances, InstanceLoad load, Predicate<String> memberNode) {
    load.retainOnly(instances.keySet());
    Map<String, List<InstanceState>> readyByDeployment = new HashMap<>();
    Map<String, DeploymentState> byKey = new HashMap<>();
    for (DeploymentState d : deployments.values()) {
      byKey.put(d.key(), d);
    }
    Map<String, List<InstanceState>> olderByDeployment = new HashMap<>();
    for (InstanceState i : instances.values()) {
      DeploymentState d = byKey.get(i.endpoint() + "/" + i.deployment());
      if (!i.ready() || d == null || (i.node() != null && !memberNode.test(i.node()))) {
        continue;
      }
      // Ready instances of the deployment's current spec receive requests; while none is ready yet
      // (a new spec rolling out), those of the earlier spec still serve, so a rollout fails nothing.
      (d.generation() == i.generation() ? readyByDeployment : olderByDeployment)
          .computeIfAbsent(d.key(), k -> new ArrayList<>()).add(i);
    }
    olderByDeployment.forEach(readyByDeployment::putIfAbsent);
    for (List<InstanceState> list : readyByDeployment.values()) {
      list.sort((a, b) -> a.id().compareTo(b.id()));
    }
    Map<String, Map<String, DeploymentRoute>> routesByEndpoint = new HashMap<>();
    for (DeploymentState d : byKey.values()) {
      routesByEndpoint.computeIfAbsent(d.endpoint(), k -> new HashMap<>())
          .put(d.name(), new DeploymentRoute(d, readyByDeployment.getOrDefault(d.key(), List.of()), load));
    }
    Map<String, EndpointRoute> routes = new HashMap<>();
    for (EndpointState e : endpoints.values()) {
      routes.put(e.name(), new EndpointRoute(e, routesByEndpoint.getOrDefault(e.name(), Map.of())));
    }
    return new RoutingTable(routes);
  }
}
