package io.inferbus.controlplane.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inferbus.protocol.state.InstanceState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A deployment's provisioning state from the instance table: Creating, Updating, Scaling, Succeeded,
 * Failed. Odd inputs tried: instances of other deployments and endpoints with the same names, extra
 * ready instances (a scale-down in progress), instance_count 0, a failed instance next to ready ones.
 */
class ProvisioningTest {
  @Test
  void aNewDeploymentIsCreatingUntilAllItsInstancesAreReady() {
    assertEquals("Creating", state(1, 2, false, i("a", 1, "Ready"), i("b", 1, "Loading")));
    assertEquals("Creating", state(1, 2, false));
    assertEquals("Succeeded", state(1, 2, false, i("a", 1, "Ready"), i("b", 1, "Ready")));
  }

  @Test
  void aScaleOfADeploymentThatRanInFullIsScaling() {
    assertEquals("Scaling", state(1, 3, true, i("a", 1, "Ready"), i("b", 1, "Ready")), "up");
    assertEquals("Scaling", state(1, 1, true, i("a", 1, "Ready"), i("b", 1, "Ready")), "down: one too many");
    assertEquals("Scaling", state(3, 2, true, i("a", 3, "Ready")), "a node left and its instance is placed again");
    assertEquals("Succeeded", state(1, 0, true), "scaled to zero");
  }

  @Test
  void aChangedSpecIsUpdatingWhileEarlierInstancesRunOrItHasNotRunInFull() {
    assertEquals("Updating", state(2, 2, false, i("a", 1, "Ready"), i("b", 2, "Ready"), i("c", 2, "Ready")));
    assertEquals("Updating", state(2, 2, false, i("b", 2, "Loading")));
    assertEquals("Updating", state(2, 2, false, i("b", 2, "Ready")));
    assertEquals("Succeeded", state(2, 2, false, i("b", 2, "Ready"), i("c", 2, "Ready")));
  }

  @Test
  void aFailedInstanceMakesTheDeploymentFailedWithItsReason() {
    Provisioning p = Provisioning.of("e", "d", 1, 2, List.of(i("a", 1, "Ready"), failed("b", "bad model")), true);
    assertEquals("Failed", p.state());
    assertEquals("bad model", p.failureReason());
  }

  @Test
  void onlyTheDeploymentsOwnCurrentInstancesCount() {
    Provisioning p = Provisioning.of("e", "d", 1, 1, List.of(
        i("a", 1, "Ready"),
        new InstanceState("x", "other", "d", 1, "n", "addr", "Failed", "elsewhere", 1, null),
        new InstanceState("y", "e", "other", 1, "n", "addr", "Failed", "elsewhere", 1, null)), false);
    assertEquals("Succeeded", p.state());
    assertNull(p.failureReason());
    assertEquals(List.of("a"), p.instances().stream().map(InstanceState::id).toList());
  }

  private static String state(long generation, int wanted, boolean settledBefore, InstanceState... instances) {
    return Provisioning.of("e", "d", generation, wanted, List.of(instances), settledBefore).state();
  }

  private static InstanceState i(String id, long generation, String state) {
    return new InstanceState(id, "e", "d", generation, "node-" + id, "addr-" + id, state, null, 1, null);
  }

  private static InstanceState failed(String id, String reason) {
    return new InstanceState(id, "e", "d", 1, "node-" + id, "addr-" + id, "Failed", reason, 1, null);
  }
}
