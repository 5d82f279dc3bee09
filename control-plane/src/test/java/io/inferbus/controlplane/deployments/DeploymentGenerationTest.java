package io.inferbus.controlplane.deployments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.testing.ControlPlaneTestBase;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.DeploymentState;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deployment's generation, which decides whether nodes replace its instances: it grows when what
 * the instances run changes (model, request_settings, batching), not when only instance_count,
 * description or tags change, so scaling never restarts the instances that keep running.
 */
class DeploymentGenerationTest extends ControlPlaneTestBase {
  private static final Actor ALICE = new Actor("alice", "req-alice");

  @BeforeEach
  void start() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue");
  }

  @Test
  void scalingKeepsTheGenerationAndChangingRequestSettingsMakesTheNext() throws Exception {
    assertEquals(1, published().generation(), "a new deployment is generation 1");

    JsonObject scaled = cp.expect(200, () -> cp.deployments().patch("credit", "blue",
        new JsonObject().put("instance_count", 5), ALICE));
    assertEquals(1, scaled.getLong("generation"));
    assertEquals(5, published().instanceCount(), "nodes see the new count");
    assertEquals(1, published().generation(), "with the same generation: running instances keep serving");

    JsonObject tuned = cp.expect(200, () -> cp.deployments().patch("credit", "blue",
        new JsonObject().put("request_settings", new JsonObject().put("request_timeout_ms", 900)), ALICE));
    assertEquals(2, tuned.getLong("generation"), "instances take request settings when they start: replace them");
    assertEquals(2, published().generation());
  }

  @Test
  void aPutChangingOnlyCountOrDescriptionKeepsTheGenerationAndOneChangingBatchingDoesNot() throws Exception {
    cp.expect(200, () -> cp.deployments().put("credit", "blue", new JsonObject().put("model", "credit-model:1")
        .put("instance_count", 3).put("description", "three of them"), ALICE));
    assertEquals(1, published().generation());

    cp.expect(200, () -> cp.deployments().put("credit", "blue", new JsonObject().put("model", "credit-model:1")
        .put("instance_count", 3).put("batching", new JsonObject().put("max_batch_size", 8)), ALICE));
    assertEquals(2, published().generation());
  }

  private DeploymentState published() {
    return DeploymentState.fromJson(TestCluster.records(hazelcast).map(ClusterMaps.DEPLOYMENTS)
        .get(ClusterMaps.deploymentKey("credit", "blue")));
  }
}
