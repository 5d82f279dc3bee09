package io.inferbus.controlplane.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A step's weights: the canary's share, the stable deployments in proportion filling the rest, summing to 100. */
class RolloutTrafficTest {
  private static Map<String, Integer> ordered(Object... pairs) {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], (Integer) pairs[i + 1]);
    }
    return m;
  }

  @Test
  void oneStableDeploymentTakesTheRest() {
    assertEquals(ordered("green", 10, "blue", 90), RolloutTraffic.weights(Map.of("blue", 100), "green", 10));
    assertEquals(ordered("green", 100, "blue", 0), RolloutTraffic.weights(Map.of("blue", 100), "green", 100));
    assertEquals(ordered("green", 0, "blue", 100), RolloutTraffic.weights(Map.of("blue", 100), "green", 0));
  }

  @Test
  void severalStableDeploymentsKeepTheirProportions() {
    assertEquals(ordered("green", 10, "blue", 63, "red", 27),
        RolloutTraffic.weights(ordered("blue", 70, "red", 30), "green", 10));
    assertEquals(ordered("green", 0, "blue", 70, "red", 30),
        RolloutTraffic.weights(ordered("blue", 70, "red", 30), "green", 0));
  }

  @Test
  void leftoverPointsGoToTheLargestRemaindersSoTheSumIs100() {
    // 1/3 each of 75: 25 each, nothing left over; of 50: 16.5, 16.5 and 17, one point left for the earlier tie
    assertEquals(ordered("green", 25, "a", 25, "b", 25, "c", 25),
        RolloutTraffic.weights(ordered("a", 34, "b", 33, "c", 33), "green", 25));
    Map<String, Integer> half = RolloutTraffic.weights(ordered("a", 33, "b", 33, "c", 34), "green", 50);
    assertEquals(ordered("green", 50, "a", 17, "b", 16, "c", 17), half, "a and b tie at 16.5: the earlier gets it");
    for (int share : List.of(1, 7, 33, 99)) {
      assertEquals(100, RolloutTraffic.weights(ordered("a", 33, "b", 33, "c", 34), "green", share).values().stream()
          .mapToInt(Integer::intValue).sum(), "share " + share);
    }
  }

  @Test
  void aStableSplitThatStartedBesideTheCanaryIsScaledTo100WhenItGoesBack() {
    // the canary had 20 % when the rollout started: blue's 80 is the whole stable side
    assertEquals(ordered("green", 0, "blue", 100), RolloutTraffic.weights(Map.of("blue", 80), "green", 0));
  }

  @Test
  void noStableSideIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> RolloutTraffic.weights(Map.of(), "green", 10));
    assertThrows(IllegalArgumentException.class, () -> RolloutTraffic.weights(Map.of("green", 100), "green", 10));
  }
}
