package io.inferbus.gateway;

import io.inferbus.gateway.connections.ConnectionLimit;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.gateway.scoring.ScoringHandler;
import io.inferbus.gateway.scoring.SharedScoring;
import io.inferbus.protocol.ErrorResponses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.net.InvalidRequests;
import io.inferbus.protocol.net.ReadDeadlines;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring port's HTTPS server on one event loop. The gateway deploys one per event loop of the
 * node, all listening on the same port: Vert.x accepts each connection once and hands connections to
 * the servers' loops in turn, and a connection stays on its loop, so its TLS, HTTP, authentication
 * and routing run there and a node's loops share the work. What a server keeps to itself belongs to
 * its connections: their read deadlines and the requests in flight on them; the routing table, the
 * meters, the authenticator, the connection cap and the traffic log are the node's
 * ({@link GatewayVerticle}).
 */
final class ScoringServerVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ScoringServerVerticle.class);

  private final GatewayOptions options;
  private final int listenPort;
  private final Supplier<RoutingTable> table;
  private final SharedScoring shared;
  private final ConnectionLimit connections;
  private final BooleanSupplier gatewayReady;
  private ScoringHandler scoring;
  private ReadDeadlines readDeadlines;
  private Counter accepted;
  private HttpServer server;
  private volatile boolean serving;

  /**
   * @param listenPort the port to listen on; every server of the gateway gives the same one, so that
   *     they share it (a negative one for a shared random port)
   * @param gatewayReady whether the gateway as a whole serves (for {@code /v2/health/ready})
   */
  ScoringServerVerticle(GatewayOptions options, int listenPort, Supplier<RoutingTable> table, SharedScoring shared,
      ConnectionLimit connections, BooleanSupplier gatewayReady) {
    this.options = options;
    this.listenPort = listenPort;
    this.table = table;
    this.shared = shared;
    this.connections = connections;
    this.gatewayReady = gatewayReady;
  }

  @Override
  public Future<?> start() {
    // registered once per loop; a second server on the same loop (more servers than loops) counts into it
    accepted = Counter.builder("inferbus.gateway.connections.accepted")
        .tag("event_loop", Thread.currentThread().getName())
        .description("connections the gateway port accepted, by the event loop that serves them")
        .register(options.metrics());
    scoring = new ScoringHandler(vertx, table, shared);
    readDeadlines = new ReadDeadlines(vertx, options.requestReadTimeoutMs(),
        (ctx, message) -> ScoringHandler.fail(ctx, protocolOf(ctx), FailureKind.TIMED_OUT, message));
    server = vertx.createHttpServer(options.tls().httpsOptions(options.host(), listenPort));
    return server.connectionHandler(this::connected).requestHandler(router())
        .invalidRequestHandler(InvalidRequests::answer).listen()
        .onSuccess(s -> serving = true);
  }

  @Override
  public Future<?> stop() {
    serving = false;
    // in-flight requests finish (still routed, and still sent elsewhere if their node leaves);
    // new connections go to the servers still listening, or are refused once none is
    return server == null ? Future.succeededFuture() : server.shutdown(10, TimeUnit.SECONDS);
  }

  /** The port this server listens on (the same for every server of the gateway). */
  int actualPort() {
    return server.actualPort();
  }

  /** Listening, and not stopping. */
  boolean serving() {
    return serving;
  }

  /**
   * The node left the cluster: this loop's requests in flight there are sent elsewhere, on this
   * loop. Call after the routing table stopped listing the node's instances; the future holds how
   * many there were.
   */
  Future<Integer> nodeLeft(String node) {
    Promise<Integer> moved = Promise.promise();
    context.runOnContext(v -> moved.complete(scoring.nodeLeft(node)));
    return moved.future();
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
      if (gatewayReady.getAsBoolean()) {
        ctx.response().putHeader("content-type", "application/json").end(new JsonObject().put("ready", true).toBuffer());
      } else {
        ScoringHandler.fail(ctx, ScoringProtocol.OPEN_INFERENCE, FailureKind.UNAVAILABLE, "the gateway is not ready");
      }
    });
    router.get("/v2").handler(ctx -> ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("name", GatewayVerticle.SERVER_NAME).put("version", GatewayVerticle.VERSION)
            .put("extensions", new JsonArray().add("binary_tensor_data")).toBuffer()));
    router.route().last().handler(ctx -> ScoringHandler.fail(ctx, protocolOf(ctx),
        FailureKind.NOT_FOUND, "no route " + ctx.request().method() + " " + ctx.request().path()));
    router.route().failureHandler(this::failure);
    return router;
  }

  /** A connection opened: counted against the cap and by its loop, and given its read deadlines. */
  private void connected(HttpConnection connection) {
    accepted.increment();
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
    ErrorResponses.send(ctx.response(), protocolOf(ctx), FailureKind.UNAVAILABLE.httpStatus(),
        ConnectionLimit.TOO_MANY_CONNECTIONS, connections.message()).onComplete(ar -> connection.close());
  }

  /**
   * The protocol of the route the request is on, by its path, whose shape its errors take: the Open
   * Inference Protocol's under {@code /v2}, Azure ML style elsewhere.
   */
  private static ScoringProtocol protocolOf(RoutingContext ctx) {
    return ctx.request().path().startsWith("/v2") ? ScoringProtocol.OPEN_INFERENCE : ScoringProtocol.AZURE_ML;
  }

  /** Failures raised by Vert.x handlers (body too large, bad request) or by a bug. */
  private void failure(RoutingContext ctx) {
    ScoringProtocol protocol = protocolOf(ctx);
    int status = ctx.statusCode();
    if (status == 413) {
      ScoringHandler.fail(ctx, protocol, FailureKind.TOO_LARGE,
          "the request body is larger than " + options.maxBodyBytes() + " bytes");
    } else if (status == 405) {
      ScoringHandler.fail(ctx, protocol, FailureKind.NOT_FOUND, "method " + ctx.request().method() + " not allowed on "
          + ctx.request().path());
    } else if (status >= 400 && status < 500) {
      ScoringHandler.fail(ctx, protocol, FailureKind.BAD_INPUT, "bad request");
    } else {
      LOG.error("request {}: unexpected failure", ScoringHandler.requestId(ctx), ctx.failure());
      ScoringHandler.fail(ctx, protocol, FailureKind.INTERNAL, "internal error");
    }
  }
}
