package io.inferbus.protocol;

/**
 * Names of the Hazelcast maps the roles share. Values are signed records ({@link
 * io.inferbus.protocol.cluster.ClusterRecords}) around JSON (see the records in {@link
 * io.inferbus.protocol.state}), so no Java class has to be on every member's class path, a member
 * of another version can still read them, and a member without a credential cannot forge them.
 */
public final class ClusterMaps {
  /** endpoint name → {@link io.inferbus.protocol.state.EndpointState} JSON; written by the control plane. */
  public static final String ENDPOINTS = "inferbus.endpoints";
  /** "endpoint/deployment" → {@link io.inferbus.protocol.state.DeploymentState} JSON; written by the control plane. */
  public static final String DEPLOYMENTS = "inferbus.deployments";
  /**
   * instance id → {@link io.inferbus.protocol.state.InstanceState} JSON; written by node agents, and
   * cleared by the control plane of the instances of a node that left the cluster.
   */
  public static final String INSTANCES = "inferbus.instances";
  /**
   * node id → {@link io.inferbus.protocol.state.NodeState} JSON; each node writes its own entry on
   * joining, the control plane removes it once the member has left.
   */
  public static final String NODES = "inferbus.nodes";
  /**
   * "endpoint/deployment" → {@link io.inferbus.protocol.state.Assignment} JSON (instances per node);
   * written by the control plane only, read by node agents.
   */
  public static final String ASSIGNMENTS = "inferbus.assignments";
  /**
   * operator token id ({@code jti}) → {@code {"id", "name", "revoked_at", "expires_at"}} JSON of a
   * revoked management token; written by the control plane that revoked it (and republished from
   * its store at start), read by every control plane. An entry lives until the token expires.
   */
  public static final String REVOKED_TOKENS = "inferbus.revoked-tokens";

  /**
   * node name → {@code {"name", "removed_at", "removed_by"}} JSON of a node whose credential was
   * removed from the cluster ({@code inferbus cluster remove-node}); written by the control plane,
   * read by every node, whose readers refuse records that credential signs from then on.
   */
  public static final String REMOVED_NODES = "inferbus.removed-nodes";

  private ClusterMaps() {}

  /**
   * Whether only a control plane writes {@code map}: a record there must be signed by a credential
   * that allows the control-plane role (see {@link io.inferbus.protocol.cluster.ClusterRecords}).
   */
  public static boolean writtenByControlPlane(String map) {
    return map.equals(ENDPOINTS) || map.equals(DEPLOYMENTS) || map.equals(ASSIGNMENTS) || map.equals(REVOKED_TOKENS)
        || map.equals(REMOVED_NODES);
  }

  public static String deploymentKey(String endpoint, String deployment) {
    return endpoint + "/" + deployment;
  }
}
