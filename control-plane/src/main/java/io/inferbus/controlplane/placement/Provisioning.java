package io.inferbus.controlplane.placement;

import io.inferbus.protocol.state.InstanceState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A deployment's provisioning state as the cluster shows it, in Azure's words: derived from the
 * instances its nodes publish, never stored.
 *
 * <ul>
 *   <li>{@code Failed}: an instance of the current spec failed to load ({@code failure_reason} says why);
 *   <li>{@code Succeeded}: exactly {@code instance_count} instances of the current spec, all ready, and
 *       none of an earlier spec;
 *   <li>{@code Updating}: instances of an earlier spec still run, or a changed spec has not yet run in full;
 *   <li>{@code Creating}: a new deployment whose instances have not all been ready yet;
 *   <li>{@code Scaling}: instance counts converging on a spec that once ran in full: after a change of
 *       {@code instance_count}, or while instances of a node that left are placed again.
 * </ul>
 *
 * @param instances the instances of the current spec, oldest first
 */
public record Provisioning(String state, String failureReason, List<InstanceState> instances) {
  public static final String CREATING = "Creating";
  public static final String UPDATING = "Updating";
  public static final String SCALING = "Scaling";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  /**
   * @param all instances of any deployment (filtered here)
   * @param generation the deployment's current spec generation (1 for a new deployment)
   * @param settledBefore whether this generation once had all its instances ready
   */
  public static Provisioning of(String endpoint, String deployment, long generation, int wanted,
      Collection<InstanceState> all, boolean settledBefore) {
    List<InstanceState> current = new ArrayList<>();
    boolean olderGenerations = false;
    int ready = 0;
    String failure = null;
    for (InstanceState i : all) {
      if (!Objects.equals(i.endpoint(), endpoint) || !Objects.equals(i.deployment(), deployment)) {
        continue;
      }
      if (i.generation() != generation) {
        olderGenerations = true;
        continue;
      }
      current.add(i);
      if (i.ready()) {
        ready++;
      } else if (InstanceState.FAILED.equals(i.state())) {
        failure = i.failureReason();
      }
    }
    current.sort(Comparator.comparingLong(InstanceState::since).thenComparing(InstanceState::id));
    String state;
    if (failure != null) {
      state = FAILED;
    } else if (ready == wanted && current.size() == wanted && !olderGenerations) {
      state = SUCCEEDED;
    } else if (olderGenerations) {
      state = UPDATING;
    } else if (settledBefore) {
      state = SCALING;
    } else {
      state = generation <= 1 ? CREATING : UPDATING;
    }
    return new Provisioning(state, failure, List.copyOf(current));
  }

  public boolean succeeded() {
    return SUCCEEDED.equals(state);
  }
}
