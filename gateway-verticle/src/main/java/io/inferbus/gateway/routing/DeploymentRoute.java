package io.inferbus.gateway.routing;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** One deployment as the gateway routes to it: its settings and its ready instances. */
public final class DeploymentRoute {
  private final DeploymentState deployment;
  private final List<InstanceState> readyInstances;
  private final InstanceRoute[] routes;

  DeploymentRoute(DeploymentState deployment, List<InstanceState> readyInstances, InstanceLoad load) {
    this.deployment = deployment;
    this.readyInstances = List.copyOf(readyInstances);
    this.routes = new InstanceRoute[readyInstances.size()];
    for (int i = 0; i < routes.length; i++) {
      InstanceState instance = readyInstances.get(i);
      routes[i] = new InstanceRoute(instance, load.counter(instance.id()));
    }
  }

  public DeploymentState deployment() {
    return deployment;
  }

  public String name() {
    return deployment.name();
  }

  public List<InstanceState> readyInstances() {
    return readyInstances;
  }

  /**
   * A ready instance, null when none is: the less loaded of two chosen at random, by this gateway's
   * outstanding requests ("power of two choices"), so one slow or overloaded instance does not keep
   * a fixed share of the traffic while the others idle.
   */
  public InstanceRoute pickInstance() {
    int n = routes.length;
    if (n <= 1) {
      return n == 0 ? null : routes[0];
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = random.nextInt(n);
    int b = random.nextInt(n - 1);
    if (b >= a) {
      b++;
    }
    return routes[b].outstanding().get() < routes[a].outstanding().get() ? routes[b] : routes[a];
  }

  /** The least loaded ready instance other than {@code instanceId} (a retry's target); null if none. */
  public InstanceRoute pickInstanceOtherThan(String instanceId) {
    InstanceRoute best = null;
    for (InstanceRoute r : routes) {
      if (!r.state().id().equals(instanceId)
          && (best == null || r.outstanding().get() < best.outstanding().get())) {
        best = r;
      }
    }
    return best;
  }
}
