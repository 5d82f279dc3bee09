package io.inferbus.controlplane.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Decides how many instances of each deployment run on each node: a pure function of what is
 * wanted, which nodes can take instances, and what is assigned now.
 *
 * <p>Rules, in this order, per deployment (deployments in key order, so the result is
 * deterministic):
 * <ol>
 *   <li>Keep what is assigned to nodes that are still eligible; what was on other nodes is gone.
 *   <li>Too many: take one away from the node with the most instances of this deployment (ties: the
 *       node with the most instances overall, then the greatest node id), until the count is right.
 *   <li>Too few: add one to the node with the fewest instances of this deployment (ties: fewest
 *       instances overall, then the smallest node id), until the count is right.
 *   <li>Spread: while one node has two or more instances of this deployment more than another
 *       node, move one from the fuller to the emptier (chosen as in 2 and 3). This is the only
 *       reason a running instance moves: a node joining takes over instances only from deployments
 *       crowded onto fewer nodes than they could use (after an earlier node left, say), never to
 *       even out the total load.
 * </ol>
 * The result is spread across nodes first (the counts of one deployment differ by at most one
 * between any two eligible nodes), then balanced by total instances as far as tie-breaks allow.
 */
public final class Placement {
  private Placement() {}

  /**
   * @param wanted deployment key → instance count it asks for (negative counts are treated as 0)
   * @param nodes the ids of nodes that may run instances (live members with the deployment role)
   * @param current deployment key → (node id → instances) as assigned now; may name nodes that are
   *     gone and deployments that are deleted
   * @return deployment key → (node id → instances), for every wanted deployment, only positive
   *     counts; a deployment gets an empty map when no node is eligible
   */
  public static Map<String, Map<String, Integer>> plan(Map<String, Integer> wanted, Set<String> nodes,
      Map<String, Map<String, Integer>> current) {
    Set<String> eligible = new TreeSet<>(nodes);
    Map<String, Integer> load = new HashMap<>();
    eligible.forEach(n -> load.put(n, 0));
    Map<String, Map<String, Integer>> kept = new TreeMap<>();
    for (String key : new TreeSet<>(wanted.keySet())) {
      Map<String, Integer> counts = new TreeMap<>();
      eligible.forEach(n -> counts.put(n, 0));
      current.getOrDefault(key, Map.of()).forEach((node, n) -> {
        if (eligible.contains(node) && n != null && n > 0) {
          counts.put(node, n);
          load.merge(node, n, Integer::sum);
        }
      });
      kept.put(key, counts);
    }
    if (eligible.isEmpty()) {
      Map<String, Map<String, Integer>> none = new TreeMap<>();
      wanted.keySet().forEach(k -> none.put(k, Map.of()));
      return none;
    }
    Map<String, Map<String, Integer>> result = new TreeMap<>();
    for (Map.Entry<String, Map<String, Integer>> e : kept.entrySet()) {
      Map<String, Integer> counts = e.getValue();
      int want = Math.max(0, Objects.requireNonNullElse(wanted.get(e.getKey()), 0));
      int total = counts.values().stream().mapToInt(Integer::intValue).sum();
      for (; total > want; total--) {
        String from = fullest(counts, load);
        counts.merge(from, -1, Integer::sum);
        load.merge(from, -1, Integer::sum);
      }
      for (; total < want; total++) {
        String to = emptiest(counts, load);
        counts.merge(to, 1, Integer::sum);
        load.merge(to, 1, Integer::sum);
      }
      while (true) {
        String from = fullest(counts, load);
        String to = emptiest(counts, load);
        if (counts.get(from) - counts.get(to) <= 1) {
          break;
        }
        counts.merge(from, -1, Integer::sum);
        load.merge(from, -1, Integer::sum);
        counts.merge(to, 1, Integer::sum);
        load.merge(to, 1, Integer::sum);
      }
      Map<String, Integer> positive = new TreeMap<>();
      counts.forEach((node, n) -> {
        if (n > 0) {
          positive.put(node, n);
        }
      });
      result.put(e.getKey(), positive);
    }
    return result;
  }

  /** The node to take an instance from: most of this deployment, then most overall, then greatest id. */
  private static String fullest(Map<String, Integer> counts, Map<String, Integer> load) {
    return order(counts, load).get(counts.size() - 1);
  }

  /** The node to add an instance to: fewest of this deployment, then fewest overall, then smallest id. */
  private static String emptiest(Map<String, Integer> counts, Map<String, Integer> load) {
    return order(counts, load).get(0);
  }

  private static List<String> order(Map<String, Integer> counts, Map<String, Integer> load) {
    List<String> nodes = new ArrayList<>(counts.keySet());
    nodes.sort(Comparator.<String>comparingInt(counts::get).thenComparingInt(load::get)
        .thenComparing(Comparator.naturalOrder()));
    return nodes;
  }
}
