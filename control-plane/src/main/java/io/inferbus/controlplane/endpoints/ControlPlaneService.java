package io.inferbus.controlplane.endpoints;

import io.inferbus.controlplane.logs.LogGatherer;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.controlplane.placement.Provisioning;
import io.inferbus.controlplane.registry.ModelBlobs;
import io.inferbus.controlplane.registry.ModelInspector;
import io.inferbus.controlplane.store.KeyVault;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.NodeState;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.SpecFields;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The control plane's operations: validate, write durably (one transaction on the single store
 * thread, with its audit record), publish to the cluster, then answer. Every read and write of the
 * store runs on that one thread, so operations never interleave.
 */
public final class ControlPlaneService {
  private static final Set<String> AUTH_MODES = Set.of(EndpointState.AUTH_KEY, EndpointState.AUTH_AML_TOKEN,
      EndpointState.AUTH_AAD_TOKEN);
  private static final int MAX_INSTANCE_COUNT = 64;

  private final Vertx vertx;
  private final Store store;
  private final KeyVault vault;
  private final ModelBlobs blobs;
  private final ClusterPublisher publisher;
  private final WorkerExecutor storeThread;
  private final LiveCluster live;
  private final Supplier<String> scoringBaseUrl;
  private final TrafficHistory history;
  private final LogGatherer logs;
  /** The public keys of aml_token scoring tokens, published with every aml_token endpoint. */
  private final List<JsonObject> tokenKeys;

  /** A service that sees only the instance table (no placement, no nodes): for tests of the store side. */
  public ControlPlaneService(Vertx vertx, Store store, KeyVault vault, ModelBlobs blobs, ClusterPublisher publisher,
      WorkerExecutor storeThread, Supplier<Map<String, InstanceState>> instances, Supplier<String> scoringBaseUrl) {
    this(vertx, store, vault, blobs, publisher, storeThread, LiveCluster.ofInstances(instances), scoringBaseUrl);
  }

  /** @param live the running cluster as the control plane watches it (instances, placement, nodes) */
  public ControlPlaneService(Vertx vertx, Store store, KeyVault vault, ModelBlobs blobs, ClusterPublisher publisher,
      WorkerExecutor storeThread, LiveCluster live, Supplier<String> scoringBaseUrl) {
    this(vertx, store, vault, blobs, publisher, storeThread, live, scoringBaseUrl, List.of());
  }

  /** @param tokenKeys the JWKs that verify aml_token scoring tokens (the cluster's public signing key) */
  public ControlPlaneService(Vertx vertx, Store store, KeyVault vault, ModelBlobs blobs, ClusterPublisher publisher,
      WorkerExecutor storeThread, LiveCluster live, Supplier<String> scoringBaseUrl, List<JsonObject> tokenKeys) {
    this.tokenKeys = List.copyOf(tokenKeys);
    this.vertx = vertx;
    this.store = store;
    this.vault = vault;
    this.blobs = blobs;
    this.publisher = publisher;
    this.storeThread = storeThread;
    this.live = live;
    this.scoringBaseUrl = scoringBaseUrl;
    this.history = new TrafficHistory(store);
    this.logs = new LogGatherer(vertx, LogGatherer.DEFAULT_TIMEOUT_MS);
  }

  // ---------------------------------------------------------------- start-up

  /** Republishes the whole store to the cluster tables (on start, so gateways and agents converge). */
  public Future<Void> republishAll() {
    return onStore(() -> {
      List<EndpointState> endpoints = store.list(Table.ENDPOINTS, null).stream().map(this::endpointState).toList();
      List<DeploymentState> deployments = store.list(Table.DEPLOYMENTS, null).stream()
          .map(ControlPlaneService::deploymentState).toList();
      publisher.republishAll(endpoints, deployments);
      return null;
    });
  }

  /** True when the store holds no endpoint (a first start). */
  public Future<Boolean> isEmpty() {
    return onStore(() -> store.list(Table.ENDPOINTS, null).isEmpty() && store.list(Table.MODELS, null).isEmpty());
  }

  // ---------------------------------------------------------------- models

