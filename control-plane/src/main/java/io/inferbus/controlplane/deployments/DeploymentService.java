package io.inferbus.controlplane.deployments;

import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Change;
import io.inferbus.controlplane.operations.ClusterPublisher;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.operations.Validated;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.controlplane.registry.ModelRegistry;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.controlplane.views.ResourceViews;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.spec.DeploymentSpec;
import io.inferbus.protocol.spec.TrafficSpec;
import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * An endpoint's deployments: which registered model, how many instances, request settings and
 * batching. Each change is validated, written with its audit record in one store transaction, then
 * published to the cluster's deployment table (placement and the nodes take it from there); the
 * answer shows provisioning as the cluster's instance table says.
 */
public final class DeploymentService {
  private final StoreThread storeThread;
  private final ClusterPublisher publisher;
  private final ModelRegistry models;
  private final AuditLog audit;
  private final ResourceViews views;
  private final LiveCluster live;

  public DeploymentService(StoreThread storeThread, ClusterPublisher publisher, ModelRegistry models, AuditLog audit,
      ResourceViews views, LiveCluster live) {
    this.storeThread = storeThread;
    this.publisher = publisher;
    this.models = models;
    this.audit = audit;
    this.views = views;
    this.live = live;
  }

  /** {@code PUT /endpoints/{e}/deployments/{d}}: creates (201) or replaces (200) the deployment's spec. */
  public Future<ApiResult> put(String endpoint, String name, JsonObject body, Actor actor) {
    // the names first, then whether the endpoint exists (404), then the body: the order callers have always seen
    return Validated.of(() -> DeploymentSpec.checkNames(endpoint, name, body)).compose(checked -> {
      long liveGeneration = liveGeneration(endpoint, name);
      return storeThread.write(() -> {
        Store store = storeThread.store();
        Resources.endpoint(store, endpoint);
        DeploymentSpec spec = DeploymentSpec.parse(endpoint, name, body);
        ModelRef model = models.resolve(spec.model());
        JsonObject before = store.get(Table.DEPLOYMENTS, endpoint, name).orElse(null);
        JsonObject doc = before == null
            ? Resources.created(new JsonObject().put("name", name).put("endpoint_name", endpoint), actor)
                .put("generation", liveGeneration)
            : before.copy();
        spec.writeTo(doc, model);
        if (before != null && Resources.sameSpec(before, doc)) {
          return Change.unchanged(ApiResult.ok(Resources.withIgnored(views.deployment(before), spec.ignoredFields())));
        }
        bumpGenerationIfInstancesChange(before, doc);
        Resources.touched(doc, actor);
        store.put(Table.DEPLOYMENTS, doc, endpoint, name);
        audit.record(actor, before == null ? "deployment.create" : "deployment.update", target(endpoint, name),
            before, doc);
        JsonObject shown = Resources.withIgnored(views.deployment(doc), spec.ignoredFields());
        return new Change(before == null ? ApiResult.created(shown) : ApiResult.ok(shown), doc);
      });
    }).compose(this::publish).map(views::withProvisioning);
  }

  /** {@code PATCH .../deployments/{d}}: scale (instance_count), request settings, autoscaling (scale_settings). */
  public Future<ApiResult> patch(String endpoint, String name, JsonObject body, Actor actor) {
    return Validated.of(() -> {
      DeploymentSpec.checkPatch(body);
      return body;
    }).compose(checked -> storeThread.write(() -> {
      JsonObject before = Resources.deployment(storeThread.store(), endpoint, name);
      JsonObject doc = before.copy();
      DeploymentSpec.patch(doc, body);
      if (Resources.sameSpec(before, doc)) {
        return Change.unchanged(ApiResult.ok(views.deployment(before)));
      }
      bumpGenerationIfInstancesChange(before, doc);
      Resources.touched(doc, actor);
      storeThread.store().put(Table.DEPLOYMENTS, doc, endpoint, name);
      audit.record(actor, "deployment.update", target(endpoint, name), before, doc);
      return new Change(ApiResult.ok(views.deployment(doc)), doc);
    })).compose(this::publish).map(views::withProvisioning);
  }

  public Future<ApiResult> get(String endpoint, String name) {
    return storeThread.read(() -> ApiResult.ok(views.deployment(Resources.deployment(storeThread.store(), endpoint,
        name)))).map(views::withProvisioning);
  }

  public Future<ApiResult> list(String endpoint) {
    return storeThread.read(() -> {
      Resources.endpoint(storeThread.store(), endpoint);
      return storeThread.store().list(Table.DEPLOYMENTS, endpoint).stream().map(views::deployment).toList();
    }).map(docs -> {
      JsonArray value = new JsonArray();
      docs.forEach(d -> value.add(views.withProvisioning(d)));
      return ApiResult.ok(new JsonObject().put("value", value));
    });
  }

