package io.inferbus.gateway.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.gateway.routing.InstanceLoad;
import io.inferbus.gateway.routing.InstanceRoute;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.GatewayDemand;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DemandSamples: the requests a gateway has outstanding at an autoscaled deployment's ready
 * instances, sampled and averaged over the window the autoscaler asks for; fixed deployments are
 * neither sampled nor answered for.
 */
class DemandSamplesTest {
  private static final ModelRef MODEL = new ModelRef("m", "1", "0".repeat(64));
  private static final EndpointState CREDIT = new EndpointState("credit", EndpointState.AUTH_KEY,
      Map.of("blue", 100), Map.of(), 1, List.of());
  private static final DeploymentState BLUE = new DeploymentState("credit", "blue", MODEL, 2,
      RequestSettings.DEFAULTS, null, 1, ScaleSettings.defaults());
  private static final DeploymentState FIXED = new DeploymentState("credit", "fixed", MODEL, 1,
      RequestSettings.DEFAULTS, null, 1);

  private final InstanceLoad load = new InstanceLoad();

  private RoutingTable table() {
    return RoutingTable.build(Map.of("credit", CREDIT), Map.of(BLUE.key(), BLUE, FIXED.key(), FIXED), Map.of(
        "b1", instance("b1", "blue"), "b2", instance("b2", "blue"), "f1", instance("f1", "fixed")), load);
  }

  private static InstanceState instance(String id, String deployment) {
    return new InstanceState(id, "credit", deployment, 1, "node-1", "addr." + id, InstanceState.READY, null, 0, null);
  }

  private static DemandQuery ask(String deployment, long windowMs) {
    return new DemandQuery(List.of(new DemandQuery.Asked("credit", deployment, windowMs)));
  }

  @Test
  void theMeanOverTheAskedWindowOfOutstandingRequestsAtReadyInstances() {
    RoutingTable table = table();
    DemandSamples samples = new DemandSamples(load, key -> key.equals("credit/blue") ? 3 : 0, (e, d) -> 250);
    InstanceRoute b1 = table.endpoint("credit").deployment("blue").pickInstanceOtherThan("b2");
    InstanceRoute b2 = table.endpoint("credit").deployment("blue").pickInstanceOtherThan("b1");
    for (int i = 0; i < 10; i++) {
      samples.sample(table); // 10 samples at 0
    }
    b1.sent();
    b1.sent();
    b2.sent();
    b2.sent();
    for (int i = 0; i < 10; i++) {
      samples.sample(table); // 10 samples at 4
    }
    b2.answered();
    GatewayDemand.Demand lastSecond = samples.answer("gw", ask("blue", 1000), table).deployments().get(0);
    assertEquals(4.0, lastSecond.inFlight(), 1e-9, "the last 10 samples (a second)");
    assertEquals(3, lastSecond.inFlightNow());
    assertEquals(3, lastSecond.waiting());
    assertEquals(250, lastSecond.idleMs());
    assertEquals(2.0, samples.answer("gw", ask("blue", 2000), table).deployments().get(0).inFlight(), 1e-9,
        "two seconds: half at 0, half at 4");
    assertEquals(2.0, samples.answer("gw", ask("blue", 60_000), table).deployments().get(0).inFlight(), 1e-9,
        "a window longer than what was sampled: the samples there are");
  }

  @Test
  void fixedAndUnknownDeploymentsAreNotAnsweredFor() {
    RoutingTable table = table();
    DemandSamples samples = new DemandSamples(load, key -> 0, (e, d) -> -1);
    assertTrue(DemandSamples.anyAutoscaled(table));
    samples.sample(table);
    GatewayDemand answer = samples.answer("gw", new DemandQuery(List.of(new DemandQuery.Asked("credit", "nope", 1000),
        new DemandQuery.Asked("gone", "blue", 1000), new DemandQuery.Asked("credit", "blue", 1000))), table);
    assertEquals(List.of("blue"), answer.deployments().stream().map(GatewayDemand.Demand::deployment).toList());
    RoutingTable onlyFixed = RoutingTable.build(Map.of("credit", CREDIT), Map.of(FIXED.key(), FIXED), Map.of(), load);
    assertFalse(DemandSamples.anyAutoscaled(onlyFixed));
  }

  @Test
  void withoutSamplesTheCountNowStandsIn() {
    RoutingTable table = table();
    table.endpoint("credit").deployment("blue").pickInstance().sent();
    GatewayDemand.Demand d = new DemandSamples(load, key -> 0, (e, dep) -> -1).answer("gw", ask("blue", 1000), table)
        .deployments().get(0);
    assertEquals(1.0, d.inFlight(), 1e-9);
    assertEquals(-1, d.idleMs());
  }
}
