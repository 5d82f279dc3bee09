package io.inferbus.controlplane.logs;

import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.operations.Validated;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.state.NodeState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code GET /endpoints/{e}/deployments/{d}/logs?lines=N}: the deployment's instances' recent log
 * lines, gathered from every deployment node and every node that runs one of its instances (see
 * {@link LogGatherer}), the last {@code lines}.
 */
public final class DeploymentLogs {
  private final StoreThread storeThread;
  private final LiveCluster live;
  private final LogGatherer gatherer;

  public DeploymentLogs(StoreThread storeThread, LiveCluster live, LogGatherer gatherer) {
    this.storeThread = storeThread;
    this.live = live;
    this.gatherer = gatherer;
  }

  public Future<ApiResult> tail(String endpoint, String name, String linesParam) {
    return Validated.of(() -> LogGatherer.lines(linesParam))
        .compose(lines -> storeThread.read(() -> Resources.deployment(storeThread.store(), endpoint, name))
            .compose(doc -> {
              Set<String> nodes = new TreeSet<>(live.nodeIds(NodeState.ROLE_DEPLOYMENT));
              live.instances().values().forEach(i -> nodes.add(i.node()));
              JsonObject query = new JsonObject().put("endpoint", endpoint).put("deployment", name)
                  .put("lines", lines);
              return gatherer.gather(nodes, Addresses::nodeLogs, query, lines).map(ApiResult::ok);
            }));
  }
}
