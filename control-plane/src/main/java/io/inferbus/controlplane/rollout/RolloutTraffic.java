package io.inferbus.controlplane.rollout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live weights of a rollout's step: the canary's share, and the stable deployments (those with
 * live traffic when the rollout started) filling the rest in proportion to their weights then. Pure.
 */
public final class RolloutTraffic {
  private RolloutTraffic() {}

  /**
   * {@code canary} at {@code share} percent and the {@code stable} weights scaled to
   * {@code 100 - share}, whole numbers summing to exactly 100: each stable deployment gets the whole
   * part of its proportional share, and the points left over go to the largest remainders (ties to
   * the earlier deployment in {@code stable}'s order). {@code share} 0 is the stable split alone.
   *
   * @param stable weights summing to more than 0, none for the canary
   */
  public static Map<String, Integer> weights(Map<String, Integer> stable, String canary, int share) {
    int total = stable.values().stream().mapToInt(Integer::intValue).sum();
    if (total <= 0 || stable.containsKey(canary) || share < 0 || share > 100) {
      throw new IllegalArgumentException("stable " + stable + " for canary " + canary + " at " + share + " %");
    }
    int rest = 100 - share;
    Map<String, Integer> weights = new LinkedHashMap<>();
    weights.put(canary, share);
    List<String> names = new ArrayList<>(stable.keySet());
    long[] remainders = new long[names.size()];
    int given = 0;
    for (int i = 0; i < names.size(); i++) {
      long scaled = (long) stable.get(names.get(i)) * rest;
      weights.put(names.get(i), (int) (scaled / total));
      remainders[i] = scaled % total;
      given += (int) (scaled / total);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingLong((Integer i) -> -remainders[i]).thenComparingInt(i -> i));
    for (int k = 0; k < rest - given; k++) {
      String name = names.get(order.get(k));
      weights.put(name, weights.get(name) + 1);
    }
    return weights;
  }
}