  /** Registers model bytes as name:version; 201 new, 200 same bytes again, 409 other bytes. */
  public Future<ApiResult> putModel(String name, String version, Buffer bytes, Actor actor) {
    Names.model(name);
    Names.version(version);
    if (bytes == null || bytes.length() == 0) {
      return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT,
          "the body is empty: send the ONNX file's bytes as application/octet-stream"));
    }
    String sha256 = Sha256.hex(bytes.getBytes());
    // Inspect outside the store thread: loading a large model must not hold up other operations.
    return vertx.executeBlocking(() -> {
      Path tmp = blobs.writeTemporary(bytes);
      try {
        return ModelInspector.inspect(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    }, false).compose(signature -> write(() -> {
      var existing = store.get(Table.MODELS, name, version);
      if (existing.isPresent()) {
        if (existing.get().getString("sha256").equals(sha256)) {
          return ApiResult.ok(existing.get());
        }
        throw new InferbusException(FailureKind.CONFLICT, "model " + name + ":" + version
            + " already exists with other content (sha256 " + existing.get().getString("sha256")
            + "); versions are immutable: register a new version", "version");
      }
      blobs.write(sha256, bytes);
      JsonObject doc = new JsonObject()
          .put("name", name)
          .put("version", version)
          .put("sha256", sha256)
          .put("size_bytes", bytes.length())
          .put("inputs", signature.getJsonArray("inputs"))
          .put("outputs", signature.getJsonArray("outputs"))
          .put("created_at", now())
          .put("created_by", actor.subject());
      store.put(Table.MODELS, doc, name, version);
      audit(actor, "model.create", "models/" + name + "/versions/" + version, null, doc);
      return ApiResult.created(doc);
    }));
  }

  public Future<ApiResult> getModel(String name, String version) {
    return onStore(() -> ApiResult.ok(store.get(Table.MODELS, name, version)
        .orElseThrow(() -> InferbusException.notFound("no model " + name + ":" + version))));
  }

  public Future<ApiResult> listModels() {
    return onStore(() -> ApiResult.ok(list(store.list(Table.MODELS, null))));
  }

  /** Reads a model blob for a node that lacks it; null if unknown. Blocking. */
  public Path modelFile(String sha256) {
    Path p = blobs.path(sha256);
    return p != null && Files.exists(p) ? p : null;
  }

  // ---------------------------------------------------------------- endpoints

  public Future<ApiResult> putEndpoint(String name, JsonObject body, Actor actor) {
    Names.endpoint(name);
    checkNameField(body, "name", name);
    Object authModeValue = body.getValue("auth_mode") == null ? EndpointState.AUTH_KEY : body.getValue("auth_mode");
    if (!(authModeValue instanceof String authMode) || !AUTH_MODES.contains(authMode)) {
      return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT,
          "auth_mode '" + authModeValue + "' is not one of key, aml_token, aad_token", "auth_mode"));
    }
    return write(() -> {
      var existing = store.get(Table.ENDPOINTS, name);
      JsonObject before = existing.orElse(null);
      JsonObject doc = before == null ? newEndpointDoc(name, actor) : before.copy();
      doc.put("auth_mode", authMode)
          .put("description", body.getString("description", ""))
          .put("tags", stringMap(body.getValue("tags"), "tags"));
      if (before == null) {
        doc.put("traffic", new JsonObject()).put("mirror_traffic", new JsonObject());
      }
      boolean trafficChanged = applyTraffic(name, doc, body);
      if (before != null && sameSpec(before, doc)) {
        return new Change(ApiResult.ok(showEndpoint(before)), null);
      }
      doc.put("updated_at", now()).put("updated_by", actor.subject());
      if (trafficChanged || before == null) {
        recordRevision(name, doc, actor, null);
      }
      store.put(Table.ENDPOINTS, doc, name);
      audit(actor, before == null ? "endpoint.create" : "endpoint.update", "endpoints/" + name,
          redact(before), redact(doc));
      return new Change(before == null ? ApiResult.created(showEndpoint(doc)) : ApiResult.ok(showEndpoint(doc)), doc);
    }).compose(this::publishEndpoint).map(ApiResult.class::cast);
  }

  public Future<ApiResult> patchEndpoint(String name, JsonObject body, Actor actor) {
    for (String field : body.fieldNames()) {
      if (!SpecFields.ENDPOINT_PATCH.contains(field)) {
        return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT, "field '" + field
            + "' cannot be patched; PATCH takes traffic, mirror_traffic, description and tags", field));
      }
    }
    return write(() -> {
      JsonObject before = endpointDoc(name);
      JsonObject doc = before.copy();
      if (body.containsKey("description")) {
        doc.put("description", body.getString("description", ""));
      }
      if (body.containsKey("tags")) {
        doc.put("tags", stringMap(body.getValue("tags"), "tags"));
      }
      boolean trafficChanged = applyTraffic(name, doc, body);
      if (sameSpec(before, doc)) {
        return new Change(ApiResult.ok(showEndpoint(before)), null);
      }
      doc.put("updated_at", now()).put("updated_by", actor.subject());
      if (trafficChanged) {
        recordRevision(name, doc, actor, null);
      }
      store.put(Table.ENDPOINTS, doc, name);
      audit(actor, trafficChanged ? "endpoint.traffic" : "endpoint.update", "endpoints/" + name,
          redact(before), redact(doc));
      return new Change(ApiResult.ok(showEndpoint(doc)), doc);
    }).compose(this::publishEndpoint).map(ApiResult.class::cast);
  }

  public Future<ApiResult> getEndpoint(String name) {
    return onStore(() -> ApiResult.ok(showEndpoint(endpointDoc(name))));
  }

  public Future<ApiResult> listEndpoints() {
    return onStore(() -> ApiResult.ok(list(store.list(Table.ENDPOINTS, null).stream().map(this::showEndpoint).toList())));
  }

  public Future<ApiResult> deleteEndpoint(String name, Actor actor) {
    return write(() -> {
      JsonObject before = endpointDoc(name);
      List<JsonObject> deployments = store.list(Table.DEPLOYMENTS, name);
      store.deleteAll(Table.DEPLOYMENTS, name);
      history.deleteAll(name);
      store.delete(Table.ENDPOINTS, name);
      audit(actor, "endpoint.delete", "endpoints/" + name, redact(before), null);
      return deployments.stream().map(d -> d.getString("name")).toList();
    }).compose(deployments -> {
      List<Future<Void>> removals = new ArrayList<>();
      deployments.forEach(d -> removals.add(publisher.removeDeployment(name, d)));
      removals.add(publisher.removeEndpoint(name));
      return Future.all(removals);
    }).map(v -> ApiResult.ok(new JsonObject().put("name", name).put("deleted", true)));
  }

  /** Every traffic revision of the endpoint, oldest first. */
  public Future<ApiResult> trafficHistory(String name) {
    return onStore(() -> {
      endpointDoc(name);
      return ApiResult.ok(list(history.entries(name)));
    });
  }

  /**
   * Re-applies an earlier traffic revision ({@code {"to_revision": n}}, or {@code {}} for the one
   * before the current) as a new revision, through the same validation, store transaction, audit
   * and cluster publication as a PATCH of the traffic. When the current weights already are that
   * revision's, nothing changes: retrying a rollback to a given revision is harmless.
   */
  public Future<ApiResult> rollbackTraffic(String name, JsonObject body, Actor actor) {
    Long toRevision;
    try {
      toRevision = TrafficHistory.toRevision(body);
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
    return write(() -> {
      JsonObject before = endpointDoc(name);
      JsonObject target = history.rollbackTarget(name, before.getLong("traffic_revision", 0L), toRevision);
      JsonObject weights = TrafficHistory.weightsToReapply(name, target, deploymentNames(name));
      JsonObject doc = before.copy();
      if (!applyTraffic(name, doc, weights)) {
        return new Change(ApiResult.ok(showEndpoint(before)), null);
      }
      long rolledBackTo = target.getLong("revision");
      doc.put("updated_at", now()).put("updated_by", actor.subject());
      recordRevision(name, doc, actor, rolledBackTo);
      store.put(Table.ENDPOINTS, doc, name);
      audit(actor, "endpoint.traffic-rollback", "endpoints/" + name, redact(before), redact(doc),
          new JsonObject().put("rolled_back_to", rolledBackTo));
      return new Change(ApiResult.ok(showEndpoint(doc)), doc);
    }).compose(this::publishEndpoint).map(ApiResult.class::cast);
  }

  /** The endpoint's two keys (key mode). */
  public Future<ApiResult> keys(String name) {
    return onStore(() -> ApiResult.ok(keysOf(endpointDoc(name))));
  }

  public Future<ApiResult> regenerateKey(String name, JsonObject body, Actor actor) {
    String type = body.getString("key_type", body.getString("keyType", "primary"));
    if (!type.equals("primary") && !type.equals("secondary")) {
      return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT,
          "key_type must be 'primary' or 'secondary', got '" + type + "'", "key_type"));
    }
    return write(() -> {
      JsonObject before = endpointDoc(name);
      JsonObject doc = before.copy();
      doc.getJsonObject("keys").put(type, vault.encrypt(KeyVault.newEndpointKey()));
      doc.put("updated_at", now()).put("updated_by", actor.subject());
      store.put(Table.ENDPOINTS, doc, name);
      audit(actor, "endpoint.regenerate-key", "endpoints/" + name + "/keys/" + type, null, null);
      return new Change(ApiResult.ok(keysOf(doc)), doc);
    }).compose(this::publishEndpoint).map(ApiResult.class::cast);
  }

  // ---------------------------------------------------------------- deployments

  public Future<ApiResult> putDeployment(String endpoint, String name, JsonObject body, Actor actor) {
    Names.deployment(name);
    checkNameField(body, "name", name);
    checkNameField(body, "endpoint_name", endpoint);
    long liveGeneration = liveGeneration(endpoint, name);
    return write(() -> {
      endpointDoc(endpoint);
      ModelRef model = resolveModel(body.getValue("model"));
      int count = instanceCount(body.getValue("instance_count"), 1);
      RequestSettings settings = requestSettings(body.getValue("request_settings"), RequestSettings.DEFAULTS);
      var existing = store.get(Table.DEPLOYMENTS, endpoint, name);
      JsonObject before = existing.orElse(null);
      JsonObject doc = before == null
          ? new JsonObject().put("name", name).put("endpoint_name", endpoint).put("created_at", now())
              .put("created_by", actor.subject()).put("generation", liveGeneration)
          : before.copy();
      BatchingSettings batching = batching(body.getValue("batching"));
      doc.put("model", model.toJson())
          .put("instance_count", count)
          .put("request_settings", settings.toJson())
          .put("batching", batching == null ? null : batching.toJson())
          .put("description", body.getString("description", ""))
          .put("tags", stringMap(body.getValue("tags"), "tags"));
      JsonObject ignored = ignoredFields(body, SpecFields.DEPLOYMENT);
      if (before != null && sameSpec(before, doc)) {
        return new Change(ApiResult.ok(withIgnored(showDeploymentDoc(before), ignored)), null);
      }
      bumpGenerationIfInstancesChange(before, doc);
      doc.put("updated_at", now()).put("updated_by", actor.subject());
      store.put(Table.DEPLOYMENTS, doc, endpoint, name);
      audit(actor, before == null ? "deployment.create" : "deployment.update",
          "endpoints/" + endpoint + "/deployments/" + name, before, doc);
      JsonObject shown = withIgnored(showDeploymentDoc(doc), ignored);
      return new Change(before == null ? ApiResult.created(shown) : ApiResult.ok(shown), doc);
    }).compose(this::publishDeployment).map(result -> withProvisioning((ApiResult) result));
  }

  public Future<ApiResult> patchDeployment(String endpoint, String name, JsonObject body, Actor actor) {
    for (String field : body.fieldNames()) {
      if (!SpecFields.DEPLOYMENT_PATCH.contains(field)) {
        return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT, "field '" + field
            + "' cannot be patched; PATCH takes instance_count and request_settings", field));
      }
    }
    return write(() -> {
      JsonObject before = deploymentDoc(endpoint, name);
      JsonObject doc = before.copy();
      if (body.containsKey("instance_count")) {
        doc.put("instance_count", instanceCount(body.getValue("instance_count"), 1));
      }
      if (body.containsKey("request_settings")) {
        doc.put("request_settings", requestSettings(body.getValue("request_settings"),
            RequestSettings.fromJson(before.getJsonObject("request_settings"))).toJson());
      }
      if (sameSpec(before, doc)) {
        return new Change(ApiResult.ok(showDeploymentDoc(before)), null);
      }
      bumpGenerationIfInstancesChange(before, doc);
      doc.put("updated_at", now()).put("updated_by", actor.subject());
      store.put(Table.DEPLOYMENTS, doc, endpoint, name);
      audit(actor, "deployment.update", "endpoints/" + endpoint + "/deployments/" + name, before, doc);
      return new Change(ApiResult.ok(showDeploymentDoc(doc)), doc);
    }).compose(this::publishDeployment).map(result -> withProvisioning((ApiResult) result));
  }

  public Future<ApiResult> getDeployment(String endpoint, String name) {
    return onStore(() -> ApiResult.ok(showDeploymentDoc(deploymentDoc(endpoint, name)))).map(this::withProvisioning);
  }

  public Future<ApiResult> listDeployments(String endpoint) {
    return onStore(() -> {
      endpointDoc(endpoint);
      return store.list(Table.DEPLOYMENTS, endpoint).stream().map(this::showDeploymentDoc).toList();
    }).map(docs -> {
      JsonArray value = new JsonArray();
      docs.forEach(d -> value.add(addProvisioning(d)));
      return ApiResult.ok(new JsonObject().put("value", value));
    });
  }

  public Future<ApiResult> deleteDeployment(String endpoint, String name, Actor actor) {
    return write(() -> {
      JsonObject ep = endpointDoc(endpoint);
      JsonObject before = deploymentDoc(endpoint, name);
      int live = ep.getJsonObject("traffic").getInteger(name, 0);
      int mirrored = ep.getJsonObject("mirror_traffic").getInteger(name, 0);
      if (live > 0 || mirrored > 0) {
        throw new InferbusException(FailureKind.CONFLICT, "deployment '" + name + "' has "
            + (live > 0 ? live + " % live traffic" : mirrored + " % mirror traffic")
            + "; set its traffic to 0 before deleting it", name);
      }
      JsonObject epAfter = ep.copy();
      epAfter.getJsonObject("traffic").remove(name);
      epAfter.getJsonObject("mirror_traffic").remove(name);
      store.put(Table.ENDPOINTS, epAfter, endpoint);
      store.delete(Table.DEPLOYMENTS, endpoint, name);
      audit(actor, "deployment.delete", "endpoints/" + endpoint + "/deployments/" + name, before, null);
      return null;
    }).compose(v -> publisher.removeDeployment(endpoint, name))
        .map(v -> ApiResult.ok(new JsonObject().put("name", name).put("deleted", true)));
  }

  // ---------------------------------------------------------------- nodes

  /**
   * {@code GET /endpoints/{e}/deployments/{d}/logs?lines=N}: the deployment's instances' recent log
   * lines, gathered from every deployment node and every node that runs one of its instances (see
   * {@link LogGatherer}), the last {@code lines}.
   */
  public Future<ApiResult> deploymentLogs(String endpoint, String name, String linesParam) {
    int lines;
    try {
      lines = LogGatherer.lines(linesParam);
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
    return onStore(() -> deploymentDoc(endpoint, name)).compose(doc -> {
      Set<String> nodes = new TreeSet<>(live.nodeIds(NodeState.ROLE_DEPLOYMENT));
      live.instances().values().forEach(i -> nodes.add(i.node()));
      JsonObject query = new JsonObject().put("endpoint", endpoint).put("deployment", name).put("lines", lines);
      return logs.gather(nodes, Addresses::nodeLogs, query, lines).map(ApiResult::ok);
    });
  }

  /** {@code GET /nodes}: the cluster's members with their roles, capacity, assignments and instances. */
  public Future<ApiResult> nodes() {
    return Future.succeededFuture(ApiResult.ok(live.nodes()));
  }

  // ---------------------------------------------------------------- audit

  public Future<ApiResult> audit(long sinceMillis, int limit) {
    return onStore(() -> ApiResult.ok(list(store.audit(sinceMillis, limit))));
  }

  // ---------------------------------------------------------------- helpers

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
   * still run); a change of what its instances run (model, request settings,
   * batching) is the next generation, and nodes replace their instances with new ones. A change of
   * {@code instance_count}, description or tags keeps the generation: running instances keep serving,
   * and placement only starts or stops the difference.
   */
  private static void bumpGenerationIfInstancesChange(JsonObject before, JsonObject doc) {
    boolean instancesChange = before == null;
    for (String field : List.of("model", "request_settings", "batching")) {
      instancesChange |= !Objects.equals(before == null ? null : before.getValue(field), doc.getValue(field));
    }
    if (instancesChange) {
      doc.put("generation", doc.getLong("generation", 0L) + 1);
    }
  }

  /** A store write and what to publish after it (null: nothing changed). */
  private record Change(ApiResult result, JsonObject doc) {}

  private Future<Object> publishEndpoint(Change change) {
    if (change.doc() == null) {
      return Future.succeededFuture(change.result());
    }
    return publisher.publish(endpointState(change.doc())).map(change.result());
  }

  private Future<Object> publishDeployment(Change change) {
    if (change.doc() == null) {
      return Future.succeededFuture(change.result());
    }
    return publisher.publish(deploymentState(change.doc())).map(change.result());
  }

  private <T> Future<T> onStore(Callable<T> work) {
    return storeThread.executeBlocking(work, true);
  }

  private <T> Future<T> write(Callable<T> work) {
    return storeThread.executeBlocking(() -> store.transaction(work), true);
  }

  private JsonObject newEndpointDoc(String name, Actor actor) {
    return new JsonObject()
        .put("name", name)
        .put("keys", new JsonObject()
            .put("primary", vault.encrypt(KeyVault.newEndpointKey()))
            .put("secondary", vault.encrypt(KeyVault.newEndpointKey())))
        .put("traffic_revision", 0L)
        .put("created_at", now())
        .put("created_by", actor.subject());
  }

  /** Applies traffic and mirror_traffic from the body when given; true if either changed. */
  private boolean applyTraffic(String endpoint, JsonObject doc, JsonObject body) {
    if (!body.containsKey("traffic") && !body.containsKey("mirror_traffic")) {
      return false;
    }
    Set<String> deployments = deploymentNames(endpoint);
    Map<String, Integer> traffic = body.containsKey("traffic")
        ? TrafficRules.traffic(body.getValue("traffic"), deployments)
        : EndpointState.weightsFromJson(doc.getJsonObject("traffic"));
    Map<String, Integer> mirror = body.containsKey("mirror_traffic")
        ? TrafficRules.mirror(body.getValue("mirror_traffic"), deployments, traffic)
        : TrafficRules.mirror(doc.getJsonObject("mirror_traffic"), deployments, traffic);
    JsonObject newTraffic = EndpointState.weightsToJson(traffic);
    JsonObject newMirror = EndpointState.weightsToJson(mirror);
    boolean changed = !withoutZeros(newTraffic).equals(withoutZeros(doc.getJsonObject("traffic")))
        || !newMirror.equals(doc.getJsonObject("mirror_traffic"));
    doc.put("traffic", newTraffic).put("mirror_traffic", newMirror);
    return changed;
  }

  private Set<String> deploymentNames(String endpoint) {
    return store.list(Table.DEPLOYMENTS, endpoint).stream()
        .map(d -> d.getString("name")).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  private static JsonObject withoutZeros(JsonObject weights) {
    JsonObject o = new JsonObject();
    weights.forEach(e -> {
      if (((Number) e.getValue()).intValue() != 0) {
        o.put(e.getKey(), e.getValue());
      }
    });
    return o;
  }

  /** Makes the doc's traffic the endpoint's next revision; {@code rolledBackTo}: the revision re-applied, or null. */
  private void recordRevision(String endpoint, JsonObject doc, Actor actor, Long rolledBackTo) {
    long revision = doc.getLong("traffic_revision", 0L) + 1;
    doc.put("traffic_revision", revision);
    history.record(endpoint, revision, doc.getJsonObject("traffic"), doc.getJsonObject("mirror_traffic"), actor,
        rolledBackTo, now());
  }

  private void audit(Actor actor, String action, String target, JsonObject before, JsonObject after) {
    audit(actor, action, target, before, after, null);
  }

  /** Appends an audit record; {@code detail}'s fields, if any, are added to it. */
  private void audit(Actor actor, String action, String target, JsonObject before, JsonObject after,
      JsonObject detail) {
    JsonObject record = new JsonObject()
        .put("at", System.currentTimeMillis())
        .put("time", now())
        .put("actor", actor.subject())
        .put("action", action)
        .put("target", target)
        .put("before", before)
        .put("after", after)
        .put("request_id", actor.requestId());
    if (detail != null) {
      record.mergeIn(detail);
    }
    store.appendAudit(record);
  }

  /** A copy without key material, for the audit log. */
  private static JsonObject redact(JsonObject endpointDoc) {
    if (endpointDoc == null) {
      return null;
    }
    JsonObject copy = endpointDoc.copy();
    copy.remove("keys");
    return copy;
  }

  private JsonObject endpointDoc(String name) {
    return store.get(Table.ENDPOINTS, name)
        .orElseThrow(() -> InferbusException.notFound("no endpoint named '" + name + "'"));
  }

  private JsonObject deploymentDoc(String endpoint, String name) {
    endpointDoc(endpoint);
    return store.get(Table.DEPLOYMENTS, endpoint, name)
        .orElseThrow(() -> InferbusException.notFound("endpoint '" + endpoint + "' has no deployment '" + name + "'"));
  }

  private EndpointState endpointState(JsonObject doc) {
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
        EndpointState.AUTH_AML_TOKEN.equals(authMode) ? tokenKeys : List.of());
  }

  private static DeploymentState deploymentState(JsonObject doc) {
    return new DeploymentState(doc.getString("endpoint_name"), doc.getString("name"),
        ModelRef.fromJson(doc.getJsonObject("model")), doc.getInteger("instance_count"),
        RequestSettings.fromJson(doc.getJsonObject("request_settings")),
        BatchingSettings.fromJson(doc.getJsonObject("batching")), doc.getLong("generation"));
  }

  private JsonObject keysOf(JsonObject doc) {
    JsonObject keys = doc.getJsonObject("keys");
    return new JsonObject()
        .put("primaryKey", vault.decrypt(keys.getString("primary")))
        .put("secondaryKey", vault.decrypt(keys.getString("secondary")));
  }

  private JsonObject showEndpoint(JsonObject doc) {
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
        .put("description", doc.getString("description", ""));
  }

  /** The stored deployment with its model's signature (store thread). */
  private JsonObject showDeploymentDoc(JsonObject doc) {
    JsonObject shown = doc.copy();
    ModelRef ref = ModelRef.fromJson(doc.getJsonObject("model"));
    store.get(Table.MODELS, ref.name(), ref.version()).ifPresent(m -> shown.put("model", ref.toJson()
        .put("inputs", m.getJsonArray("inputs")).put("outputs", m.getJsonArray("outputs"))));
    return shown;
  }

  private ApiResult withProvisioning(ApiResult result) {
    return new ApiResult(result.status(), addProvisioning(result.body()));
  }

  /** Adds provisioning_state, instances and failure_reason from the live instance table (event loop). */
  private JsonObject addProvisioning(JsonObject shown) {
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

  private ModelRef resolveModel(Object value) {
    String name;
    String version;
    if (value instanceof String s) {
      String ref = s.startsWith("azureml:") ? s.substring("azureml:".length()) : s;
      int colon = ref.lastIndexOf(':');
      if (colon <= 0 || colon == ref.length() - 1) {
        throw new InferbusException(FailureKind.BAD_INPUT, "model '" + s
            + "' must name a registered version as name:version, e.g. german-credit-bad-risk:1", "model");
      }
      name = ref.substring(0, colon);
      version = ref.substring(colon + 1);
    } else if (value instanceof JsonObject o && o.getString("name") != null && o.getValue("version") != null) {
      name = o.getString("name");
      version = String.valueOf(o.getValue("version"));
    } else {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "model is required: \"name:version\" of a registered model, or {\"name\": ..., \"version\": ...}", "model");
    }
    JsonObject model = store.get(Table.MODELS, name, version).orElseThrow(() -> new InferbusException(
        FailureKind.BAD_INPUT, "model " + name + ":" + version + " is not registered; register it first with"
            + " PUT /models/" + name + "/versions/" + version + " (registered versions of '" + name + "': "
            + store.list(Table.MODELS, name).stream().map(m -> m.getString("version")).toList() + ")", "model"));
    return new ModelRef(name, version, model.getString("sha256"));
  }

  private static int instanceCount(Object value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 0
        || ((Number) value).longValue() > MAX_INSTANCE_COUNT) {
      throw new InferbusException(FailureKind.BAD_INPUT, "instance_count is " + value
          + "; use a whole number from 0 to " + MAX_INSTANCE_COUNT, "instance_count");
    }
    return ((Number) value).intValue();
  }

  private static RequestSettings requestSettings(Object value, RequestSettings base) {
    if (value == null) {
      return base;
    }
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "request_settings must be an object", "request_settings");
    }
    int timeout = intField(json, "request_timeout_ms", base.requestTimeoutMs(), 1, RequestSettings.MAX_REQUEST_TIMEOUT_MS);
    int concurrent = intField(json, "max_concurrent_requests_per_instance",
        base.maxConcurrentRequestsPerInstance(), 1, 1024);
    int queueWait = intField(json, "max_queue_wait_ms", base.maxQueueWaitMs(), 0, RequestSettings.MAX_REQUEST_TIMEOUT_MS);
    for (String f : json.fieldNames()) {
      if (!Set.of("request_timeout_ms", "max_concurrent_requests_per_instance", "max_queue_wait_ms").contains(f)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "request_settings has unknown field '" + f
            + "'; it takes request_timeout_ms, max_concurrent_requests_per_instance, max_queue_wait_ms", f);
      }
    }
    return new RequestSettings(timeout, concurrent, queueWait);
  }

  /** {@code batching: {max_batch_size, max_batch_delay_ms}}; null (off) when absent. */
  private static BatchingSettings batching(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject json)) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "batching must be an object such as {\"max_batch_size\": 16, \"max_batch_delay_ms\": 2}", "batching");
    }
    for (String f : json.fieldNames()) {
      if (!Set.of("max_batch_size", "max_batch_delay_ms").contains(f)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "batching has unknown field '" + f
            + "'; it takes max_batch_size and max_batch_delay_ms", f);
      }
    }
    return new BatchingSettings(
        intField(json, "max_batch_size", 16, 1, BatchingSettings.MAX_BATCH_SIZE),
        intField(json, "max_batch_delay_ms", 0, 0, BatchingSettings.MAX_BATCH_DELAY_MS));
  }

  private static int intField(JsonObject json, String field, int fallback, int min, int max) {
    Object v = json.getValue(field);
    if (v == null) {
      return fallback;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < min
        || ((Number) v).longValue() > max) {
      throw new InferbusException(FailureKind.BAD_INPUT, field + " is " + v + "; use a whole number from " + min
          + " to " + max, field);
    }
    return ((Number) v).intValue();
  }

  private static JsonObject stringMap(Object value, String field) {
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject o)) {
      throw new InferbusException(FailureKind.BAD_INPUT, field + " must be an object of strings", field);
    }
    JsonObject out = new JsonObject();
    o.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }

  private static void checkNameField(JsonObject body, String field, String expected) {
    Object v = body.getValue(field);
    if (v != null && !expected.equals(v)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body's " + field + " '" + v
          + "' differs from the path's '" + expected + "'", field);
    }
  }

  private static JsonObject ignoredFields(JsonObject body, Set<String> known) {
    JsonArray ignored = new JsonArray();
    body.fieldNames().stream().filter(f -> !known.contains(f)).sorted().forEach(ignored::add);
    return ignored.isEmpty() ? null : new JsonObject().put("ignored_fields", ignored);
  }

  private static JsonObject withIgnored(JsonObject shown, JsonObject ignored) {
    return ignored == null ? shown : shown.mergeIn(ignored);
  }

  /** Two docs are the same spec when they differ at most in bookkeeping fields. */
  private static boolean sameSpec(JsonObject a, JsonObject b) {
    JsonObject x = a.copy();
    JsonObject y = b.copy();
    for (String f : List.of("updated_at", "updated_by", "ignored_fields")) {
      x.remove(f);
      y.remove(f);
    }
    return x.equals(y);
  }

  private static JsonObject list(List<JsonObject> items) {
    return new JsonObject().put("value", new JsonArray(new ArrayList<>(items)));
  }

  private static String now() {
    return Instant.now().toString();
  }

}
