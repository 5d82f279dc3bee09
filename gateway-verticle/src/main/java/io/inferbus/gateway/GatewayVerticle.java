package io.inferbus.gateway;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.gateway.auth.EndpointAuthenticator;
import io.inferbus.gateway.connections.ConnectionLimit;
import io.inferbus.gateway.errors.ErrorResponses;
import io.inferbus.gateway.routing.ClusterNodes;
import io.inferbus.gateway.routing.InstanceLoad;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.gateway.scoring.ScoringHandler;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.inferbus.gateway.trafficlog.TrafficLogFiles;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.net.ReadDeadlines;
import io.inferbus.protocol.net.TlsServerConfig;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway role: terminates HTTPS on the scoring port and serves the scoring routes (Azure ML
 * style and the Open Inference Protocol). Keeps an immutable {@link RoutingTable} built from the
 * cluster's tables, rebuilt on their changes.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  public static final String SERVER_NAME = "inferbus";
  public static final String VERSION = "0.1.0";

  private final ClusterRecords records;
  private final HazelcastInstance hazelcast;
  private final GatewayOptions options;
  private volatile RoutingTable table = RoutingTable.EMPTY;
  /** Requests this gateway has outstanding at each instance, for choosing the less loaded. */
  private final InstanceLoad load = new InstanceLoad();
  private ClusterMapView<EndpointState> endpoints;
  private ClusterMapView<DeploymentState> deployments;
  private ClusterMapView<InstanceState> instances;
  private boolean rebuildScheduled;
  private UUID membershipListener;
  private ScoringHandler scoring;
  private ReadDeadlines readDeadlines;
  private ConnectionLimit connections;
  private HttpServer server;
  private volatile boolean ready;
  private TrafficLog trafficLog = TrafficLog.OFF;

  public GatewayVerticle(ClusterRecords records, GatewayOptions options) {
    this.records = records;
    this.hazelcast = records.hazelcast();
    this.options = options;
  }

  @Override
  public Future<?> start() {
    endpoints = records.view(ClusterMaps.ENDPOINTS, context, EndpointState::fromJson, this::scheduleRebuild);
    deployments = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, this::scheduleRebuild);
    instances = records.view(ClusterMaps.INSTANCES, context, InstanceState::fromJson, this::scheduleRebuild);
    trafficLog = options.trafficLogDir() == null ? TrafficLog.OFF : TrafficLog.forNode(options.nodeId());
    if (trafficLog.enabled()) {
      vertx.setPeriodic(TrafficLog.FLUSH_INTERVAL_MS, t -> trafficLog.flush());
    }
    scoring = new ScoringHandler(vertx, () -> table, options.metrics(),
        new EndpointAuthenticator(vertx, options.trustedIssuer()), trafficLog);
    readDeadlines = new ReadDeadlines(vertx, options.requestReadTimeoutMs(),
        (ctx, message) -> ScoringHandler.fail(ctx, openInference(ctx), FailureKind.TIMED_OUT, message));
    connections = new ConnectionLimit(options.maxConnections(), options.metrics());
    return Future.all(endpoints.start(), deployments.start(), instances.start())
        .compose(v -> serveTrafficLog())
        .compose(v -> {
          watchMembers();
          rebuild();
          server = vertx.createHttpServer(options.tls().httpsOptions(options.host(), options.port()));
          return server.connectionHandler(this::connected).requestHandler(router())
              .invalidRequestHandler(GatewayVerticle::invalidRequest).listen();
        })
        .onSuccess(s -> {
          ready = true;
          LOG.info("gateway listening on https://{}:{} (TLS engine: {})", options.host(), s.actualPort(), TlsServerConfig.engine());
        })
        .onFailure(e -> stopWatching()); // Vert.x does not call stop() after a failed start
  }

  @Override
  public Future<?> stop() {
    ready = false;
    // in-flight requests finish (still routed, and still sent elsewhere if their node leaves);
    // new connections are refused
    Future<Void> drained = server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
    return drained.onComplete(ar -> {
      stopWatching();
      trafficLog.flush(); // the lines of the requests it just finished
    });
  }

  /**
   * Answers the control plane's traffic-log queries ({@link Addresses#trafficLog}) from this node's
   * files, read on a worker. With the traffic log off the answer says so and holds no lines.
   */
  private Future<Void> serveTrafficLog() {
    if (options.nodeId() == null) {
      return Future.succeededFuture();
    }
    TrafficLogFiles files = options.trafficLogDir() == null ? null : new TrafficLogFiles(options.trafficLogDir());
    return vertx.eventBus().<JsonObject>consumer(Addresses.trafficLog(options.nodeId()), message -> {
      if (files == null) {
        message.reply(new JsonObject().put("node", options.nodeId()).put("lines", new JsonArray())
            .put("logging", "off"));
        return;
      }
      TrafficLogFiles.Query query = TrafficLogFiles.Query.fromJson(message.body());
      trafficLog.flush(); // what this gateway has answered so far, on its way to the file
      vertx.executeBlocking(() -> files.reply(options.nodeId(), query), false).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          LOG.warn("cannot read the traffic log in {}: {}", options.trafficLogDir(), ar.cause().toString());
          message.fail(FailureKind.INTERNAL.eventBusCode(), "cannot read the traffic log of node " + options.nodeId());
        }
      });
    }).completion();
  }

  /** Hears of members joining and leaving (Hazelcast calls the listener on its own threads). */
  private void watchMembers() {
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        context.runOnContext(v -> membersChanged(null));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String node = ClusterNodes.nodeId(event.getMember());
        context.runOnContext(v -> membersChanged(node));
      }
    });
  }

  /** Stops the cluster listeners; a member already shut down has none left to remove. */
  private void stopWatching() {
    try {
      if (membershipListener != null) {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
        membershipListener = null;
      }
      endpoints.stop();
      deployments.stop();
      instances.stop();
    } catch (com.hazelcast.core.HazelcastInstanceNotActiveException stopped) {
      LOG.debug("the cluster member stopped before the gateway; its listeners went with it");
    }
  }

  /** The port the gateway listens on (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  public boolean ready() {
    return ready;
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.route().handler(readDeadlines::headArrived);
    router.route().handler(ScoringHandler::assignRequestId);
    router.route().handler(this::refuseOverCap);
    // the caller is authenticated from the head before any of the body is read
    BodyHandler body = BodyHandler.create(false).setBodyLimit(options.maxBodyBytes());
    router.post("/endpoints/:endpoint/score").handler(scoring.authenticateBeforeBody(ScoringProtocol.AZURE_ML))
        .handler(body).handler(scoring::scoreAzure);
    router.get("/endpoints/:endpoint/swagger.json").handler(scoring::openApiDocument);
    router.post("/v2/models/:endpoint/infer").handler(scoring.authenticateBeforeBody(ScoringProtocol.OPEN_INFERENCE))
        .handler(body).handler(scoring::scoreOpenInference);
    router.post("/v2/models/:endpoint/versions/:deployment/infer")
        .handler(scoring.authenticateBeforeBody(ScoringProtocol.OPEN_INFERENCE))
        .handler(body).handler(scoring::scoreOpenInference);
    router.get("/v2/models/:endpoint").handler(scoring::modelMetadata);
    router.get("/v2/models/:endpoint/ready").handler(scoring::modelReady);
    router.get("/v2/models/:endpoint/versions/:deployment").handler(scoring::modelMetadata);
    router.get("/v2/models/:endpoint/versions/:deployment/ready").handler(scoring::modelReady);
    router.get("/v2/health/live").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("live", true).toBuffer()));
    router.get("/v2/health/ready").handler(ctx -> {
      if (ready) {
        ctx.response().putHeader("content-type", "application/json").end(new JsonObject().put("ready", true).toBuffer());
      } else {
        ScoringHandler.fail(ctx, true, FailureKind.UNAVAILABLE, "the gateway is not ready");
      }
    });
    router.get("/v2").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("name", SERVER_NAME).put("version", VERSION)
            .put("extensions", new JsonArray().add("binary_tensor_data")).toBuffer()));
    router.route().last().handler(ctx -> ScoringHandler.fail(ctx, openInference(ctx),
        FailureKind.NOT_FOUND, "no route " + ctx.request().method() + " " + ctx.request().path()));
    router.route().failureHandler(this::failure);
    return router;
  }

  /** A connection opened: counted against the cap, and given its read deadlines. */
  private void connected(HttpConnection connection) {
    boolean counted = connections.opened(connection);
    readDeadlines.opened(connection, v -> connections.closed(connection, counted));
  }

  /** A request on a connection opened over the cap: answered 503 without reading its body, then closed. */
  private void refuseOverCap(RoutingContext ctx) {
    HttpConnection connection = ctx.request().connection();
    if (!connections.refuses(connection)) {
      ctx.next();
      return;
    }
    LOG.debug("request {} {} {}: 503 {}", ScoringHandler.requestId(ctx), ctx.request().method(), ctx.request().path(),
        connections.message());
    ctx.response().putHeader("connection", "close");
    ErrorResponses.send(ctx.response(), openInference(ctx), FailureKind.UNAVAILABLE.httpStatus(),
        ConnectionLimit.TOO_MANY_CONNECTIONS, connections.message()).onComplete(ar -> connection.close());
  }

  /** Whether the request is on an Open Inference Protocol route, whose errors have that protocol's shape. */
  private static boolean openInference(RoutingContext ctx) {
    return ctx.request().path().startsWith("/v2");
  }

  /**
   * A request HTTP itself could not decode (a request line or headers over the limits, garbage):
   * answered, like every refusal, with a JSON error and a request id, then the connection closes.
   */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String code;
    String message;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      status = 414;
      code = "UriTooLong";
      message = "the request line is longer than " + io.vertx.core.http.HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH
          + " bytes";
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      status = 431;
      code = "RequestHeaderFieldsTooLarge";
      message = "the request headers are larger than " + io.vertx.core.http.HttpServerOptions.DEFAULT_MAX_HEADER_SIZE
          + " bytes";
    } else {
      status = 400;
      code = FailureKind.BAD_INPUT.code();
      message = "malformed HTTP request";
    }
    String requestId = java.util.UUID.randomUUID().toString();
    LOG.debug("request {}: {} {}", requestId, status, message);
    request.response().putHeader(ScoringHandler.REQUEST_ID, requestId);
    ErrorResponses.send(request.response(), false, status, code, message)
        .onComplete(ar -> request.connection().close());
  }

  /** Failures raised by Vert.x handlers (body too large, bad request) or by a bug. */
  private void failure(RoutingContext ctx) {
    boolean v2 = openInference(ctx);
    int status = ctx.statusCode();
    if (status == 413) {
      ScoringHandler.fail(ctx, v2, FailureKind.TOO_LARGE,
          "the request body is larger than " + options.maxBodyBytes() + " bytes");
    } else if (status == 405) {
      ScoringHandler.fail(ctx, v2, FailureKind.NOT_FOUND, "method " + ctx.request().method() + " not allowed on "
          + ctx.request().path());
    } else if (status >= 400 && status < 500) {
      ScoringHandler.fail(ctx, v2, FailureKind.BAD_INPUT, "bad request");
    } else {
      LOG.error("request {}: unexpected failure", ScoringHandler.requestId(ctx), ctx.failure());
      ScoringHandler.fail(ctx, v2, FailureKind.INTERNAL, "internal error");
    }
  }

  private void scheduleRebuild() {
    if (!rebuildScheduled) {
      rebuildScheduled = true;
      context.runOnContext(v -> rebuild());
    }
  }

  private void rebuild() {
    rebuildScheduled = false;
    table = RoutingTable.build(endpoints.entries(), deployments.entries(), instances.entries(), load,
        ClusterNodes.members(hazelcast));
    scoring.tableChanged(table);
  }

  /**
   * A member joined or left ({@code leftNode}: the node that left, if known). The routing table
   * stops listing a departed node's instances at once (the control plane removes their entries a
   * moment later), then the requests in flight there are sent elsewhere instead of waiting for
   * their deadline: a dead node never answers.
   */
  private void membersChanged(String leftNode) {
    rebuild();
    if (leftNode != null) {
      int moved = scoring.nodeLeft(leftNode);
      LOG.info("node {} left the cluster; {} request(s) in flight there sent to other instances", leftNode, moved);
    }
  }
}
