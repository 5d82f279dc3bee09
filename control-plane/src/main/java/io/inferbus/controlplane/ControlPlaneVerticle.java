package io.inferbus.controlplane;

import io.inferbus.controlplane.api.ManagementApi;
import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.autoscale.Autoscaler;
import io.inferbus.controlplane.autoscale.DemandGatherer;
import io.inferbus.controlplane.console.ConsoleSignIn;
import io.inferbus.controlplane.console.SignInCodes;
import io.inferbus.controlplane.auth.EndpointTokens;
import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.SigningKeys;
import io.inferbus.controlplane.console.ConsoleFiles;
import io.inferbus.controlplane.console.ConsoleScoring;
import io.inferbus.controlplane.logs.LogGatherer;
import io.inferbus.controlplane.logs.TrafficLogQuery;
import io.inferbus.controlplane.metrics.ControlPlaneMetrics;
import io.inferbus.controlplane.nodes.NodeRemovals;
import io.inferbus.controlplane.operations.ClusterPublisher;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.placement.Placer;
import io.inferbus.controlplane.registry.ModelBlobs;
import io.inferbus.controlplane.evidence.EvidenceService;
import io.inferbus.controlplane.rollups.MinuteRollups;
import io.inferbus.controlplane.rollups.RollupRetention;
import io.inferbus.controlplane.statistics.StatisticsGatherer;
import io.inferbus.controlplane.statistics.StatisticsService;
import io.inferbus.controlplane.store.KeyVault;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.tokens.OperatorTokens;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.ErrorResponses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.net.InvalidRequests;
import io.inferbus.protocol.net.ReadDeadlines;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-plane role: opens the store, republishes it to the cluster, places instances on the
 * nodes with the deployment role, serves the management API over HTTPS and hands model files to
 * nodes that lack them.
 */
