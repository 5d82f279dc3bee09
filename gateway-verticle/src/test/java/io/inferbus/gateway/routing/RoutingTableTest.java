package io.inferbus.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which instances a routing table sends to: ready ones of the deployment's current spec; while a
 * new spec rolls out and none of its instances is ready, the ready ones of the earlier spec; never
 * loading, draining or failed ones, nor instances of unknown deployments or on nodes that left.
 */
class RoutingTableTest {
  private static final EndpointState CREDIT = new EndpointState("credit", EndpointState.AUTH_KEY,
      Map.of("blue", 100), Map.of(), 1, List.of());

  private static DeploymentState blue(long generation) {
    return new DeploymentState("credit", "blue", new ModelRef("m", "1", "0".repeat(64)), 2, RequestSettings.DEFAULTS,
        null, generation);
  }

  private static InstanceState instance(String id, long generation, String state) {
    return new InstanceState(id, "credit", "blue", generation, "node-1", "addr." + id, state, null, 0, null);
  }

  private static String routed(RoutingTable table) {
    return table.endpoint("credit").deployment("blue").readyInstances().stream().map(InstanceState::id).sorted()
        .collect(Collectors.joining(","));
  }

  private static RoutingTable table(DeploymentState deployment, InstanceState... instances) {
    return RoutingTable.build(Map.of("credit", CREDIT), Map.of(deployment.key(), deployment),
        java.util.Arrays.stream(instances).collect(Collectors.toMap(InstanceState::id, i -> i)), new InstanceLoad());
  }

  @Test
  void onlyReadyInstancesOfTheCurrentSpecWhenAnyIsReady() {
    assertEquals("new1", routed(table(blue(2), instance("old1", 1, InstanceState.READY),
        instance("new1", 2, InstanceState.READY), instance("new2", 2, InstanceState.LOADING))));
  }

  @Test
  void theEarlierSpecServesUntilTheNewOneHasAReadyInstance() {
    assertEquals("old1,old2", routed(table(blue(2), instance("old1", 1, InstanceState.READY),
        instance("old2", 1, InstanceState.READY), instance("new1", 2, InstanceState.LOADING))));
  }

  @Test
  void drainingLoadingAndFailedInstancesGetNothing() {
    assertEquals("", routed(table(blue(1), instance("a", 1, InstanceState.DRAINING),
        instance("b", 1, InstanceState.LOADING), instance("c", 1, InstanceState.FAILED))));
    assertNull(table(blue(1), instance("a", 1, InstanceState.DRAINING)).endpoint("credit").deployment("blue")
        .pickInstance());
  }

  @Test
  void instancesOfUnknownDeploymentsAreIgnored() {
    InstanceState stray = new InstanceState("s", "credit", "green", 1, "n", "addr.s", InstanceState.READY, null, 0, null);
    RoutingTable t = RoutingTable.build(Map.of("credit", CREDIT), Map.of(blue(1).key(), blue(1)),
        Map.of("s", stray), new InstanceLoad());
    assertNull(t.endpoint("credit").deployment("green"));
    assertEquals("", routed(t));
  }

  @Test
  void instancesOnNodesThatLeftTheClusterGetNothing() {
    InstanceState here = instance("a", 1, InstanceState.READY);
    InstanceState gone = new InstanceState("b", "credit", "blue", 1, "node-2", "addr.b", InstanceState.READY, null, 0,
        null);
    RoutingTable t = RoutingTable.build(Map.of("credit", CREDIT), Map.of(blue(1).key(), blue(1)),
        Map.of("a", here, "b", gone), new InstanceLoad(), "node-1"::equals);
    assertEquals("a", routed(t));
    assertEquals("a", t.endpoint("credit").deployment("blue").pickInstanceOtherThan("x").state().id());
  }
}
