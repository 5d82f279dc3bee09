package io.inferbus.gateway.routing;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** One deployment as the gateway routes to it: its settings and its ready instances. */
public final class DeploymentRoute {
  private final DeploymentState deployment;
  private final List<InstanceState> readyInstances;
  private final AtomicInteger next = new AtomicInteger();

  DeploymentRoute(DeploymentState deployment, List<InstanceState> readyInstances) {
    this.deployment = deployment;
    this.readyInstances = List.copyOf(readyInstances);
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

  /** The next ready instance, round-robin; null when none is ready. */
  public InstanceState pickInstance() {
    int n = readyInstances.size();
    if (n == 0) {
      return null;
    }
    return readyInstances.get(Math.floorMod(next.getAndIncrement(), n));
  }
}
