package io.inferbus.controlplane.endpoints;

import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Change;
import io.inferbus.controlplane.operations.ClusterPublisher;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.operations.Validated;
import io.inferbus.controlplane.store.KeyVault;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.controlplane.views.ResourceViews;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.net.NetworkAccess;
import io.inferbus.protocol.spec.EndpointSpec;
import io.inferbus.protocol.spec.TrafficSpec;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Endpoints: their spec, their traffic (every change a new revision in {@link TrafficHistory},
 * rollback to any earlier one) and their keys. Each change is validated, written with its audit
 * record in one store transaction, then published to the cluster's endpoint table before it is
 * answered.
 */
public final class EndpointService {
  private final StoreThread storeThread;
  private final KeyVault vault;
  private final ClusterPublisher publisher;
  private final AuditLog audit;
  private final ResourceViews views;
  private final TrafficHistory history;
  /** The public keys of aml_token scoring tokens, published with every aml_token endpoint. */
  private final List<JsonObject> tokenKeys;
  private final List<TrafficObserver> observers = new CopyOnWriteArrayList<>();

  public EndpointService(StoreThread storeThread, KeyVault vault, ClusterPublisher publisher, AuditLog audit,
      ResourceViews views, List<JsonObject> tokenKeys) {
    this.storeThread = storeThread;
    this.vault = vault;
    this.publisher = publisher;
    this.audit = audit;
    this.views = views;
    this.history = new TrafficHistory(storeThread.store());
    this.tokenKeys = List.copyOf(tokenKeys);
  }

  /** Tells {@code observer} of every traffic revision an operator makes, and of deletions, from now on. */
  public void observe(TrafficObserver observer) {
    observers.add(observer);
  }

  /** {@code PUT /endpoints/{name}}: creates (201) or replaces the spec (200); traffic changes make a revision. */
  public Future<ApiResult> put(String name, JsonObject body, Actor actor) {
    return Validated.of(() -> EndpointSpec.parse(name, body)).compose(spec -> storeThread.write(() -> {
      Store store = storeThread.store();
      JsonObject before = store.get(Table.ENDPOINTS, name).orElse(null);
      JsonObject doc = before == null ? newDoc(name, actor) : before.copy();
      spec.writeTo(doc);
      TrafficSpec current = before == null ? TrafficSpec.NONE : TrafficSpec.of(before);
      TrafficSpec next = current.apply(body, Resources.deploymentNames(store, name));
      if (before == null || TrafficSpec.requested(body)) {
        next.writeTo(doc);
      }
      if (before != null && Resources.sameSpec(before, doc)) {
        return Change.unchanged(ApiResult.ok(Resources.withIgnored(views.endpoint(before), spec.ignoredFields())));
      }
      Resources.touched(doc, actor);
      if (before == null || !next.sameAs(current)) {
        recordRevision(name, doc, actor, null);
      }
      store.put(Table.ENDPOINTS, doc, name);
      audit.record(actor, before == null ? "endpoint.create" : "endpoint.update", "endpoints/" + name,
          AuditLog.withoutKeys(before), AuditLog.withoutKeys(doc));
      JsonObject shown = Resources.withIgnored(views.endpoint(doc), spec.ignoredFields());
      return new Change(before == null ? ApiResult.created(shown) : ApiResult.ok(shown), doc);
    })).compose(this::publish);
  }

  /** {@code PATCH /endpoints/{name}}: traffic, mirror traffic, description and tags. */
  public Future<ApiResult> patch(String name, JsonObject body, Actor actor) {
    return Validated.of(() -> {
      EndpointSpec.checkPatch(body);
      return body;
    }).compose(checked -> storeThread.write(() -> {
      Store store = storeThread.store();
      JsonObject before = Resources.endpoint(store, name);
      JsonObject doc = before.copy();
      EndpointSpec.patch(doc, body);
      TrafficSpec current = TrafficSpec.of(before);
      TrafficSpec next = current.apply(body, Resources.deploymentNames(store, name));
      boolean trafficChanged = !next.sameAs(current);
      if (TrafficSpec.requested(body)) {
        next.writeTo(doc);
      }
      if (Resources.sameSpec(before, doc)) {
        return Change.unchanged(ApiResult.ok(views.endpoint(before)));
      }
      Resources.touched(doc, actor);
      if (trafficChanged) {
        recordRevision(name, doc, actor, null);
      }
      store.put(Table.ENDPOINTS, doc, name);
      audit.record(actor, trafficChanged ? "endpoint.traffic" : "endpoint.update", "endpoints/" + name,
          AuditLog.withoutKeys(before), AuditLog.withoutKeys(doc));
      return new Change(ApiResult.ok(views.endpoint(doc)), doc);
    })).compose(this::publish);
  }

