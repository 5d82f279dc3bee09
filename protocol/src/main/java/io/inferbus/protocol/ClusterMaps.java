package io.inferbus.protocol;

/**
 * Names of the Hazelcast maps the roles share. Values are JSON strings (see the records in
 * {@link io.inferbus.protocol.state}), so no Java class has to be on every member's class path and a
 * member of another version can still read them.
 */
public final class ClusterMaps {
  /** endpoint name → {@link io.inferbus.protocol.state.EndpointState} JSON; written by the control plane. */
  public static final String ENDPOINTS = "inferbus.endpoints";
  /** "endpoint/deployment" → {@link io.inferbus.protocol.state.DeploymentState} JSON; written by the control plane. */
  public static final String DEPLOYMENTS = "inferbus.deployments";
  /** instance id → {@link io.inferbus.protocol.state.InstanceState} JSON; written by node agents. */
  public static final String INSTANCES = "inferbus.instances";

  private ClusterMaps() {}

  public static String deploymentKey(String endpoint, String deployment) {
    return endpoint + "/" + deployment;
  }
}
