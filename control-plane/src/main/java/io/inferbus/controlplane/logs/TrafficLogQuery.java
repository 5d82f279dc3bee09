package io.inferbus.controlplane.logs;

import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.state.NodeState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /endpoints/{e}/traffic-log}: every gateway keeps the traffic log lines of the requests
 * it served; this asks each live node with the gateway role for the endpoint's lines that match the
 * filter and merges them, newest last. A gateway that does not answer in time is named in
 * {@code unreachable_nodes}; its lines are missing, the others' are there.
 */
public final class TrafficLogQuery {
  private final LiveCluster live;
  private final LogGatherer gatherer;

  public TrafficLogQuery(LiveCluster live, LogGatherer gatherer) {
    this.live = live;
    this.gatherer = gatherer;
  }

  /**
   * The endpoint's lines (the caller has checked that the endpoint exists). Read {@code live} on the
   * control plane's event loop.
   *
   * @return {@code {"value": [line, ...], "unreachable_nodes": [node, ...]}}
   */
  public Future<JsonObject> query(String endpoint, TrafficLogFilter filter) {
    return gatherer.gather(live.nodeIds(NodeState.ROLE_GATEWAY), Addresses::trafficLog, filter.query(endpoint),
        filter.lines());
  }
}