public final class ControlPlaneVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneVerticle.class);

  private final ClusterRecords records;
  private final ControlPlaneOptions options;
  private final SignInCodes signInCodes;
  private long signInPurge = -1;
  private Store store;
  private WorkerExecutor storeThread;
  private MinuteRollups rollups;
  private ControlPlaneServices services;
  private OperatorAuth auth;
  private EndpointTokens endpointTokens;
  private OperatorTokens operatorTokens;
  private NodeRemovals nodeRemovals;
  private ClusterMapView<InstanceState> instances;
  private Placer placer;
  private Autoscaler autoscaler;
  private ClusterPublisher publisher;
  private ControlPlaneMetrics metrics;
  private MessageConsumer<String> modelFetch;
  private ConsoleScoring consoleScoring;
  private HttpServer server;

  public ControlPlaneVerticle(ClusterRecords records, ControlPlaneOptions options) {
    this(records, options, Clock.systemUTC());
  }

  /** @param clock what the console's sign-in codes expire by (a test moves it instead of waiting) */
  public ControlPlaneVerticle(ClusterRecords records, ControlPlaneOptions options, Clock clock) {
    this.records = records;
    this.options = options;
    this.signInCodes = new SignInCodes(clock);
  }

  @Override
  public Future<?> start() {
    Path dataDir = options.dataDir();
    // One thread owns the store: operations are serialized and never block an event loop.
    storeThread = vertx.createSharedWorkerExecutor("inferbus-store", 1);
    return storeThread.executeBlocking(() -> {
      store = Store.open(dataDir);
      KeyVault vault = KeyVault.open(dataDir.resolve("secrets").resolve("vault.key"));
      SigningKeys keys = SigningKeys.loadOrCreate(dataDir.resolve("secrets"));
      return new Secrets(vault, keys);
    }).compose(secrets -> {
      KeyVault vault = secrets.vault();
      SigningKeys keys = secrets.keys();
      auth = new OperatorAuth(vertx, keys, options.trustedIssuer());
      endpointTokens = new EndpointTokens(vertx, keys);
      StoreThread storeWork = new StoreThread(store, storeThread);
      AuditLog audit = new AuditLog(storeWork);
      operatorTokens = new OperatorTokens(records, context, storeWork, audit, auth);
      nodeRemovals = new NodeRemovals(records, context, storeWork, audit);
      metrics = new ControlPlaneMetrics(options.registry(), records, context);
      instances = records.view(ClusterMaps.INSTANCES, context, InstanceState::fromJson, () -> {
        placer.instancesChanged();
        metrics.instancesChanged(instances.entries().values());
      });
      placer = new Placer(records, context, () -> instances.entries());
      publisher = new ClusterPublisher(records, context);
      services = ControlPlaneServices.create(vertx, storeWork, audit, vault,
          new ModelBlobs(dataDir.resolve("models")), publisher, placer, options.scoringBaseUrl(),
          endpointTokens.verificationKeys());
      return instances.start();
    }).compose(v -> services.republishAll())
        // after republishing: placement starts from the store's deployments, not from leftovers
        .compose(v -> placer.start())
        // autoscaling: from the republished deployments and fresh samples of the gateways
        .compose(v -> {
          autoscaler = new Autoscaler(vertx, context, records, placer, services.deployments(),
              new DemandGatherer(vertx, placer, DemandGatherer.DEFAULT_TIMEOUT_MS), System::currentTimeMillis);
          return autoscaler.start();
        })
        .compose(v -> metrics.start())
        .compose(v -> operatorTokens.start()) // revoked tokens are refused from the first request on
        .compose(v -> nodeRemovals.start())
        // after placement and the node table: rollouts in progress carry on from their stored steps
        .compose(v -> services.rollouts().resume())
        .compose(v -> {
          modelFetch = vertx.eventBus().consumer(Addresses.MODEL_FETCH, this::serveModel);
          return modelFetch.completion();
        })
        .compose(v -> {
          server = vertx.createHttpServer(options.tls().httpsOptions(options.host(), options.port()));
          // the gateway the console's test tab calls presents this node's certificate
          consoleScoring = new ConsoleScoring(vertx, services.endpoints(), endpointTokens, options.tls().certFile());
          TrafficLogQuery trafficLog = new TrafficLogQuery(placer, new LogGatherer(vertx, LogGatherer.DEFAULT_TIMEOUT_MS));
          // an unused code's token leaves memory within a lifetime of its expiry, even if nobody asks again
          signInPurge = vertx.setPeriodic(SignInCodes.LIFETIME.toMillis(), id -> signInCodes.purge());
          ConsoleSignIn console = new ConsoleSignIn(signInCodes, auth, options.publicUrl());
          StatisticsGatherer gatherer = new StatisticsGatherer(vertx, placer, StatisticsGatherer.DEFAULT_TIMEOUT_MS);
          StatisticsService statistics = new StatisticsService(services.storeThread(), gatherer,
              System::currentTimeMillis);
          rollups = new MinuteRollups(services.storeThread(), gatherer, System::currentTimeMillis,
              RollupRetention.fromEnvironment());
          rollups.start(vertx);
          EvidenceService evidence = new EvidenceService(services.storeThread(), rollups, System::currentTimeMillis);
          // slow clients cannot hold the management port's connections either (docs/operations.md)
          ReadDeadlines deadlines = new ReadDeadlines(vertx, options.requestReadTimeoutMs(),
              ControlPlaneVerticle::bodyOverdue);
          return server.connectionHandler(connection -> deadlines.opened(connection, null))
              .invalidRequestHandler(InvalidRequests::answer)
              .requestHandler(deadlines.guard(new ManagementApi(vertx, services, auth, endpointTokens, operatorTokens, nodeRemovals,
                  trafficLog, metrics, console, statistics, new ConsoleFiles(vertx), consoleScoring, evidence).router()))
              .listen();
        })
        .onSuccess(s -> LOG.info("control plane listening on https://{}:{}", options.host(), s.actualPort()));
  }

  /** What start reads from the data dir on the store's thread, handed to the event-loop steps that follow. */
  private record Secrets(KeyVault vault, SigningKeys keys) {}

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(signInPurge);
    if (rollups != null) {
      rollups.stop(vertx);
    }
    if (autoscaler != null) {
      autoscaler.stop();
    }
    if (services != null) {
      services.rollouts().stop();
    }
    if (placer != null) {
      placer.stop();
    }
    if (publisher != null) {
      publisher.stop();
    }
    if (instances != null) {
      instances.stop();
    }
    if (metrics != null) {
      metrics.stop();
    }
    if (nodeRemovals != null) {
      nodeRemovals.stop();
    }
    if (operatorTokens != null) {
      operatorTokens.stop();
    }
    Future<Void> closed = server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
    return closed
        .eventually(() -> modelFetch == null ? Future.succeededFuture() : modelFetch.unregister())
        .eventually(() -> consoleScoring == null ? Future.succeededFuture() : consoleScoring.close())
        .eventually(() -> storeThread.executeBlocking(() -> {
          if (store != null) {
            store.close();
          }
          return null;
        }))
        .eventually(() -> storeThread.close());
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** The services, for in-process callers (the node bootstrap registers the example through them). */
  public ControlPlaneServices services() {
    return services;
  }

  public OperatorAuth auth() {
    return auth;
  }

  /** A 408 in the management API's error format (its request id is already on the answer). */
  private static Future<Void> bodyOverdue(RoutingContext ctx, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return Future.succeededFuture();
    }
    LOG.info("request {} {} {}: {} {}", ctx.response().headers().get(RequestIds.HEADER), ctx.request().method(),
        ctx.request().path(), FailureKind.TIMED_OUT.httpStatus(), message);
    return ErrorResponses.send(ctx.response(), new InferbusException(FailureKind.TIMED_OUT, message));
  }

  private void serveModel(Message<String> request) {
    String sha256 = request.body();
    vertx.executeBlocking(() -> {
      Path file = services.models().file(sha256);
      return file == null ? null : Buffer.buffer(Files.readAllBytes(file));
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("cannot read model {}", sha256, ar.cause());
        request.fail(FailureKind.INTERNAL.eventBusCode(), "cannot read model " + sha256);
      } else if (ar.result() == null) {
        request.fail(FailureKind.NOT_FOUND.eventBusCode(), "no model with sha256 " + sha256);
      } else {
        request.reply(ar.result());
      }
    });
  }
}
