package io.inferbus.gateway.scoring;

import io.inferbus.gateway.auth.AuthRefusal;
import io.inferbus.gateway.auth.EndpointAuthenticator;
import io.inferbus.gateway.openapi.OpenApiDocument;
import io.inferbus.gateway.routing.DeploymentRoute;
import io.inferbus.gateway.routing.EndpointRoute;
import io.inferbus.gateway.routing.InstanceRoute;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.gateway.statistics.RecentStatistics;
import io.inferbus.gateway.trafficlog.TraceContext;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.inferbus.gateway.trafficlog.TrafficRecord;
import io.inferbus.protocol.ErrorResponses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.delivery.LocalInstances;
import io.inferbus.protocol.delivery.ScoringAnswer;
import io.inferbus.protocol.delivery.ScoringCall;
import io.inferbus.protocol.net.CallerUrls;
import io.inferbus.protocol.net.Cidr;
import io.inferbus.protocol.net.ForwardedFor;
import io.inferbus.protocol.net.NetworkAccess;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.stats.TrafficKind;
import io.inferbus.protocol.tensor.InferenceHeaderLength;
import io.inferbus.protocol.tensor.ModelSignature;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring path: authenticate from memory as the request's head arrives (before its body is
 * read), choose a deployment and a ready instance from the current routing snapshot, forward the
 * body untouched over the event bus, map the answer.
 */
