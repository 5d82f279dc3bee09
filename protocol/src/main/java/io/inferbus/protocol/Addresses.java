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

  /** Prefix of a gateway's traffic-log service: {@code inferbus.traffic-log.<node id>}. */
  public static final String TRAFFIC_LOG_PREFIX = "inferbus.traffic-log.";

  /** Prefix of a gateway's recent statistics service: {@code inferbus.gateway-statistics.<node id>}. */
  public static final String GATEWAY_STATISTICS_PREFIX = "inferbus.gateway-statistics.";

  /**
   * The control plane's autoscaler: a gateway holding requests for a deployment scaled to zero asks
   * it to start an instance. Request: a {@link io.inferbus.protocol.autoscale.WakeRequest}; reply:
   * {@code {"instance_count": n}}.
   */
  public static final String AUTOSCALE_WAKE = "inferbus.control.autoscale-wake";

  /** Prefix of a gateway's demand service (the autoscaler's samples): {@code inferbus.gateway-demand.<node id>}. */
  public static final String GATEWAY_DEMAND_PREFIX = "inferbus.gateway-demand.";

  private Addresses() {}

  /**
   * A gateway node's demand on the autoscaled deployments: requests in flight, held, and time since
   * the last answer. Request: a {@link io.inferbus.protocol.autoscale.DemandQuery}; reply: a
   * {@link io.inferbus.protocol.autoscale.GatewayDemand}.
   */
  public static String gatewayDemand(String nodeId) {
    return GATEWAY_DEMAND_PREFIX + nodeId;
  }

  /**
   * A gateway node's traffic log (one JSON object per scored request, see docs/operations.md).
   * Request: {@code {"endpoint", "lines", "request_id"?, "since_ms"?, "status"?}} where {@code status}
   * is a code ({@code "503"}) or a class ({@code "5xx"}); reply: {@code {"node", "lines": [<traffic log
   * line>, ...]}}, the last {@code lines} matching lines of that endpoint, oldest first; with
   * {@code "logging": "off"} and no lines when the node writes no traffic log.
   */
  public static String trafficLog(String nodeId) {
    return TRAFFIC_LOG_PREFIX + nodeId;
  }

  /**
   * A gateway node's recent statistics: per endpoint and deployment, live and mirrored answers in
   * 10-second slots kept for an hour. Request: a {@link io.inferbus.protocol.stats.StatisticsQuery};
   * reply: a {@link io.inferbus.protocol.stats.GatewayStatistics} (failed with BAD_INPUT's code for a
   * query it cannot read).
   */
  public static String gatewayStatistics(String nodeId) {
    return GATEWAY_STATISTICS_PREFIX + nodeId;
  }

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
