package io.inferbus.deployment.agent;

import io.inferbus.protocol.cluster.SignedMap;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * Publishes this node's instances in the cluster's instance table, signed with the node's
 * credential, without blocking the caller.
 */
public final class InstanceDirectory {
  private final SignedMap instances;
  private final Context context;

  /** @param context where completions are delivered (the agent's event loop) */
  public InstanceDirectory(SignedMap instances, Context context) {
    this.instances = instances;
    this.context = context;
  }

  public Future<Void> publish(InstanceState state) {
    return instances.setAsync(state.id(), state.toJson(), context);
  }

  public Future<Void> remove(String instanceId) {
    return instances.removeAsync(instanceId, context);
  }
}