public final class ScoringHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ScoringHandler.class);
  public static final String REQUEST_ID = RequestIds.HEADER;
  public static final String CLIENT_REQUEST_ID = "x-ms-client-request-id";
  public static final String DEPLOYMENT_HEADER = "azureml-model-deployment";
  private static final String REQUEST_ID_KEY = "inferbus.request-id";
  /** The request's {@link TrafficRecord}, once its endpoint is known to exist. */
  private static final String TRAFFIC_KEY = "inferbus.traffic";
  private static final String HEAD_NANOS_KEY = "inferbus.head-nanos";
  private static final String HEAD_MILLIS_KEY = "inferbus.head-millis";
  /** The error code of the answer, when it is a failure. */
  private static final String ERROR_CODE_KEY = "inferbus.error-code";
  /** Retry reasons ({@code inferbus_gateway_retries_total{reason}}): the node left with the request in flight. */
  static final String NODE_LEFT = "node_left";
  /** The instance's consumer was gone when the request arrived. */
  static final String INSTANCE_GONE = "instance_gone";

  private final Vertx vertx;
  private final Supplier<RoutingTable> table;
  private final Mirroring mirroring;
  private final EndpointAuthenticator authenticator;
  private final List<Cidr> trustedProxies;
  /** This loop's requests in flight: each is answered on the loop it came in on, so none is shared. */
  private final InFlightRequests inFlight = new InFlightRequests();
  private final ScoringMetrics metrics;
  private final RecentStatistics statistics;
  private final TrafficLog trafficLog;
  private final LocalInstances local;
  private final ColdStartHold coldStarts;

  /**
   * The scoring path of one of the gateway's event loops: its own requests in flight, and the
   * node's {@code table} and {@code shared} parts.
   */
  public ScoringHandler(Vertx vertx, Supplier<RoutingTable> table, SharedScoring shared) {
    this.vertx = vertx;
    this.table = table;
    this.mirroring = shared.mirroring;
    this.authenticator = shared.authenticator;
    this.metrics = shared.metrics;
    this.statistics = shared.statistics;
    this.trafficLog = shared.trafficLog;
    this.local = shared.local;
    this.trustedProxies = shared.trustedProxies;
    this.coldStarts = shared.coldStarts;
  }

  /**
   * First handler on every route, as the request's head arrives (before its body is read): notes
   * the time, assigns the request id and echoes the ids callers sent.
   */
  public static void assignRequestId(RoutingContext ctx) {
    ctx.put(HEAD_NANOS_KEY, System.nanoTime());
    ctx.put(HEAD_MILLIS_KEY, System.currentTimeMillis());
    HttpServerRequest req = ctx.request();
    String id = RequestIds.accept(req.getHeader(REQUEST_ID));
    ctx.put(REQUEST_ID_KEY, id);
    ctx.response().putHeader(REQUEST_ID, id);
    String clientId = req.getHeader(CLIENT_REQUEST_ID);
    if (clientId != null && clientId.length() <= 128) {
      ctx.response().putHeader(CLIENT_REQUEST_ID, clientId);
    }
    ctx.next();
  }

  public static String requestId(RoutingContext ctx) {
    return ctx.get(REQUEST_ID_KEY);
  }

  /** {@code POST /endpoints/:endpoint/score} */
  public void scoreAzure(RoutingContext ctx) {
    score(ctx, ScoringProtocol.AZURE_ML, ctx.pathParam("endpoint"), ctx.request().getHeader(DEPLOYMENT_HEADER));
  }

  /** {@code POST /v2/models/:endpoint/infer} and {@code .../versions/:deployment/infer} */
  public void scoreOpenInference(RoutingContext ctx) {
    String pinned = ctx.pathParam("deployment");
    if (pinned == null) {
      pinned = ctx.request().getHeader(DEPLOYMENT_HEADER);
    }
    score(ctx, ScoringProtocol.OPEN_INFERENCE, ctx.pathParam("endpoint"), pinned);
  }

  /** {@code GET /v2/models/:endpoint[/versions/:deployment]}: the model's signature. */
  public void modelMetadata(RoutingContext ctx) {
    resolveForMetadata(ctx, route -> modelMetadata(ctx, route));
  }

  private void modelMetadata(RoutingContext ctx, DeploymentRoute route) {
    InstanceRoute picked = route.pickInstance();
    InstanceState instance = picked == null ? null : picked.state();
    if (instance == null || instance.signature() == null) {
      fail(ctx, ScoringProtocol.OPEN_INFERENCE, FailureKind.UNAVAILABLE, "deployment '" + route.name()
          + "' has no ready instance");
      return;
    }
    JsonObject signature = instance.signature();
    JsonObject body = new JsonObject()
        .put("name", ctx.pathParam("endpoint"))
        .put("versions", new JsonArray().add(route.name()))
        .put("platform", "onnxruntime_onnx")
        .put("inputs", signature.getJsonArray("inputs"))
        .put("outputs", signature.getJsonArray("outputs"));
    ctx.response().putHeader(DEPLOYMENT_HEADER, route.name()).putHeader("content-type", "application/json")
        .end(body.toBuffer());
  }

  /** {@code GET /v2/models/:endpoint[/versions/:deployment]/ready}: 200 when an instance is ready. */
  public void modelReady(RoutingContext ctx) {
    resolveForMetadata(ctx, route -> modelReady(ctx, route));
  }

  private void modelReady(RoutingContext ctx, DeploymentRoute route) {
    if (route.readyInstances().isEmpty()) {
      fail(ctx, ScoringProtocol.OPEN_INFERENCE, FailureKind.UNAVAILABLE, "deployment '" + route.name()
          + "' has no ready instance");
    } else {
      ctx.response().putHeader(DEPLOYMENT_HEADER, route.name()).putHeader("content-type", "application/json")
          .end(new JsonObject().put("name", ctx.pathParam("endpoint")).put("ready", true).toBuffer());
    }
  }

  /**
   * {@code GET /endpoints/:endpoint/swagger.json}: the endpoint's OpenAPI document (its
   * {@code openapi_uri}), from the signatures of its deployments with live traffic that have a ready
   * instance; authenticated like scoring, since it shows the models' signatures.
   */
  public void openApiDocument(RoutingContext ctx) {
    String endpointName = ctx.pathParam("endpoint");
    authorize(ctx, endpointName, table.get().endpoint(endpointName))
        .onSuccess(endpoint -> openApiDocument(ctx, endpoint))
        .onFailure(e -> refused(ctx, ScoringProtocol.AZURE_ML, e));
  }

  private void openApiDocument(RoutingContext ctx, EndpointRoute endpoint) {
    String endpointName = endpoint.endpoint().name();
    List<DeploymentRoute> live = endpoint.withTraffic();
    if (live.isEmpty()) {
      fail(ctx, ScoringProtocol.AZURE_ML, FailureKind.NOT_FOUND, "endpoint '" + endpointName
          + "' has no deployment with traffic");
      return;
    }
    Map<String, ModelSignature> signatures = new LinkedHashMap<>();
    for (DeploymentRoute deployment : live) {
      deployment.readyInstances().stream().map(InstanceState::signature).filter(Objects::nonNull).findFirst()
          .ifPresent(signature -> signatures.put(deployment.name(), ModelSignature.fromJson(signature)));
    }
    if (signatures.isEmpty()) {
      fail(ctx, ScoringProtocol.AZURE_ML, FailureKind.UNAVAILABLE, "no deployment with traffic of endpoint '"
          + endpointName + "' has a ready instance");
      return;
    }
    JsonObject document = OpenApiDocument.build(endpointName, endpoint.endpoint().authMode(),
        CallerUrls.baseUrl(ctx.request()), signatures);
    ctx.response().putHeader("content-type", "application/json").end(document.toBuffer());
  }

  /** Authenticates the caller and hands {@code then} the deployment the metadata route names; answers the failures. */
  private void resolveForMetadata(RoutingContext ctx, java.util.function.Consumer<DeploymentRoute> then) {
    String endpointName = ctx.pathParam("endpoint");
    authorize(ctx, endpointName, table.get().endpoint(endpointName)).onSuccess(endpoint -> {
      String pinned = ctx.pathParam("deployment");
      DeploymentRoute route = pinned != null ? endpoint.deployment(pinned) : endpoint.primary();
      if (route == null) {
        fail(ctx, ScoringProtocol.OPEN_INFERENCE, FailureKind.NOT_FOUND, pinned != null
            ? "endpoint '" + endpoint.endpoint().name() + "' has no deployment '" + pinned + "'"
            : "endpoint '" + endpoint.endpoint().name() + "' has no deployment with traffic");
      } else {
        then.accept(route);
      }
    }).onFailure(e -> refused(ctx, ScoringProtocol.OPEN_INFERENCE, e));
  }

  /**
   * The first handler of a scoring route, before its body handler: finds the endpoint and
   * authenticates the caller from the request's head, so a caller without access cannot make the
   * gateway read (or buffer) a body. An unknown endpoint (404) or a refused caller (401, 403) is
   * answered at once and the connection closed, leaving the body unread; an accepted request goes on
   * to the body handler. When the decision must wait (the trusted issuer reads its keys again for a
   * token signed by a new key), the request is paused meanwhile and resumed by the body handler.
   * A platform handler, so that Vert.x Web runs it before the route's body handler.
   */
  public Handler<RoutingContext> authenticateBeforeBody(ScoringProtocol protocol) {
    return new AuthenticateBeforeBody(protocol);
  }

  private final class AuthenticateBeforeBody implements PlatformHandler {
    private final ScoringProtocol protocol;

    AuthenticateBeforeBody(ScoringProtocol protocol) {
      this.protocol = protocol;
    }

    @Override
    public void handle(RoutingContext ctx) {
      String endpointName = ctx.pathParam("endpoint");
      EndpointRoute known = table.get().endpoint(endpointName);
      measure(ctx, known, protocol);
      Future<EndpointRoute> decided = authorize(ctx, endpointName, known);
      if (!decided.isComplete()) {
        ctx.request().pause(); // nothing of the body is read, nor lost, while the decision waits
      }
      decided.onSuccess(endpoint -> ctx.next()).onFailure(e -> {
        ctx.response().putHeader("connection", "close");
        HttpConnection connection = ctx.request().connection();
        refused(ctx, protocol, e).onComplete(ar -> connection.close());
      });
    }
  }

  /**
   * A request whose caller {@link #authenticateBeforeBody} accepted, with its body read: routed by the
   * table as it is now (it may have changed while the body arrived).
   */
  private void score(RoutingContext ctx, ScoringProtocol protocol, String endpointName, String pinned) {
    score(ctx, protocol, endpointName, pinned, 0);
  }

  /** @param heldDeadlineNanos the deadline of a request that waited for an instance to start; 0 for one that did not */
  private void score(RoutingContext ctx, ScoringProtocol protocol, String endpointName, String pinned,
      long heldDeadlineNanos) {
    EndpointRoute endpoint = table.get().endpoint(endpointName);
    if (endpoint == null) {
      fail(ctx, protocol, FailureKind.NOT_FOUND, "no endpoint named '" + endpointName + "' (it was deleted)");
      return;
    }
    DeploymentRoute deployment;
    if (pinned != null) {
      deployment = endpoint.deployment(pinned);
      if (deployment == null) {
        fail(ctx, protocol, FailureKind.NOT_FOUND, "endpoint '" + endpointName + "' has no deployment '" + pinned
            + "'");
        return;
      }
    } else {
      deployment = endpoint.chooseByWeight();
      if (deployment == null) {
        fail(ctx, protocol, FailureKind.NOT_FOUND, "endpoint '" + endpointName
            + "' has no deployment with traffic; set traffic or pin one with the azureml-model-deployment header");
        return;
      }
    }
    HttpServerResponse response = ctx.response();
    response.putHeader(DEPLOYMENT_HEADER, deployment.name());
    TrafficRecord routed = ctx.get(TRAFFIC_KEY);
    if (routed != null) { // the revision whose table chose the deployment: the evidence bundle counts by it
      routed.trafficRevision = endpoint.endpoint().trafficRevision();
    }
    InstanceRoute instance = deployment.pickInstance();
    int timeoutMs = deployment.deployment().requestSettings().requestTimeoutMs();
    long deadlineNanos = heldDeadlineNanos != 0 ? heldDeadlineNanos : System.nanoTime() + timeoutMs * 1_000_000L;
    if (instance == null) {
      if (deployment.deployment().autoscaled()) { // scaled to zero, or starting: wait for an instance
        holdForInstance(ctx, protocol, endpointName, deployment, deadlineNanos);
        return;
      }
      fail(ctx, protocol, FailureKind.UNAVAILABLE, "deployment '" + deployment.name() + "' has no ready instance");
      return;
    }
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      fail(ctx, protocol, FailureKind.BAD_INPUT, "the request body is empty");
      return;
    }
    TrafficRecord record = ctx.get(TRAFFIC_KEY);
    int jsonLength = InferenceHeaderLength.ALL_JSON;
    if (protocol == ScoringProtocol.OPEN_INFERENCE) {
      try {
        jsonLength = InferenceHeaderLength.parse(ctx.request().getHeader(ScoringHeaders.INFERENCE_HEADER_LENGTH),
            body.length());
      } catch (InferbusException e) {
        fail(ctx, protocol, e);
        return;
      }
    }
    Outbound out = new Outbound(body, protocol, requestId(ctx), jsonLength, record.traceparent);
    long leftMs = heldDeadlineNanos == 0 ? timeoutMs : Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    instance.sent();
    if (pinned == null) {
      DeploymentRoute shadow = endpoint.chooseMirror();
      if (shadow != null && shadow != deployment) {
        mirroring.send(endpoint.endpoint().name(), shadow, body, out.delivery(leftMs), record);
      }
    }
    forward(ctx, endpoint.endpoint().name(), deployment, instance, out, leftMs, deadlineNanos, false);
  }

  // ------------------------------------------------------------ scale to zero

  /**
   * An autoscaled deployment without a ready instance: the request waits ({@link ColdStartHold}) for
   * one within its deadline, then is routed again to that deployment (pinned to it, so neither the
   * traffic weights nor a mirror draw again) with what is left of its deadline; refused if it cannot
   * wait. A body that is refused anyway is refused first, without waking anything.
   */
  private void holdForInstance(RoutingContext ctx, ScoringProtocol protocol, String endpointName,
      DeploymentRoute deployment, long deadlineNanos) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      fail(ctx, protocol, FailureKind.BAD_INPUT, "the request body is empty");
      return;
    }
    coldStarts.await(endpointName, deployment.deployment(), deadlineNanos).onComplete(ar -> {
      if (ctx.response().ended() || ctx.response().closed()) {
        return; // the caller went away while it waited
      }
      if (ar.failed()) {
        fail(ctx, protocol, ar.cause() instanceof InferbusException e ? e
            : new InferbusException(FailureKind.INTERNAL, "internal error"));
      } else {
        score(ctx, protocol, endpointName, deployment.name(), deadlineNanos);
      }
    });
  }

  /** What a request sends its instance, by whichever path it goes. */
  private record Outbound(Buffer body, ScoringProtocol protocol, String requestId, int jsonLength,
      String traceparent) {
    /** As an event-bus message's options: the deadline as its send timeout, the rest as its headers. */
    DeliveryOptions delivery(long timeoutMs) {
      DeliveryOptions delivery = new DeliveryOptions()
          .setSendTimeout(timeoutMs)
          .addHeader(ScoringHeaders.TIMEOUT_MS, Long.toString(timeoutMs))
          .addHeader(ScoringHeaders.REQUEST_ID, requestId)
          .addHeader(ScoringHeaders.PROTOCOL, protocol.wireName())
          .addHeader(ScoringHeaders.TRACEPARENT, traceparent);
      if (jsonLength != InferenceHeaderLength.ALL_JSON) {
        delivery.addHeader(ScoringHeaders.INFERENCE_HEADER_LENGTH, Integer.toString(jsonLength));
      }
      return delivery;
    }
  }

  /** An instance's answer, by whichever path it came. */
  private record Answer(Buffer body, long modelMicros, int jsonLength) {
    static Answer of(Message<Buffer> reply) {
      String jsonLength = reply.headers().get(ScoringHeaders.INFERENCE_HEADER_LENGTH);
      return new Answer(reply.body(), ScoringHandler.modelMicros(reply.headers().get(ScoringHeaders.MODEL_TIME_US)),
          jsonLength == null ? InferenceHeaderLength.ALL_JSON : Integer.parseInt(jsonLength));
    }
  }

  /**
   * Sends the request to the instance and answers the caller. When the instance is gone before it
   * answered (its consumer was gone when the request arrived, or its node left the cluster with the
   * request in flight), the request is sent once more to another ready instance of the same
   * deployment with what is left of its deadline: scoring is idempotent, and never retried twice.
   */
  private void forward(RoutingContext ctx, String endpointName, DeploymentRoute deployment, InstanceRoute instance,
      Outbound out, long timeoutMs, long deadlineNanos, boolean retried) {
    HttpServerResponse response = ctx.response();
    InFlightRequests.Request sent = inFlight.sent(instance.state().node(), () -> {
      instance.answered();
      if (!retryElsewhere(ctx, endpointName, deployment, instance, out, deadlineNanos, retried, NODE_LEFT)) {
        fail(ctx, out.protocol(), FailureKind.UNAVAILABLE, "the instance of deployment '" + deployment.name()
            + "' serving this request left the cluster before answering");
      }
    });
    send(instance, out, timeoutMs, ar -> {
      if (!sent.settle()) {
        return; // its node left first: the request was sent elsewhere or answered then
      }
      instance.answered();
      if (ar.failed() && ar.cause() instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS
          && retryElsewhere(ctx, endpointName, deployment, instance, out, deadlineNanos, retried, INSTANCE_GONE)) {
        return;
      }
      if (ar.succeeded()) {
        Answer answer = ar.result();
        TrafficRecord record = ctx.get(TRAFFIC_KEY);
        record.modelMicros = answer.modelMicros();
        if (answer.jsonLength() != InferenceHeaderLength.ALL_JSON) {
          response.putHeader(ScoringHeaders.INFERENCE_HEADER_LENGTH, Integer.toString(answer.jsonLength()))
              .putHeader("content-type", "application/octet-stream");
        } else {
          response.putHeader("content-type", "application/json");
        }
        response.end(answer.body());
      } else {
        failFromEventBus(ctx, out.protocol(), deployment, ar.cause());
      }
    });
  }

  /**
   * Hands the request to the instance: straight to it when it runs in this process (no event-bus
   * message, the body not copied, its answer brought back to this loop), else over the event bus.
   * Failures come as the event bus gives them ({@link ReplyException}s), whichever way it went.
   */
  private void send(InstanceRoute instance, Outbound out, long timeoutMs, Handler<AsyncResult<Answer>> then) {
    Consumer<ScoringCall> here = local.find(instance.state().address());
    metrics.delivered(here != null);
    if (here == null) {
      vertx.eventBus().<Buffer>request(instance.state().address(), out.body(), out.delivery(timeoutMs))
          .map(Answer::of).onComplete(then);
      return;
    }
    LocalCall call = new LocalCall(vertx.getOrCreateContext(), then);
    call.timer = vertx.setTimer(timeoutMs, t -> call.settle(Future.failedFuture(new ReplyException(
        ReplyFailure.TIMEOUT, "timed out after " + timeoutMs + " ms waiting for instance " + instance.state().id()))));
    try {
      here.accept(new ScoringCall(out.body(), out.protocol(), out.requestId(), timeoutMs, out.jsonLength(),
          out.traceparent(), false, call));
    } catch (RuntimeException e) {
      LOG.error("request {}: instance {} failed to take it", out.requestId(), instance.state().id(), e);
      call.failed(FailureKind.INTERNAL, "internal error in instance " + instance.state().id());
    }
  }

  /**
   * A request handed to an instance in this process: its answer (from a runner thread) or its
   * deadline, whichever comes first, settles it on the request's loop.
   */
  private final class LocalCall implements ScoringAnswer {
    private final Context context;
    private final Handler<AsyncResult<Answer>> then;
    /** Read and written on the request's loop only. */
    private boolean settled;
    long timer;

    LocalCall(Context context, Handler<AsyncResult<Answer>> then) {
      this.context = context;
      this.then = then;
    }

    @Override
    public void answered(Buffer body, long modelMicros, int jsonLength) {
      context.runOnContext(v -> settle(Future.succeededFuture(new Answer(body, modelMicros, jsonLength))));
    }

    @Override
    public void failed(FailureKind kind, String message) {
      context.runOnContext(v -> settle(Future.failedFuture(
          new ReplyException(ReplyFailure.RECIPIENT_FAILURE, kind.eventBusCode(), message))));
    }

    @Override
    public void gone(String message) {
      context.runOnContext(v -> settle(Future.failedFuture(new ReplyException(ReplyFailure.NO_HANDLERS, message))));
    }

    void settle(AsyncResult<Answer> result) {
      if (settled) {
        return;
      }
      settled = true;
      vertx.cancelTimer(timer);
      then.handle(result);
    }
  }

  /**
   * Sends a request its instance did not answer to another ready instance, unless it was sent twice
   * already, no other instance is ready, or its deadline passed; returns false then (nothing sent).
   */
  private boolean retryElsewhere(RoutingContext ctx, String endpointName, DeploymentRoute deployment,
      InstanceRoute gone, Outbound out, long deadlineNanos, boolean retried, String reason) {
    if (retried || ctx.response().ended() || ctx.response().closed()) {
      return false;
    }
    long leftMs = (deadlineNanos - System.nanoTime()) / 1_000_000;
    InstanceRoute other = anotherInstance(endpointName, deployment.name(), gone);
    if (other == null || leftMs < 1) {
      return false;
    }
    LOG.info("request {}: instance {} {}; sending it to instance {}", requestId(ctx), gone.state().id(),
        reason.equals(NODE_LEFT) ? "was lost with its node " + gone.state().node() : "is gone", other.state().id());
    metrics.retried(endpointName, deployment.name(), reason);
    other.sent();
    forward(ctx, endpointName, deployment, other, out, leftMs, deadlineNanos, true);
    return true;
  }

  /**
   * The node left the cluster: each of this loop's requests in flight there is sent to another
   * instance (or, if it cannot be, answered 503) now, instead of waiting for its deadline. Call on
   * this handler's loop, after the routing table stopped listing the node's instances. Returns how
   * many requests were in flight there.
   */
  public int nodeLeft(String node) {
    return inFlight.nodeLeft(node);
  }

  /**
   * Starts the request's {@link TrafficRecord}, if its endpoint exists, and records it in
   * {@link ScoringMetrics} and the traffic log once it is answered (refused or not), and in the
   * recent statistics when a deployment was chosen for it; called once per request, as its head
   * arrives.
   */
  private void measure(RoutingContext ctx, EndpointRoute endpoint, ScoringProtocol protocol) {
    if (endpoint == null) {
      return;
    }
    HttpServerRequest request = ctx.request();
    Long headNanos = ctx.get(HEAD_NANOS_KEY);
    Long headMillis = ctx.get(HEAD_MILLIS_KEY);
    TrafficRecord record = new TrafficRecord(requestId(ctx),
        TraceContext.continueOrStart(request.getHeader(ScoringHeaders.TRACEPARENT)), endpoint.endpoint().name(),
        TrafficRecord.LIVE, headMillis == null ? System.currentTimeMillis() : headMillis,
        headNanos == null ? System.nanoTime() : headNanos);
    record.authMode = endpoint.endpoint().authMode();
    record.protocol = protocol.wireName();
    ctx.put(TRAFFIC_KEY, record);
    ctx.addEndHandler(ar -> {
      if (ar.succeeded()) { // answered, not cut off
        HttpServerResponse response = ctx.response();
        record.durationNanos = System.nanoTime() - record.startNanos;
        record.deployment = response.headers().get(DEPLOYMENT_HEADER);
        record.status = response.getStatusCode();
        record.errorCode = ctx.get(ERROR_CODE_KEY);
        record.bytesIn = request.bytesRead();
        record.bytesOut = response.bytesWritten();
        metrics.record(record.endpoint, record.deployment, record.status, record.durationNanos, record.bytesIn,
            record.bytesOut);
        if (record.deployment != null) {
          statistics.record(record.endpoint, record.deployment, record.trafficRevision, TrafficKind.LIVE, record.status,
              record.durationNanos);
        }
        if (trafficLog.enabled()) {
          record.method = request.method().name();
          String path = request.path();
          record.path = path.length() > 256 ? path.substring(0, 256) : path;
          record.clientRequestId = response.headers().get(CLIENT_REQUEST_ID);
          SocketAddress caller = request.remoteAddress();
          record.caller = caller == null ? null : caller.hostAddress();
          String agent = request.getHeader("user-agent");
          record.userAgent = agent == null || agent.length() <= 256 ? agent : agent.substring(0, 256);
          trafficLog.write(record);
        }
      }
    });
  }

  /** The instance's model time from its reply header (microseconds), -1 when absent or garbled. */
  static long modelMicros(String header) {
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A ready instance of the deployment in the current routing table other than {@code not}; null if none. */
  private InstanceRoute anotherInstance(String endpointName, String deploymentName, InstanceRoute not) {
    EndpointRoute endpoint = table.get().endpoint(endpointName);
    DeploymentRoute route = endpoint == null ? null : endpoint.deployment(deploymentName);
    if (route == null) {
      return null;
    }
    return route.pickInstanceOtherThan(not.state().id());
  }

  /**
   * Whether the caller may use the endpoint ({@code endpoint}: looked up, null when there is none):
   * the endpoint, or a failure to answer with {@link #refused} (NOT_FOUND, or the authenticator's
   * refusal, counted by reason). Decided at once from memory, except when the trusted issuer reads its
   * keys again for a token signed by a new key: that decision completes later, on this request's
   * context.
   */
  private Future<EndpointRoute> authorize(RoutingContext ctx, String endpointName, EndpointRoute endpoint) {
    if (endpoint == null) {
      return Future.failedFuture(new InferbusException(FailureKind.NOT_FOUND, "no endpoint named '" + endpointName
          + "'"));
    }
    NetworkAccess access = endpoint.endpoint().networkAccess();
    if (!access.publicAccess()) { // decided before any authentication work
      InetAddress caller = caller(ctx.request(), trustedProxies);
      if (!access.allows(caller)) {
        metrics.authRefused(endpointName, "network");
        return Future.failedFuture(new InferbusException(FailureKind.NETWORK_ACCESS_DISABLED, "endpoint '"
            + endpointName + "' does not accept calls from public networks, and "
            + (caller == null ? "the caller's forwarded address is not an IP address"
                : "the caller's address " + caller.getHostAddress() + " is not in its allowed networks")));
      }
    }
    Future<Void> auth = authenticator.authenticate(endpoint.endpoint(), ctx.request().getHeader("authorization"));
    if (!auth.isComplete()) {
      Context context = vertx.getOrCreateContext();
      Promise<Void> here = Promise.promise();
      auth.onComplete(ar -> context.runOnContext(v -> here.handle(ar)));
      auth = here.future();
    }
    return auth.transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(endpoint);
      }
      if (ar.cause() instanceof AuthRefusal refusal) {
        metrics.authRefused(endpointName, refusal.reason());
      }
      return Future.failedFuture(ar.cause());
    });
  }

  /**
   * The caller's address: the connection's peer, or, when the peer is a trusted proxy, what its
   * {@code X-Forwarded-For} says (every such header line, in order).
   */
  static InetAddress caller(HttpServerRequest request, List<Cidr> trustedProxies) {
    SocketAddress peer = request.remoteAddress();
    InetAddress peerAddress = peer == null ? null : Cidr.address(peer.hostAddress());
    if (trustedProxies.isEmpty()) {
      return peerAddress;
    }
    List<String> forwarded = request.headers().getAll("x-forwarded-for");
    return ForwardedFor.caller(peerAddress, forwarded.isEmpty() ? null : String.join(",", forwarded),
        trustedProxies);
  }

  /** Answers a failure of {@link #authorize}. */
  private static Future<Void> refused(RoutingContext ctx, ScoringProtocol protocol, Throwable cause) {
    if (cause instanceof InferbusException e) {
      return fail(ctx, protocol, e);
    }
    LOG.error("request {}: authentication failed unexpectedly", requestId(ctx), cause);
    return fail(ctx, protocol, FailureKind.INTERNAL, "internal error");
  }

  /** The failure kind of an event-bus request that failed. */
  static FailureKind failureKind(Throwable cause) {
    if (cause instanceof ReplyException re) {
      return switch (re.failureType()) {
        case TIMEOUT -> FailureKind.TIMED_OUT;
        case NO_HANDLERS -> FailureKind.UNAVAILABLE;
        default -> FailureKind.fromEventBusCode(re.failureCode());
      };
    }
    return FailureKind.INTERNAL;
  }

  private void failFromEventBus(RoutingContext ctx, ScoringProtocol protocol, DeploymentRoute deployment,
      Throwable cause) {
    FailureKind kind;
    String message;
    if (cause instanceof ReplyException re) {
      switch (re.failureType()) {
        case TIMEOUT -> {
          kind = FailureKind.TIMED_OUT;
          message = "deployment '" + deployment.name() + "' did not answer within "
              + deployment.deployment().requestSettings().requestTimeoutMs() + " ms (request_timeout_ms)";
        }
        case NO_HANDLERS -> {
          kind = FailureKind.UNAVAILABLE;
          message = "the chosen instance of deployment '" + deployment.name() + "' is gone";
        }
        default -> {
          kind = FailureKind.fromEventBusCode(re.failureCode());
          message = re.getMessage();
        }
      }
    } else {
      kind = FailureKind.INTERNAL;
      message = "internal error";
      LOG.error("request {}: unexpected failure", requestId(ctx), cause);
    }
    if (kind == FailureKind.MODEL_FAILED) {
      ctx.response().putHeader("ms-azureml-model-error-statuscode", "500")
          .putHeader("ms-azureml-model-error-reason", "model_error");
    }
    fail(ctx, protocol, kind, message);
  }

  /**
   * Answers a named failure; one log line, no stack trace for client errors. The future completes
   * once the answer is written.
   */
  public static Future<Void> fail(RoutingContext ctx, ScoringProtocol protocol, FailureKind kind, String message) {
    if (kind.httpStatus() >= 500) {
      LOG.warn("request {} {} {}: {} {}", requestId(ctx), ctx.request().method(), ctx.request().path(),
          kind.httpStatus(), message);
    } else {
      LOG.debug("request {} {} {}: {} {}", requestId(ctx), ctx.request().method(), ctx.request().path(),
          kind.httpStatus(), message);
    }
    ctx.put(ERROR_CODE_KEY, kind.code());
    return ErrorResponses.send(ctx.response(), protocol, kind, message);
  }

  public static Future<Void> fail(RoutingContext ctx, ScoringProtocol protocol, InferbusException e) {
    return fail(ctx, protocol, e.kind(), e.getMessage());
  }
}
