package io.inferbus.deployment.agent;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.Context;
import io.vertx.core.Future;

/** Publishes this node's instances in the cluster's instance table, without blocking the caller. */
public final class InstanceDirectory {
  private final IMap<String, String> instances;
  private final Context context;

  /** @param context where completions are delivered (the agent's event loop) */
  public InstanceDirectory(HazelcastInstance hazelcast, Context context) {
    this.instances = hazelcast.getMap(ClusterMaps.INSTANCES);
    this.context = context;
  }

  public Future<Void> publish(InstanceState state) {
    return Future.fromCompletionStage(instances.setAsync(state.id(), state.toJson().encode()), context);
  }

  public Future<Void> remove(String instanceId) {
    return Future.fromCompletionStage(instances.removeAsync(instanceId), context).mapEmpty();
  }
}