  public Future<ApiResult> get(String name) {
    return storeThread.read(() -> ApiResult.ok(views.endpoint(Resources.endpoint(storeThread.store(), name))));
  }

  public Future<ApiResult> list() {
    return storeThread.read(() -> ApiResult.ok(Resources.list(
        storeThread.store().list(Table.ENDPOINTS, null).stream().map(views::endpoint).toList())));
  }

  /** {@code DELETE /endpoints/{name}}: the endpoint, its deployments and its traffic history. */
  public Future<ApiResult> delete(String name, Actor actor) {
    return storeThread.write(() -> {
      Store store = storeThread.store();
      JsonObject before = Resources.endpoint(store, name);
      List<String> deployments = List.copyOf(Resources.deploymentNames(store, name));
      store.deleteAll(Table.DEPLOYMENTS, name);
      history.deleteAll(name);
      observers.forEach(o -> o.endpointDeleted(name));
      store.delete(Table.ENDPOINTS, name);
      audit.record(actor, "endpoint.delete", "endpoints/" + name, AuditLog.withoutKeys(before), null);
      return deployments;
    }).compose(deployments -> {
      List<Future<Void>> removals = new ArrayList<>();
      deployments.forEach(d -> removals.add(publisher.removeDeployment(name, d)));
      removals.add(publisher.removeEndpoint(name));
      return Future.all(removals);
    }).map(v -> ApiResult.ok(new JsonObject().put("name", name).put("deleted", true)));
  }

  /** Every traffic revision of the endpoint, oldest first. */
  public Future<ApiResult> trafficHistory(String name) {
    return storeThread.read(() -> {
      Resources.endpoint(storeThread.store(), name);
      return ApiResult.ok(Resources.list(history.entries(name)));
    });
  }

  /**
   * Re-applies an earlier traffic revision ({@code {"to_revision": n}}, or {@code {}} for the one
   * before the current) as a new revision, through the same validation, store transaction, audit
   * and cluster publication as a PATCH of the traffic. When the current weights already are that
   * revision's, nothing changes: retrying a rollback to a given revision is harmless.
   */
  public Future<ApiResult> rollbackTraffic(String name, JsonObject body, Actor actor) {
    return Validated.of(() -> TrafficHistory.toRevision(body)).compose(toRevision -> storeThread.write(() -> {
      Store store = storeThread.store();
      JsonObject before = Resources.endpoint(store, name);
      JsonObject target = history.rollbackTarget(name, before.getLong("traffic_revision", 0L), toRevision);
      var deployments = Resources.deploymentNames(store, name);
      JsonObject weights = TrafficHistory.weightsToReapply(name, target, deployments);
      TrafficSpec current = TrafficSpec.of(before);
      TrafficSpec next = current.apply(weights, deployments);
      if (next.sameAs(current)) {
        return Change.unchanged(ApiResult.ok(views.endpoint(before)));
      }
      long rolledBackTo = target.getLong("revision");
      JsonObject doc = next.writeTo(before.copy());
      Resources.touched(doc, actor);
      recordRevision(name, doc, actor, rolledBackTo);
      store.put(Table.ENDPOINTS, doc, name);
      audit.record(actor, "endpoint.traffic-rollback", "endpoints/" + name, AuditLog.withoutKeys(before),
          AuditLog.withoutKeys(doc), new JsonObject().put("rolled_back_to", rolledBackTo));
      return new Change(ApiResult.ok(views.endpoint(doc)), doc);
    })).compose(this::publish);
  }

  /**
   * A traffic change another service decided, made inside that service's own store transaction (on
   * the store thread): {@code body}'s {@code traffic} and {@code mirror_traffic} applied by the same
   * rules as a PATCH, as a new revision carrying {@code note}, with its audit record ({@code action}
   * on {@code target}, with {@code detail}'s fields added). Observers are not told: the caller is the
   * one deciding.
   * Returns the endpoint document to {@link #publish} once the transaction has committed, or null
   * when the traffic already is that (then nothing is written).
   */
  public JsonObject reviseTraffic(String name, JsonObject body, Actor actor, String action, String target,
      JsonObject detail, String note) {
    Store store = storeThread.store();
    JsonObject before = Resources.endpoint(store, name);
    TrafficSpec current = TrafficSpec.of(before);
    TrafficSpec next = current.apply(body, Resources.deploymentNames(store, name));
    if (next.sameAs(current)) {
      return null;
    }
    JsonObject doc = next.writeTo(before.copy());
    Resources.touched(doc, actor);
    recordRevision(name, doc, actor, null, note, false);
    store.put(Table.ENDPOINTS, doc, name);
    audit.record(actor, action, target, AuditLog.withoutKeys(before), AuditLog.withoutKeys(doc), detail);
    return doc;
  }

