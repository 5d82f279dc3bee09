package io.inferbus.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Choosing a deployment by traffic weights and mirror percentages: each draw falls in exactly one
 * deployment's band; over many requests the observed split follows the weights (tolerances many
 * standard deviations wide, so the test cannot flake); 0 % deployments and no traffic get nothing.
 */
class EndpointRouteTest {
  private static DeploymentRoute route(String name) {
    return new DeploymentRoute(new DeploymentState("credit", name, new ModelRef("m", "1", "0".repeat(64)), 1,
        RequestSettings.DEFAULTS, null, 1), List.of(), new InstanceLoad());
  }

  private static EndpointRoute endpoint(Map<String, Integer> traffic, Map<String, Integer> mirror) {
    Map<String, DeploymentRoute> routes = new HashMap<>();
    traffic.keySet().forEach(d -> routes.put(d, route(d)));
    mirror.keySet().forEach(d -> routes.put(d, route(d)));
    return new EndpointRoute(new EndpointState("credit", EndpointState.AUTH_KEY, traffic, mirror, 1, List.of()), routes);
  }

  private static Map<String, Integer> weights(Object... pairs) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], (Integer) pairs[i + 1]);
    }
    return m;
  }

  @Test
  void everyDrawFallsInExactlyOneBandOfItsWeight() {
    EndpointRoute e = endpoint(weights("blue", 70, "green", 20, "red", 0, "gold", 10), Map.of());
    Map<String, Integer> bands = new HashMap<>();
    for (int draw = 0; draw < 100; draw++) {
      bands.merge(e.chooseByWeight(draw).name(), 1, Integer::sum);
    }
    assertEquals(Map.of("blue", 70, "green", 20, "gold", 10), bands, "a 0 % deployment never gets a band");
  }

  @Test
  void theObservedSplitFollowsTheWeights() {
    EndpointRoute e = endpoint(weights("blue", 90, "green", 10), Map.of());
    int n = 20_000;
    int green = 0;
    for (int i = 0; i < n; i++) {
      if (e.chooseByWeight().name().equals("green")) {
        green++;
      }
    }
    // binomial(20000, 0.1): mean 2000, sd ~42; +-300 is 7 sd
    assertTrue(green > 1700 && green < 2300, "green got " + green + " of " + n + " at 10 %");
  }

  @Test
  void noTrafficChoosesNothing() {
    assertNull(endpoint(weights("blue", 0), Map.of()).chooseByWeight());
    assertNull(endpoint(Map.of(), Map.of()).chooseByWeight());
  }

  @Test
  void theDeploymentsWithTrafficAreListedLargestWeightFirst() {
    EndpointRoute e = endpoint(weights("gold", 10, "red", 0, "green", 45, "blue", 45), weights("shadow", 20));
    assertEquals(List.of("blue", "green", "gold"), e.withTraffic().stream().map(DeploymentRoute::name).toList(),
        "0 % and mirror-only deployments serve no live traffic; equal weights by name");
    assertEquals(List.of(), endpoint(weights("blue", 0), Map.of()).withTraffic());
  }

  @Test
  void theMirrorShareFollowsItsPercentage() {
    EndpointRoute e = endpoint(weights("blue", 100), weights("shadow", 20));
    int n = 20_000;
    int mirrored = 0;
    for (int i = 0; i < n; i++) {
      DeploymentRoute m = e.chooseMirror();
      if (m != null) {
        assertEquals("shadow", m.name());
        mirrored++;
      }
    }
    // binomial(20000, 0.2): mean 4000, sd ~57; +-400 is 7 sd
    assertTrue(mirrored > 3600 && mirrored < 4400, "mirrored " + mirrored + " of " + n + " at 20 %");
    assertNull(endpoint(weights("blue", 100), weights("shadow", 0)).chooseMirror(), "0 % mirrors nothing");
  }
}
