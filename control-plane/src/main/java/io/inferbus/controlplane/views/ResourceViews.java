package io.inferbus.controlplane.views;

import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.controlplane.placement.Provisioning;
import io.inferbus.controlplane.registry.ModelRegistry;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.net.NetworkAccess;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * How the management API shows endpoints and deployments: the stored spec, what callers need to
 * call it (scoring and OpenAPI URIs), the model's signature, and the deployment's provisioning as
 * the cluster's instance table says. Every view of either resource is built here.
 */
public final class ResourceViews {
  private final Store store;
  private final ModelRegistry models;
  private final LiveCluster live;
  private final Supplier<String> scoringBaseUrl;

  public ResourceViews(Store store, ModelRegistry models, LiveCluster live, Supplier<String> scoringBaseUrl) {
    this.store = store;
    this.models = models;
    this.live = live;
    this.scoringBaseUrl = scoringBaseUrl;
  }

  /** An endpoint as shown: every deployment in its traffic (0 % when it has none), its URIs (store thread). */
  public JsonObject endpoint(JsonObject doc) {
    String name = doc.getString("name");
    JsonObject traffic = new JsonObject();
    store.list(Table.DEPLOYMENTS, name).forEach(d -> traffic.put(d.getString("name"), 0));
    doc.getJsonObject("traffic").forEach(e -> traffic.put(e.getKey(), e.getValue()));
    String base = scoringBaseUrl.get();
    return new JsonObject()
        .put("name", name)
        .put("auth_mode", doc.getString("auth_mode"))
        .put("scoring_uri", base + "/endpoints/" + name + "/score")
        .put("openapi_uri", base + "/endpoints/" + name + "/swagger.json")
        .put("traffic", traffic)
        .put("mirror_traffic", doc.getJsonObject("mirror_traffic"))
        .put("provisioning_state", "Succeeded")
        .put("traffic_revision", doc.getLong("traffic_revision"))
        .put("created_at", doc.getString("created_at"))
        .put("updated_at", doc.getString("updated_at"))
        .put("tags", doc.getJsonObject("tags", new JsonObject()))
        .put("description", doc.getString("description", ""))
        .mergeIn(NetworkAccess.fromJson(doc).toJson());
  }

  /** The stored deployment with its model's signature (store thread); {@link #withProvisioning} adds the rest. */
  public JsonObject deployment(JsonObject doc) {
    JsonObject shown = doc.copy();
    ModelRef ref = ModelRef.fromJson(doc.getJsonObject("model"));
    models.find(ref.name(), ref.version()).ifPresent(m -> shown.put("model", ref.toJson()
        .put("inputs", m.inputs()).put("outputs", m.outputs())));
    return shown;
  }

  public ApiResult withProvisioning(ApiResult result) {
    return new ApiResult(result.status(), withProvisioning(result.body()));
  }

  /** Adds provisioning_state, instances and failure_reason from the live instance table (event loop). */
  public JsonObject withProvisioning(JsonObject shown) {
    String endpoint = shown.getString("endpoint_name");
    String name = shown.getString("name");
    long generation = shown.getLong("generation", 0L);
    Provisioning p = Provisioning.of(endpoint, name, generation, shown.getInteger("instance_count", 1),
        live.instances().values(), live.settledBefore(ClusterMaps.deploymentKey(endpoint, name), generation));
    JsonArray list = new JsonArray();
    for (InstanceState i : p.instances()) {
      list.add(new JsonObject().put("id", i.id()).put("node", i.node()).put("state", i.state())
          .put("since", Instant.ofEpochMilli(i.since()).toString()));
    }
    shown.put("provisioning_state", p.state()).put("instances", list);
    if (p.failureReason() != null) {
      shown.put("failure_reason", p.failureReason());
    }
    return shown;
  }
}
