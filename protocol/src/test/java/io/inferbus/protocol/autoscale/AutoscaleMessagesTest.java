package io.inferbus.protocol.autoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The autoscaler's event-bus messages and the deployment record gateways read, as JSON and back. */
class AutoscaleMessagesTest {
  @Test
  void demandQueryRoundTripsAndItsWindowsAreBounded() {
    DemandQuery q = new DemandQuery(List.of(new DemandQuery.Asked("credit", "blue", 2000)));
    assertEquals(q, DemandQuery.fromJson(q.toJson()));
    DemandQuery wide = DemandQuery.fromJson(new JsonObject("{\"deployments\": [{\"endpoint\": \"e\","
        + " \"deployment\": \"d\", \"window_ms\": 999999999}, {\"endpoint\": \"e\", \"deployment\": \"f\","
        + " \"window_ms\": 0}]}"));
    assertEquals(DemandQuery.MAX_WINDOW_MS, wide.deployments().get(0).windowMs());
    assertEquals(1, wide.deployments().get(1).windowMs());
  }

  @Test
  void gatewayDemandRoundTrips() {
    GatewayDemand d = new GatewayDemand("node-1", List.of(new GatewayDemand.Demand("credit", "blue", 2.5, 3, 0, 120),
        new GatewayDemand.Demand("credit", "green", 0, 0, 7, -1)));
    assertEquals(d, GatewayDemand.fromJson(d.toJson()));
  }

  @Test
  void wakeRequestRoundTrips() {
    WakeRequest w = new WakeRequest("credit", "blue", "node-1", 4);
    assertEquals(w, WakeRequest.fromJson(w.toJson()));
  }

  @Test
  void garbageIsRefusedAsBadInput() {
    for (Object bad : List.of("x", new JsonObject(), new JsonObject("{\"deployments\": [1]}"))) {
      assertEquals(FailureKind.BAD_INPUT, assertThrows(InferbusException.class, () -> DemandQuery.fromJson(bad)).kind());
    }
    assertThrows(InferbusException.class, () -> GatewayDemand.fromJson(new JsonObject("{\"node\": \"n\","
        + " \"deployments\": [{\"endpoint\": \"e\"}]}")));
    assertThrows(InferbusException.class, () -> WakeRequest.fromJson(new JsonObject("{\"endpoint\": \"e\"}")));
  }

  @Test
  void aDeploymentRecordCarriesItsScaleSettingsAndAFixedOneHasNone() {
    ModelRef model = new ModelRef("m", "1", "ab");
    DeploymentState fixed = new DeploymentState("e", "d", model, 2, RequestSettings.DEFAULTS, null, 1);
    assertFalse(fixed.autoscaled());
    assertFalse(fixed.toJson().containsKey("scale_settings"), "the record of a fixed deployment is unchanged");
    assertNull(DeploymentState.fromJson(fixed.toJson()).scaleSettings());
    DeploymentState scaled = new DeploymentState("e", "d", model, 0, RequestSettings.DEFAULTS, null, 1,
        new ScaleSettings(0, 3, 1, 70, 0, 2, 5));
    assertTrue(scaled.autoscaled());
    assertEquals(scaled, DeploymentState.fromJson(scaled.toJson()));
  }
}
