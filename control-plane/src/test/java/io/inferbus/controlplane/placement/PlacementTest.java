package io.inferbus.controlplane.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Placement as a pure function: spread first, scale up and down without moving running instances,
 * a node leaving, a node joining, determinism. Bad or odd inputs tried: negative and zero counts, no
 * eligible node, an assignment naming nodes that are gone and deployments that are deleted, counts
 * of 0 and negative in the current assignment, more instances than nodes, and a random walk of 2000
 * changes checked against the invariants.
 */
class PlacementTest {
  private static final Set<String> THREE = Set.of("a", "b", "c");

  @Test
  void instancesOfADeploymentAreSpreadAcrossNodesFirst() {
    assertEquals(Map.of("a", 1, "b", 1, "c", 1), plan(Map.of("e/d", 3), THREE, Map.of()).get("e/d"));
    Map<String, Integer> five = plan(Map.of("e/d", 5), THREE, Map.of()).get("e/d");
    assertEquals(Map.of("a", 2, "b", 2, "c", 1), five, "2/2/1, ties to the smallest node id");
  }

  @Test
  void scalingUpAddsToTheEmptiestNodesAndMovesNothing() {
    Map<String, Map<String, Integer>> current = Map.of("e/d", Map.of("a", 1, "b", 1, "c", 1));
    assertEquals(Map.of("a", 2, "b", 2, "c", 1), plan(Map.of("e/d", 5), THREE, current).get("e/d"));
  }

  @Test
  void scalingDownTakesFromTheFullestNodes() {
    Map<String, Map<String, Integer>> current = Map.of("e/d", Map.of("a", 2, "b", 2, "c", 1));
    Map<String, Integer> two = plan(Map.of("e/d", 2), THREE, current).get("e/d");
    assertEquals(2, two.size(), "two instances on two nodes: " + two);
    assertTrue(two.values().stream().allMatch(n -> n == 1), two.toString());
    assertEquals(Map.of("a", 1, "b", 1), two, "b (the greater id of the two fullest) gives up first, then a, then c");
  }

  @Test
  void aNodeThatLeavesHasItsInstancesPlacedOnTheOthers() {
    Map<String, Map<String, Integer>> current = Map.of("e/d", Map.of("a", 1, "c", 1));
    assertEquals(Map.of("a", 1, "b", 1), plan(Map.of("e/d", 2), Set.of("a", "b"), current).get("e/d"),
        "c's instance goes to b, the node without one; a keeps its own");
  }

  @Test
  void aNodeJoiningMovesNothingThatIsAlreadySpread() {
    Map<String, Map<String, Integer>> current = Map.of(
        "e/one", Map.of("a", 1, "b", 1),
        "e/two", Map.of("a", 1, "b", 1));
    assertEquals(current, plan(Map.of("e/one", 2, "e/two", 2), THREE, current),
        "c stays empty until a deployment needs it");
  }

  @Test
  void aNodeJoiningTakesOverFromADeploymentCrowdedOntoFewerNodes() {
    // after b left, a ran all three; b' joins
    Map<String, Map<String, Integer>> current = Map.of("e/d", Map.of("a", 3));
    assertEquals(Map.of("a", 2, "b2", 1), plan(Map.of("e/d", 3), Set.of("a", "b2"), current).get("e/d"));
  }

  @Test
  void ties_fallToTheNodeWithFewerInstancesOverall() {
    Map<String, Map<String, Integer>> current = Map.of("e/big", Map.of("a", 1, "b", 1));
    Map<String, Map<String, Integer>> next = plan(Map.of("e/big", 2, "e/small", 1), THREE, current);
    assertEquals(Map.of("c", 1), next.get("e/small"), "c runs nothing yet");
  }

  @Test
  void moreInstancesThanNodesStillDifferByAtMostOnePerNode() {
    Map<String, Integer> many = plan(Map.of("e/d", 64), THREE, Map.of()).get("e/d");
    assertEquals(Map.of("a", 22, "b", 21, "c", 21), many);
  }

  @Test
  void withoutAnEligibleNodeEveryDeploymentIsUnplaced() {
    Map<String, Map<String, Integer>> current = Map.of("e/d", Map.of("gone", 2));
    assertEquals(Map.of("e/d", Map.of()), plan(Map.of("e/d", 2), Set.of(), current));
  }

