package io.inferbus.deployment.agent;

import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node agent must do so that the instances it runs match what is assigned to its node: a pure
 * function of the deployments' specs, this node's assignment and the running instances. Applying a
 * plan and planning again yields nothing to do, so a repeated or reordered notification never starts
 * a duplicate.
 */
final class Reconciliation {
  private Reconciliation() {}

  /** An instance this node runs, as planning needs it. {@code state}: {@link InstanceState}'s states. */
  record Running(String id, String deploymentKey, long generation, String state) {}

  /**
   * @param start deployment key → instances of its current spec to start
   * @param retire ids of instances to take out of service and stop
   */
  record Plan(Map<String, Integer> start, List<String> retire) {
    boolean isEmpty() {
      return start.isEmpty() && retire.isEmpty();
    }
  }

  /**
   * @param specs deployment key → its current spec (the cluster's deployment table)
   * @param assigned deployment key → instances assigned to this node (absent: none)
   * @param running this node's instances, in the order they were started
   */
  static Plan plan(Map<String, DeploymentState> specs, Map<String, Integer> assigned, List<Running> running) {
    List<String> retire = new ArrayList<>();
    Map<String, List<Running>> current = new LinkedHashMap<>();
    for (Running r : running) {
      DeploymentState spec = specs.get(r.deploymentKey());
      if (spec == null || spec.generation() != r.generation()) {
        retire.add(r.id()); // deleted, or an earlier spec
      } else {
        current.computeIfAbsent(r.deploymentKey(), k -> new ArrayList<>()).add(r);
      }
    }
    Map<String, Integer> start = new TreeMap<>();
    for (String key : specs.keySet()) {
      int want = Math.max(0, assigned.getOrDefault(key, 0));
      List<Running> list = current.getOrDefault(key, List.of());
      if (list.size() < want) {
        start.put(key, want - list.size());
      } else if (list.size() > want) {
        // Give up first what serves nobody (failed, then loading), then the newest ready ones.
        List<Running> byValue = new ArrayList<>(list);
        java.util.Collections.reverse(byValue);
        byValue.sort(Comparator.comparingInt(Reconciliation::keepPriority));
        byValue.subList(0, list.size() - want).forEach(r -> retire.add(r.id()));
      }
    }
    return new Plan(start, retire);
  }

  /** Lower: retired first. */
  private static int keepPriority(Running r) {
    if (InstanceState.FAILED.equals(r.state())) {
      return 0;
    }
    return InstanceState.READY.equals(r.state()) ? 2 : 1;
  }
}
