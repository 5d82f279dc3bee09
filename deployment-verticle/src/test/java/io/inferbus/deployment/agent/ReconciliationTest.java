package io.inferbus.deployment.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.deployment.agent.Reconciliation.Plan;
import io.inferbus.deployment.agent.Reconciliation.Running;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node agent's reconciliation as plain logic: start what is missing, stop what is extra, replace
 * instances of an earlier spec, and nothing more when the same notification comes again. Odd inputs
 * tried: an assignment for a deployment whose spec is not known (yet, or any more), a negative
 * count, a spec without an assignment, failed and loading instances among ready ones, the same
 * inputs repeated after the plan was applied.
 */
class ReconciliationTest {
  private static final DeploymentState BLUE = spec("blue", 1);

  @Test
  void startsWhatIsAssignedAndNothingMoreWhenAskedAgain() {
    List<Running> running = new ArrayList<>();
    Plan plan = Reconciliation.plan(Map.of(BLUE.key(), BLUE), Map.of(BLUE.key(), 2), running);
    assertEquals(Map.of(BLUE.key(), 2), plan.start());
    assertTrue(plan.retire().isEmpty());

    apply(plan, running, Map.of(BLUE.key(), BLUE));
    assertTrue(Reconciliation.plan(Map.of(BLUE.key(), BLUE), Map.of(BLUE.key(), 2), running).isEmpty(),
        "a repeated notification starts no duplicate");
  }

  @Test
  void stopsWhatIsNoLongerAssignedFailedAndLoadingFirstThenTheNewest() {
    List<Running> running = List.of(run("r1", BLUE, "Ready"), run("f", BLUE, "Failed"), run("r2", BLUE, "Ready"),
        run("l", BLUE, "Loading"));
    assertEquals(List.of("f"), Reconciliation.plan(Map.of(BLUE.key(), BLUE), Map.of(BLUE.key(), 3), running).retire());
    assertEquals(List.of("f", "l"),
        Reconciliation.plan(Map.of(BLUE.key(), BLUE), Map.of(BLUE.key(), 2), running).retire());
    assertEquals(List.of("f", "l", "r2"),
        Reconciliation.plan(Map.of(BLUE.key(), BLUE), Map.of(BLUE.key(), 1), running).retire());
    assertEquals(4, Reconciliation.plan(Map.of(BLUE.key(), BLUE), Map.of(), running).retire().size(),
        "nothing assigned to this node any more");
  }

  @Test
  void replacesInstancesOfAnEarlierSpec() {
    DeploymentState blue2 = spec("blue", 2);
    List<Running> running = new ArrayList<>(List.of(run("old1", BLUE, "Ready"), run("old2", BLUE, "Ready")));
    Plan plan = Reconciliation.plan(Map.of(blue2.key(), blue2), Map.of(blue2.key(), 2), running);
    assertEquals(List.of("old1", "old2"), plan.retire());
    assertEquals(Map.of(blue2.key(), 2), plan.start());
    apply(plan, running, Map.of(blue2.key(), blue2));
    assertTrue(Reconciliation.plan(Map.of(blue2.key(), blue2), Map.of(blue2.key(), 2), running).isEmpty());
  }

  @Test
  void runsNothingWithoutBothASpecAndAnAssignment() {
    DeploymentState green = spec("green", 1);
    Plan plan = Reconciliation.plan(Map.of(green.key(), green), Map.of(BLUE.key(), 3, green.key(), -1), List.of());
    assertTrue(plan.isEmpty(), "blue has no spec (deleted, or not seen yet); green is assigned nothing: " + plan);
    List<Running> orphan = List.of(run("b", BLUE, "Ready"));
    assertEquals(List.of("b"), Reconciliation.plan(Map.of(), Map.of(BLUE.key(), 1), orphan).retire(),
        "a deleted deployment's instances stop even while its assignment lingers");
  }

  private static void apply(Plan plan, List<Running> running, Map<String, DeploymentState> specs) {
    running.removeIf(r -> plan.retire().contains(r.id()));
    plan.start().forEach((key, n) -> {
      for (int i = 0; i < n; i++) {
        running.add(new Running(key + "#" + running.size() + "-" + i, key, specs.get(key).generation(), "Loading"));
      }
    });
  }

  private static Running run(String id, DeploymentState spec, String state) {
    return new Running(id, spec.key(), spec.generation(), state);
  }

  private static DeploymentState spec(String name, long generation) {
    return new DeploymentState("credit", name, new ModelRef("m", "1", "abc"), 1, RequestSettings.DEFAULTS, null,
        generation);
  }
}