  @Test
  void deletedDeploymentsAndGoneNodesAreDropped() {
    Map<String, Map<String, Integer>> current = Map.of(
        "e/deleted", Map.of("a", 1),
        "e/d", Map.of("gone", 1, "a", 0, "b", -3));
    Map<String, Map<String, Integer>> next = plan(Map.of("e/d", 1), Set.of("a", "b"), current);
    assertEquals(Map.of("e/d", Map.of("a", 1)), next);
  }

  @Test
  void zeroAndNegativeCountsPlaceNothing() {
    Map<String, Map<String, Integer>> current = Map.of("e/d", Map.of("a", 1));
    assertEquals(Map.of("e/d", Map.of(), "e/n", Map.of()), plan(Map.of("e/d", 0, "e/n", -2), THREE, current));
  }

  @Test
  void theSameInputsGiveTheSameAnswerAndAPlacementIsStable() {
    Map<String, Integer> wanted = Map.of("e/x", 4, "e/y", 2, "f/z", 5);
    Map<String, Map<String, Integer>> first = plan(wanted, THREE, Map.of());
    assertEquals(first, plan(wanted, Set.of("c", "b", "a"), Map.of()));
    assertEquals(first, plan(wanted, THREE, first), "placing again changes nothing");
  }

  /** A random walk of scale changes, joins and leaves: every answer spread, complete and minimal. */
  @Test
  void randomChangesKeepTheInvariants() {
    Random random = new Random(42);
    Map<String, Integer> wanted = new HashMap<>();
    Set<String> nodes = new TreeSet<>(List.of("n0", "n1", "n2"));
    Map<String, Map<String, Integer>> current = Map.of();
    int nextNode = 3;
    for (int step = 0; step < 2000; step++) {
      int kind = random.nextInt(4);
      String changedDeployment = null;
      Set<String> before = new TreeSet<>(nodes);
      if (kind == 0) {
        changedDeployment = "e/d" + random.nextInt(5);
        wanted.put(changedDeployment, random.nextInt(9));
      } else if (kind == 1 && nodes.size() > 1) {
        nodes.remove(nodes.stream().skip(random.nextInt(nodes.size())).findFirst().orElseThrow());
      } else if (kind == 2 && nodes.size() < 6) {
        nodes.add("n" + nextNode++);
      }
      Map<String, Map<String, Integer>> next = plan(wanted, nodes, current);
      for (Map.Entry<String, Integer> w : wanted.entrySet()) {
        Map<String, Integer> counts = next.get(w.getKey());
        assertEquals(w.getValue(), counts.values().stream().mapToInt(Integer::intValue).sum(), "complete");
        assertTrue(nodes.containsAll(counts.keySet()), "only eligible nodes");
        int max = nodes.stream().mapToInt(n -> counts.getOrDefault(n, 0)).max().orElse(0);
        int min = nodes.stream().mapToInt(n -> counts.getOrDefault(n, 0)).min().orElse(0);
        assertTrue(max - min <= 1, "spread: " + counts + " on " + nodes);
        Map<String, Integer> was = current.getOrDefault(w.getKey(), Map.of());
        if (w.getKey().equals(changedDeployment) && before.equals(nodes) && wasSpread(was, nodes)) {
          // a scale change only adds or only removes
          boolean grows = w.getValue() >= was.values().stream().mapToInt(Integer::intValue).sum();
          for (String n : nodes) {
            int delta = counts.getOrDefault(n, 0) - was.getOrDefault(n, 0);
            assertTrue(grows ? delta >= 0 : delta <= 0, "scaling moved an instance: " + was + " -> " + counts);
          }
        } else if (!w.getKey().equals(changedDeployment) && wasSpread(was, nodes)
            && nodes.containsAll(was.keySet())) {
          assertEquals(was, counts, "nothing to do, nothing moves");
        }
      }
      current = next;
    }
  }

  private static boolean wasSpread(Map<String, Integer> counts, Set<String> nodes) {
    int max = nodes.stream().mapToInt(n -> counts.getOrDefault(n, 0)).max().orElse(0);
    int min = nodes.stream().mapToInt(n -> counts.getOrDefault(n, 0)).min().orElse(0);
    return max - min <= 1;
  }

  private static Map<String, Map<String, Integer>> plan(Map<String, Integer> wanted, Set<String> nodes,
      Map<String, Map<String, Integer>> current) {
    return Placement.plan(wanted, nodes, current);
  }
}