  /** Publishes an endpoint document {@link #reviseTraffic} wrote, once its transaction has committed. */
  public Future<Void> publish(JsonObject doc) {
    return publisher.publish(state(doc));
  }

  /** The endpoint's two keys (key mode). */
  public Future<ApiResult> keys(String name) {
    return storeThread.read(() -> ApiResult.ok(keysOf(Resources.endpoint(storeThread.store(), name))));
  }

  /** {@code POST .../keys/regenerate}: a new primary or secondary key; the other keeps working. */
  public Future<ApiResult> regenerateKey(String name, JsonObject body, Actor actor) {
    Object type = body.containsKey("key_type") ? body.getValue("key_type") : body.getValue("keyType", "primary");
    if (!"primary".equals(type) && !"secondary".equals(type)) {
      return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT,
          "key_type must be 'primary' or 'secondary', got '" + type + "'", "key_type"));
    }
    return storeThread.write(() -> {
      JsonObject doc = Resources.endpoint(storeThread.store(), name).copy();
      doc.getJsonObject("keys").put((String) type, vault.encrypt(KeyVault.newEndpointKey()));
      Resources.touched(doc, actor);
      storeThread.store().put(Table.ENDPOINTS, doc, name);
      audit.record(actor, "endpoint.regenerate-key", "endpoints/" + name + "/keys/" + type, null, null);
      return new Change(ApiResult.ok(keysOf(doc)), doc);
    }).compose(this::publish);
  }

  /** What gateways are told of an endpoint: its traffic and the hashes of its keys, never the keys. */
  public EndpointState state(JsonObject doc) {
    JsonObject keys = doc.getJsonObject("keys");
    List<String> hashes = new ArrayList<>();
    for (String type : List.of("primary", "secondary")) {
      hashes.add(Sha256.hex(vault.decrypt(keys.getString(type))));
    }
    String authMode = doc.getString("auth_mode");
    return new EndpointState(doc.getString("name"), authMode,
        EndpointState.weightsFromJson(doc.getJsonObject("traffic")),
        EndpointState.weightsFromJson(doc.getJsonObject("mirror_traffic")),
        doc.getLong("traffic_revision", 0L), hashes,
        EndpointState.AUTH_AML_TOKEN.equals(authMode) ? tokenKeys : List.of(), NetworkAccess.fromJson(doc));
  }

  private JsonObject newDoc(String name, Actor actor) {
    return Resources.created(new JsonObject()
        .put("name", name)
        .put("keys", new JsonObject()
            .put("primary", vault.encrypt(KeyVault.newEndpointKey()))
            .put("secondary", vault.encrypt(KeyVault.newEndpointKey())))
        .put("traffic_revision", 0L), actor);
  }

  /** Makes the doc's traffic the endpoint's next revision (an operator's); {@code rolledBackTo}: the revision re-applied, or null. */
  private void recordRevision(String endpoint, JsonObject doc, Actor actor, Long rolledBackTo) {
    recordRevision(endpoint, doc, actor, rolledBackTo, null, true);
  }

  /** {@code observed}: whether the observers are told (an operator's change) or not (a service's). */
  private void recordRevision(String endpoint, JsonObject doc, Actor actor, Long rolledBackTo, String note,
      boolean observed) {
    long revision = doc.getLong("traffic_revision", 0L) + 1;
    doc.put("traffic_revision", revision);
    history.record(endpoint, revision, doc.getJsonObject("traffic"), doc.getJsonObject("mirror_traffic"), actor,
        rolledBackTo, note, Resources.now());
    if (observed) {
      observers.forEach(o -> o.trafficRevised(endpoint, revision, actor));
    }
  }

  private JsonObject keysOf(JsonObject doc) {
    JsonObject keys = doc.getJsonObject("keys");
    return new JsonObject()
        .put("primaryKey", vault.decrypt(keys.getString("primary")))
        .put("secondaryKey", vault.decrypt(keys.getString("secondary")));
  }

  private Future<ApiResult> publish(Change change) {
    return change.publish(doc -> publisher.publish(state(doc)));
  }

}
