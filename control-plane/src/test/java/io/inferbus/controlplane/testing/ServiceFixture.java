package io.inferbus.controlplane.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.ControlPlaneServices;
import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.deployments.DeploymentService;
import io.inferbus.controlplane.endpoints.EndpointService;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.ClusterPublisher;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.controlplane.registry.ModelBlobs;
import io.inferbus.controlplane.registry.ModelRegistry;
import io.inferbus.controlplane.store.KeyVault;
import io.inferbus.controlplane.store.Store;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real control-plane service for tests: a SQLite store, key vault and model files in a data
 * directory, a Hazelcast member of its own (the cluster tables gateways read), and Vert.x; the
 * service is called on a Vert.x event loop as the management API calls it. No node agents run, so
 * deployments never get instances.
 */
public final class ServiceFixture implements AutoCloseable {
  public static final Path EXAMPLE_MODEL = Path.of("..", "examples", "credit-scoring", "model",
      "german-credit-bad-risk.onnx");

  public final Path dataDir;
  public final HazelcastInstance hazelcast;
  private final Vertx vertx;
  private final Context context;
  private WorkerExecutor storeThread;
  private Store store;
  public ControlPlaneServices services;

  private ServiceFixture(Path dataDir, HazelcastInstance hazelcast) throws Exception {
    this.dataDir = dataDir;
    this.hazelcast = hazelcast;
    this.vertx = Vertx.vertx();
    this.context = vertx.getOrCreateContext();
    hazelcast.getMap(ClusterMaps.ENDPOINTS).clear();
    hazelcast.getMap(ClusterMaps.DEPLOYMENTS).clear();
    open();
  }

  /** A service on {@code dataDir}, publishing to {@code hazelcast}, whose tables it empties first. */
  public static ServiceFixture start(Path dataDir, HazelcastInstance hazelcast) throws Exception {
    return new ServiceFixture(dataDir, hazelcast);
  }

  /** A single-member cluster on loopback that joins nobody. */
  public static HazelcastInstance hazelcast() {
    return TestCluster.member();
  }

  private void open() throws Exception {
    storeThread = vertx.createSharedWorkerExecutor("inferbus-store-" + UUID.randomUUID(), 1);
    store = Store.open(dataDir);
    KeyVault vault = KeyVault.open(dataDir.resolve("secrets").resolve("vault.key"));
    StoreThread storeWork = new StoreThread(store, storeThread);
    services = ControlPlaneServices.create(vertx, storeWork, new AuditLog(storeWork), vault,
        new ModelBlobs(dataDir.resolve("models")), new ClusterPublisher(TestCluster.records(hazelcast), context),
        LiveCluster.ofInstances(Map::of), () -> "https://127.0.0.1:8443", List.of());
  }

