package io.inferbus.controlplane;

import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.deployments.DeploymentService;
import io.inferbus.controlplane.endpoints.EndpointService;
import io.inferbus.controlplane.logs.DeploymentLogs;
import io.inferbus.controlplane.logs.LogGatherer;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.ClusterPublisher;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.controlplane.registry.ModelBlobs;
import io.inferbus.controlplane.registry.ModelRegistry;
import io.inferbus.controlplane.rollout.RolloutService;
import io.inferbus.controlplane.statistics.StatisticsGatherer;
import io.inferbus.controlplane.store.KeyVault;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.controlplane.views.ResourceViews;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * The control plane's services, one per resource, wired to one store thread, one audit log and one
 * cluster publisher: what the management API and the node's own start-up (the example) call.
 */
public record ControlPlaneServices(StoreThread storeThread, AuditLog audit, ModelRegistry models,
    EndpointService endpoints, DeploymentService deployments, DeploymentLogs logs, LiveCluster live,
    ClusterPublisher publisher, RolloutService rollouts) {

  /**
   * @param live the running cluster as the control plane watches it (instances, placement, nodes)
   * @param tokenKeys the JWKs that verify aml_token scoring tokens (the cluster's public signing key)
   */
  public static ControlPlaneServices create(Vertx vertx, StoreThread storeThread, AuditLog audit, KeyVault vault,
      ModelBlobs blobs, ClusterPublisher publisher, LiveCluster live, Supplier<String> scoringBaseUrl, List<JsonObject> tokenKeys) {
    ModelRegistry models = new ModelRegistry(vertx, storeThread, blobs, audit);
    ResourceViews views = new ResourceViews(storeThread.store(), models, live, scoringBaseUrl);
    EndpointService endpoints = new EndpointService(storeThread, vault, publisher, audit, views, tokenKeys);
    // canary rollouts judge from the gateways' statistics; they run once the verticle resumes them
    RolloutService rollouts = new RolloutService(vertx, storeThread, endpoints, audit,
        new StatisticsGatherer(vertx, live, RolloutService.GATHER_TIMEOUT_MS)::gather, Clock.systemUTC(),
        RolloutService.EVALUATION_PERIOD_MS);
    return new ControlPlaneServices(storeThread, audit, models, endpoints,
        new DeploymentService(storeThread, publisher, models, audit, views, live),
        new DeploymentLogs(storeThread, live, new LogGatherer(vertx, LogGatherer.DEFAULT_TIMEOUT_MS)),
        live, publisher, rollouts);
  }

  /** Republishes the whole store to the cluster tables (on start, so gateways and agents converge). */
  public Future<Void> republishAll() {
    return storeThread.read(() -> {
      List<EndpointState> endpoints = storeThread.store().list(Table.ENDPOINTS, null).stream()
          .map(endpoints()::state).toList();
      List<DeploymentState> deployments = storeThread.store().list(Table.DEPLOYMENTS, null).stream()
          .map(DeploymentService::state).toList();
      publisher.republishAll(endpoints, deployments);
      return null;
    });
  }

  /** True when the store holds no endpoint and no model (a first start). */
  public Future<Boolean> isEmpty() {
    return storeThread.read(() -> storeThread.store().list(Table.ENDPOINTS, null).isEmpty() && models.isEmpty());
  }

  /** {@code GET /nodes}: the cluster's members with their roles, capacity, assignments and instances. */
  public Future<ApiResult> nodes() {
    return Future.succeededFuture(ApiResult.ok(live.nodes()));
  }
}
