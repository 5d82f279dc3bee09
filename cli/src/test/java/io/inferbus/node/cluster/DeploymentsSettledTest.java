package io.inferbus.node.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a node's deployments count as settled: enough instances of the current spec, none loading. */
class DeploymentsSettledTest {
  private static DeploymentState deployment(String name, int instances, long generation) {
    return new DeploymentState("credit", name, new ModelRef("m", "1", "0".repeat(64)), instances,
        new RequestSettings(5000, 1, 500), null, generation);
  }

  private static InstanceState instance(String deployment, long generation, String state) {
    return new InstanceState("credit." + deployment + "." + state + generation, "credit", deployment, generation,
        "node-a", "inferbus.instance.x", state, null, 0L, null);
  }

  @Test
  void settledOnceEveryDeploymentHasItsInstancesOfTheCurrentSpecReadyOrFailed() {
    DeploymentState blue = deployment("blue", 2, 3);
    DeploymentState green = deployment("green", 1, 1);
    assertTrue(DeploymentsSettled.check(List.of(), List.of()), "nothing to wait for");
    assertFalse(DeploymentsSettled.check(List.of(blue, green), List.of(
        instance("blue", 3, InstanceState.READY), instance("green", 1, InstanceState.READY))), "blue has 1 of 2");
    assertFalse(DeploymentsSettled.check(List.of(blue, green), List.of(instance("blue", 3, InstanceState.READY),
        instance("blue", 3, InstanceState.LOADING), instance("green", 1, InstanceState.READY))), "one still loading");
    assertFalse(DeploymentsSettled.check(List.of(blue, green), List.of(instance("blue", 3, InstanceState.READY),
        instance("blue", 2, InstanceState.READY), instance("green", 1, InstanceState.READY))),
        "an instance of an earlier spec does not count");
    assertTrue(DeploymentsSettled.check(List.of(blue, green), List.of(instance("blue", 3, InstanceState.READY),
        instance("blue", 3, InstanceState.FAILED), instance("green", 1, InstanceState.READY))),
        "a failed instance is settled: /health/ready does not wait for a model that cannot load");
  }
}