  /** {@code DELETE .../deployments/{d}}: refused while the deployment has live or mirrored traffic. */
  public Future<ApiResult> delete(String endpoint, String name, Actor actor) {
    return storeThread.write(() -> {
      Store store = storeThread.store();
      JsonObject ep = Resources.endpoint(store, endpoint);
      JsonObject before = Resources.deployment(store, endpoint, name);
      TrafficSpec traffic = TrafficSpec.of(ep);
      int live = traffic.traffic().getOrDefault(name, 0);
      int mirrored = traffic.mirror().getOrDefault(name, 0);
      if (live > 0 || mirrored > 0) {
        throw new InferbusException(FailureKind.CONFLICT, "deployment '" + name + "' has "
            + (live > 0 ? live + " % live traffic" : mirrored + " % mirror traffic")
            + "; set its traffic to 0 before deleting it", name);
      }
      JsonObject epAfter = ep.copy();
      epAfter.getJsonObject(TrafficSpec.TRAFFIC).remove(name);
      epAfter.getJsonObject(TrafficSpec.MIRROR_TRAFFIC).remove(name);
      store.put(Table.ENDPOINTS, epAfter, endpoint);
      store.delete(Table.DEPLOYMENTS, endpoint, name);
      audit.record(actor, "deployment.delete", target(endpoint, name), before, null);
      return null;
    }).compose(v -> publisher.removeDeployment(endpoint, name))
        .map(v -> ApiResult.ok(new JsonObject().put("name", name).put("deleted", true)));
  }

  // ------------------------------------------------------------ autoscaling

  /**
   * The autoscaler's change of {@code instance_count} from {@code from} to {@code to}, with an audit
   * record ({@code action}, by {@code actor}) carrying the figures that caused it under
   * {@code "autoscale"}. Only the count changes: the generation stays, so running instances keep
   * serving and placement starts or stops the difference. Nothing is written (false) when the
   * deployment is gone, no longer autoscaled, or its count is no longer {@code from} (an operator or
   * an earlier decision changed it since the sample): the next sample decides again.
   */
  public Future<Boolean> autoscale(String endpoint, String name, int from, int to, Actor actor, String action,
      JsonObject figures) {
    return storeThread.write(() -> {
      JsonObject before = storeThread.store().get(Table.DEPLOYMENTS, endpoint, name).orElse(null);
      if (before == null || ScaleSettings.fromJson(before.getJsonObject(ScaleSettings.FIELD)) == null
          || before.getInteger(DeploymentSpec.INSTANCE_COUNT, -1) != from) {
        return null;
      }
      JsonObject doc = before.copy().put(DeploymentSpec.INSTANCE_COUNT, to);
      Resources.touched(doc, actor);
      storeThread.store().put(Table.DEPLOYMENTS, doc, endpoint, name);
      audit.record(actor, action, target(endpoint, name), before, doc, new JsonObject().put("autoscale", figures));
      return doc;
    }).compose(doc -> doc == null ? Future.succeededFuture(false)
        : publisher.publish(state(doc)).map(true));
  }

  /** What placement and the nodes are told of a deployment. */
  public static DeploymentState state(JsonObject doc) {
    return new DeploymentState(doc.getString("endpoint_name"), doc.getString("name"),
        ModelRef.fromJson(doc.getJsonObject("model")), doc.getInteger(DeploymentSpec.INSTANCE_COUNT),
        RequestSettings.fromJson(doc.getJsonObject(DeploymentSpec.REQUEST_SETTINGS)),
        BatchingSettings.fromJson(doc.getJsonObject(DeploymentSpec.BATCHING)), doc.getLong("generation"),
        ScaleSettings.fromJson(doc.getJsonObject(ScaleSettings.FIELD)));
  }

  private static String target(String endpoint, String name) {
    return "endpoints/" + endpoint + "/deployments/" + name;
  }

  /**
   * The highest generation among the instances the cluster still lists under this deployment's name
   * (0 when none; read on the event loop). A deployment deleted and created again at once must not
   * take its predecessor's draining instances for its own: it starts above them.
   */
  private long liveGeneration(String endpoint, String name) {
    long highest = 0;
    for (InstanceState i : live.instances().values()) {
      if (endpoint.equals(i.endpoint()) && name.equals(i.deployment())) {
        highest = Math.max(highest, i.generation());
      }
    }
    return highest;
  }

  /**
   * A new deployment is generation 1 (or the one above what its deleted predecessor's instances
   * still run); a change of what its instances run (model, request settings, batching) is the next
   * generation, and nodes replace their instances with new ones. A change of {@code instance_count},
   * description or tags keeps the generation: running instances keep serving, and placement only
   * starts or stops the difference.
   */
  private static void bumpGenerationIfInstancesChange(JsonObject before, JsonObject doc) {
    boolean instancesChange = before == null;
    for (String field : DeploymentSpec.INSTANCE_FIELDS) {
      instancesChange |= !Objects.equals(before == null ? null : before.getValue(field), doc.getValue(field));
    }
    if (instancesChange) {
      doc.put("generation", doc.getLong("generation", 0L) + 1);
    }
  }

  private Future<ApiResult> publish(Change change) {
    return change.publish(doc -> publisher.publish(state(doc)));
  }

}
