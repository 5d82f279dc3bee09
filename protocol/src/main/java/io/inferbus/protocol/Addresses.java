package io.inferbus.protocol;

/** Event-bus addresses. Every module spells an address through this class, never as a literal. */
public final class Addresses {
  /** Prefix of a model instance's own scoring address: {@code inferbus.instance.<instance id>}. */
  public static final String INSTANCE_PREFIX = "inferbus.instance.";
  /**
   * The control plane's model store: request body is a sha256 (hex), reply is the model's bytes.
   * Deployment nodes use it to fetch a model they do not have; they verify the hash.
   */
  public static final String MODEL_FETCH = "inferbus.control.model-fetch";

  /** Prefix of a deployment node's log service: {@code inferbus.node-logs.<node id>}. */
  public static final String NODE_LOGS_PREFIX = "inferbus.node-logs.";

  private Addresses() {}

  /**
   * A deployment node's recent instance log lines. Request: {@code {"endpoint", "deployment",
   * "lines"}}; reply: {@code {"node", "lines": [{"time", "instance", "level", "message"}, ...]}}.
   */
  public static String nodeLogs(String nodeId) {
    return NODE_LOGS_PREFIX + nodeId;
  }

  public static String instance(String instanceId) {
    return INSTANCE_PREFIX + instanceId;
  }
}
