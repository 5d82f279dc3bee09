package io.inferbus.controlplane.registry;

import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.spec.ModelName;
import io.inferbus.protocol.spec.ModelSpec;
import io.inferbus.protocol.spec.Names;
import io.inferbus.protocol.state.ModelRef;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Registered models: immutable {@code name:version}s, their bytes stored once by content hash
 * ({@link ModelBlobs}), their signature read from the file when registered ({@link ModelInspector}).
 */
public final class ModelRegistry {
  private final Vertx vertx;
  private final StoreThread storeThread;
  private final ModelBlobs blobs;
  private final AuditLog audit;

  public ModelRegistry(Vertx vertx, StoreThread storeThread, ModelBlobs blobs, AuditLog audit) {
    this.vertx = vertx;
    this.storeThread = storeThread;
    this.blobs = blobs;
    this.audit = audit;
  }

  /** Registers model bytes as name:version; 201 new, 200 same bytes again, 409 other bytes. */
  public Future<ApiResult> put(String name, String version, Buffer bytes, Actor actor) {
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
    }, false).compose(signature -> storeThread.write(() -> {
      var existing = storeThread.store().get(Table.MODELS, name, version);
      if (existing.isPresent()) {
        if (existing.get().getString("sha256").equals(sha256)) {
          return ApiResult.ok(existing.get());
        }
        throw new InferbusException(FailureKind.CONFLICT, "model " + name + ":" + version
            + " already exists with other content (sha256 " + existing.get().getString("sha256")
            + "); versions are immutable: register a new version", "version");
      }
      blobs.write(sha256, bytes);
      JsonObject doc = new ModelSpec(name, version, sha256, bytes.length(), signature.getJsonArray("inputs"),
          signature.getJsonArray("outputs"), Resources.now(), actor.subject()).toJson();
      storeThread.store().put(Table.MODELS, doc, name, version);
      audit.record(actor, "model.create", "models/" + name + "/versions/" + version, null, doc);
      return ApiResult.created(doc);
    }));
  }

  public Future<ApiResult> get(String name, String version) {
    return storeThread.read(() -> ApiResult.ok(storeThread.store().get(Table.MODELS, name, version)
        .orElseThrow(() -> InferbusException.notFound("no model " + name + ":" + version))));
  }

  public Future<ApiResult> list() {
    return storeThread.read(() -> ApiResult.ok(Resources.list(storeThread.store().list(Table.MODELS, null))));
  }

  /** The stored file of a model, by hash, for a node that lacks it; null if unknown. Blocking. */
  public Path file(String sha256) {
    Path p = blobs.path(sha256);
    return p != null && Files.exists(p) ? p : null;
  }

  /** A registered model (store thread). */
  public Optional<ModelSpec> find(String name, String version) {
    return storeThread.store().get(Table.MODELS, name, version).map(ModelSpec::fromJson);
  }

  /** The registered version a deployment names, with its hash; refused when it is not registered (store thread). */
  public ModelRef resolve(ModelName model) {
    return find(model.name(), model.version()).map(ModelSpec::ref).orElseThrow(() -> new InferbusException(
        FailureKind.BAD_INPUT, "model " + model + " is not registered; register it first with"
            + " PUT /models/" + model.name() + "/versions/" + model.version() + " (registered versions of '"
            + model.name() + "': " + storeThread.store().list(Table.MODELS, model.name()).stream()
                .map(m -> m.getString("version")).toList() + ")", ModelName.FIELD));
  }

  /** True when no model is registered (store thread). */
  public boolean isEmpty() {
    return storeThread.store().list(Table.MODELS, null).isEmpty();
  }
}
