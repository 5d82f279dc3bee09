package io.inferbus.protocol.spec;

import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrafficSpecTest {
  private static final Set<String> DEPLOYMENTS = new LinkedHashSet<>(List.of("blue", "green", "red"));

  /** Weights as a client sends them: JSON text parsed by Vert.x. */
  private static JsonObject json(String text) {
    return new JsonObject(text);
  }

  private static Map<String, Integer> traffic(String json) {
    return TrafficSpec.traffic(json(json), DEPLOYMENTS);
  }

  private static Map<String, Integer> mirror(String json, Map<String, Integer> traffic) {
    return TrafficSpec.mirror(json(json), DEPLOYMENTS, traffic);
  }

  // ------------------------------------------------------------ live traffic: accepted

  @Test
  void splitSummingTo100IsAcceptedAsGiven() {
    assertEquals(Map.of("blue", 90, "green", 10), traffic("{\"blue\": 90, \"green\": 10}"));
    assertEquals(Map.of("blue", 34, "green", 33, "red", 33), traffic("{\"blue\": 34, \"green\": 33, \"red\": 33}"));
  }

  @Test
  void allToOneDeploymentIsAccepted() {
    assertEquals(Map.of("green", 100), traffic("{\"green\": 100}"));
    assertEquals(Map.of("blue", 0, "green", 100, "red", 0), traffic("{\"blue\": 0, \"green\": 100, \"red\": 0}"));
  }

  @Test
  void allZerosIsAccepted() {
    assertEquals(Map.of("blue", 0, "green", 0), traffic("{\"blue\": 0, \"green\": 0}"));
    assertEquals(Map.of(), traffic("{}"));
  }

  @Test
  void weightsKeepTheOrderTheyWereGivenIn() {
    assertEquals(List.of("red", "blue"), List.copyOf(traffic("{\"red\": 50, \"blue\": 50}").keySet()));
  }

  // ------------------------------------------------------------ live traffic: refused

  @Test
  void sumOf90IsRefusedNamingTheSumAndTheRule() {
    refused("traffic", () -> traffic("{\"blue\": 80, \"green\": 10}"),
        "sum to 90", "must sum to 100", "or all be 0", "{\"blue\": 90, \"green\": 10}");
  }

  @Test
  void sumOver100IsRefused() {
    refused("traffic", () -> traffic("{\"blue\": 90, \"green\": 20}"), "sum to 110", "must sum to 100");
  }

  @Test
  void weightOver100IsRefusedNamingTheDeploymentAndTheRange() {
    refused("traffic", () -> traffic("{\"blue\": 101}"), "'blue'", "101", "whole number from 0 to 100");
  }

  @Test
  void negativeWeightIsRefusedEvenWhenTheSumIs100() {
    refused("traffic", () -> traffic("{\"blue\": -10, \"green\": 110}"), "'blue'", "-10", "whole number from 0 to 100");
    refused("traffic", () -> traffic("{\"green\": 110, \"blue\": -10}"), "'green'", "110");
  }

  @Test
  void nonIntegerWeightIsRefused() {
    refused("traffic", () -> traffic("{\"blue\": 50.5, \"green\": 49.5}"), "'blue'", "50.5", "whole number");
    refused("traffic", () -> traffic("{\"blue\": \"100\"}"), "'blue'", "whole number from 0 to 100");
    refused("traffic", () -> traffic("{\"blue\": null, \"green\": 100}"), "'blue'", "whole number");
    refused("traffic", () -> traffic("{\"blue\": true}"), "'blue'", "whole number");
  }

  @Test
  void hugeNumberIsRefusedNotWrappedAround() {
    // 4294967396 wraps to 100 as an int
    refused("traffic", () -> traffic("{\"blue\": 4294967396}"), "'blue'", "whole number from 0 to 100");
  }

  @Test
  void unknownDeploymentIsRefusedNamingItAndTheExistingOnes() {
    refused("traffic", () -> traffic("{\"blue\": 50, \"purple\": 50}"),
        "'purple'", "does not have", "blue", "green", "red");
  }

  @Test
  void trafficOnAnEndpointWithoutDeploymentsIsRefusedUnlessEmpty() {
    refused("traffic", () -> TrafficSpec.traffic(json("{\"blue\": 100}"), Set.of()), "'blue'", "does not have");
    assertEquals(Map.of(), TrafficSpec.traffic(json("{}"), Set.of()));
  }

  @Test
  void notAnObjectIsRefusedShowingTheRightForm() {
    refused("traffic", () -> TrafficSpec.traffic("blue=90 green=10", DEPLOYMENTS),
        "must be an object", "{\"blue\": 100}");
    refused("traffic", () -> TrafficSpec.traffic(null, DEPLOYMENTS), "must be an object");
    refused("traffic", () -> TrafficSpec.traffic(new io.vertx.core.json.JsonArray().add(100), DEPLOYMENTS),
        "must be an object");
  }

  // ------------------------------------------------------------ mirror: accepted

  @Test
  void mirrorToADeploymentWithoutLiveTrafficIsAccepted() {
    Map<String, Integer> live = traffic("{\"blue\": 100, \"green\": 0}");
    assertEquals(Map.of("green", 10), mirror("{\"green\": 10}", live));
    assertEquals(Map.of("red", 10), mirror("{\"red\": 10}", live), "absent from traffic counts as 0 %");
  }

  @Test
  void mirrorOf50IsAcceptedAsTheMaximum() {
    assertEquals(Map.of("green", 50), mirror("{\"green\": 50}", Map.of("blue", 100)));
    assertEquals(50, TrafficSpec.MAX_MIRROR_PERCENT);
  }

  @Test
  void mirrorZeroTurnsMirroringOff() {
    assertEquals(Map.of(), mirror("{\"green\": 0}", Map.of("blue", 100)));
    assertEquals(Map.of(), mirror("{}", Map.of("blue", 100)));
    assertEquals(Map.of(), mirror("{\"blue\": 0}", Map.of("blue", 100)),
        "turning off is fine even for a deployment with live traffic");
    assertEquals(Map.of("green", 20), mirror("{\"green\": 20, \"red\": 0}", Map.of("blue", 100)),
        "a zero next to the one mirror is not a second mirror");
  }

  // ------------------------------------------------------------ mirror: refused

  @Test
  void mirrorOver50IsRefusedNamingTheLimit() {
    refused("mirror_traffic", () -> mirror("{\"green\": 51}", Map.of("blue", 100)),
        "'green'", "51 %", "at most 50 %");
  }

  @Test
  void mirrorToADeploymentWithLiveTrafficIsRefused() {
    Map<String, Integer> live = traffic("{\"blue\": 90, \"green\": 10}");
    refused("mirror_traffic", () -> mirror("{\"green\": 10}", live),
        "'green'", "has live traffic (10 %)", "0 % live traffic");
  }

  @Test
  void twoMirrorsAreRefused() {
    refused("mirror_traffic", () -> mirror("{\"green\": 10, \"red\": 5}", Map.of("blue", 100)),
        "one deployment only", "green", "red");
  }

  @Test
  void mirrorWeightsFollowTheSameWeightRules() {
    refused("mirror_traffic", () -> mirror("{\"purple\": 10}", Map.of("blue", 100)),
        "mirror_traffic names deployment 'purple'", "does not have");
    refused("mirror_traffic", () -> mirror("{\"green\": -5}", Map.of("blue", 100)), "'green'", "whole number");
    refused("mirror_traffic", () -> mirror("{\"green\": 10.5}", Map.of("blue", 100)), "'green'", "whole number");
    refused("mirror_traffic", () -> mirror("{\"green\": 101}", Map.of("blue", 100)), "'green'", "0 to 100");
    refused("mirror_traffic", () -> TrafficSpec.mirror("green=10", DEPLOYMENTS, Map.of("blue", 100)),
        "mirror_traffic must be an object");
  }
}