  /** Closes the store as a stopping node does and opens a new service on the same data directory. */
  public void restart() throws Exception {
    storeThread.executeBlocking(() -> {
      store.close();
      return null;
    }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    storeThread.close();
    open();
  }

  public EndpointService endpoints() {
    return services.endpoints();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Runs {@code op} on the fixture's event loop, as {@link #call} does, and waits for its result. */
  public <T> T await(Supplier<Future<T>> op) throws Exception {
    return submit(op).get(60, TimeUnit.SECONDS);
  }

  /** Runs {@code op} on the fixture's event loop without waiting: its result, when it comes. */
  public <T> CompletableFuture<T> submit(Supplier<Future<T>> op) {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(v -> op.get().onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    return done;
  }

  public DeploymentService deployments() {
    return services.deployments();
  }

  public ModelRegistry models() {
    return services.models();
  }

  /** What a service call answered: its result, or its failure. */
  public record Outcome(ApiResult result, Throwable failure) {
    public JsonObject body() {
      if (failure != null) {
        throw new AssertionError("expected success, got " + failure, failure);
      }
      return result.body();
    }

    public int status() {
      if (failure instanceof InferbusException e) {
        return e.kind().httpStatus();
      }
      if (failure != null) {
        throw new AssertionError("unexpected failure " + failure, failure);
      }
      return result.status();
    }
  }

  /** Calls the service on an event loop, as the management API does; a synchronous throw counts as failure. */
  public Outcome call(Supplier<Future<ApiResult>> op) throws Exception {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      Future<ApiResult> f;
      try {
        f = op.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(ar -> done.complete(new Outcome(ar.result(), ar.cause())));
    });
    return done.get(60, TimeUnit.SECONDS);
  }

  /** Calls and expects {@code status}; returns the body. */
  public JsonObject expect(int status, Supplier<Future<ApiResult>> op) throws Exception {
    Outcome o = call(op);
    assertEquals(status, o.status(), () -> String.valueOf(o.failure() != null ? o.failure() : o.result().body()));
    return o.body();
  }

  /**
   * Calls and expects a refusal of {@code kind} whose message holds every fragment; returns it.
   */
  public InferbusException refused(FailureKind kind, Supplier<Future<ApiResult>> op, String... fragments) throws Exception {
    Outcome o = call(op);
    if (!(o.failure() instanceof InferbusException e)) {
      throw new AssertionError("expected " + kind + ", got " + (o.failure() != null ? o.failure()
          : o.result().status() + " " + o.result().body()), o.failure());
    }
    assertEquals(kind, e.kind(), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
    }
    return e;
  }

  /** Every audit record, oldest first. */
  public List<JsonObject> audit() throws Exception {
    return expect(200, () -> services.audit().query(0, 10_000)).getJsonArray("value").stream()
        .map(JsonObject.class::cast).toList();
  }

  /** The endpoint's traffic history, oldest first. */
  public List<JsonObject> history(String endpoint) throws Exception {
    return expect(200, () -> endpoints().trafficHistory(endpoint)).getJsonArray("value").stream()
        .map(JsonObject.class::cast).toList();
  }

  public JsonObject endpoint(String name) throws Exception {
    return expect(200, () -> endpoints().get(name));
  }

  /** The endpoint as gateways see it: its entry in the cluster's endpoint table. */
  public EndpointState published(String endpoint) {
    JsonObject json = TestCluster.records(hazelcast).map(ClusterMaps.ENDPOINTS).get(endpoint);
    assertNotNull(json, "endpoint " + endpoint + " is not in the cluster table");
    return EndpointState.fromJson(json);
  }

  /** Registers the example model as {@code credit-model:1} (once). */
  public void registerModel(Actor actor) throws Exception {
    Buffer bytes = Buffer.buffer(Files.readAllBytes(EXAMPLE_MODEL));
    Outcome o = call(() -> models().put("credit-model", "1", bytes, actor));
    assertTrue(o.status() == 200 || o.status() == 201, () -> String.valueOf(o));
  }

  /** Creates the endpoint and a deployment of the example model for each name. */
  public void endpointWithDeployments(String endpoint, Actor actor, String... deployments) throws Exception {
    registerModel(actor);
    expect(201, () -> endpoints().put(endpoint, new JsonObject(), actor));
    for (String d : deployments) {
      expect(201, () -> deployments().put(endpoint, d, new JsonObject().put("model", "credit-model:1"), actor));
    }
  }

  /** PATCHes the endpoint's traffic (and mirror, when not null) and expects 200. */
  public JsonObject traffic(String endpoint, String traffic, String mirror, Actor actor) throws Exception {
    JsonObject body = new JsonObject();
    if (traffic != null) {
      body.put("traffic", new JsonObject(traffic));
    }
    if (mirror != null) {
      body.put("mirror_traffic", new JsonObject(mirror));
    }
    return expect(200, () -> endpoints().patch(endpoint, body, actor));
  }

  @Override
  public void close() throws Exception {
    try {
      storeThread.executeBlocking(() -> {
        store.close();
        return null;
      }).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      storeThread.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
