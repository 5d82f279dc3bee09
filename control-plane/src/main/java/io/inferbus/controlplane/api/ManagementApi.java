package io.inferbus.controlplane.api;

import io.inferbus.controlplane.ControlPlaneOptions;
import io.inferbus.controlplane.ControlPlaneServices;
import io.inferbus.controlplane.auth.EndpointTokens;
import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.console.ConsoleSignIn;
import io.inferbus.controlplane.console.ConsoleFiles;
import io.inferbus.controlplane.console.ConsoleScoring;
import io.inferbus.controlplane.evidence.EvidenceService;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.logs.TrafficLogFilter;
import io.inferbus.controlplane.logs.TrafficLogQuery;
import io.inferbus.controlplane.metrics.ChangeKind;
import io.inferbus.controlplane.nodes.NodeRemovals;
import io.inferbus.controlplane.metrics.ControlPlaneMetrics;
import io.inferbus.controlplane.statistics.StatisticsService;
import io.inferbus.controlplane.tokens.OperatorTokens;
import io.inferbus.protocol.ErrorResponses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.inferbus.protocol.net.CallerUrls;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management REST API: every route in one place, each with the least role it needs, and each
 * route that changes something with the {@link ChangeKind} it is counted as. Errors are ARM-style
 * {@code {"error": {"code", "message", "target"}}}.
 */
public final class ManagementApi {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementApi.class);
  private static final String CALLER = "inferbus.caller";
  private static final String REQUEST_ID = "inferbus.request-id";
  private static final String METHOD_OVERRIDE = "x-http-method-override";

  private final Vertx vertx;
  private final ControlPlaneServices services;
  private final OperatorAuth auth;
  private final EndpointTokens endpointTokens;
  private final OperatorTokens operatorTokens;
  private final NodeRemovals nodeRemovals;
  private final TrafficLogQuery trafficLog;
  private final ControlPlaneMetrics metrics;
  private final ConsoleSignIn console;
  private final StatisticsService statistics;
  private final ConsoleFiles consoleFiles;
  private final ConsoleScoring consoleScoring;
  private final EvidenceService evidence;

  public ManagementApi(Vertx vertx, ControlPlaneServices services, OperatorAuth auth, EndpointTokens endpointTokens,
      OperatorTokens operatorTokens, NodeRemovals nodeRemovals, TrafficLogQuery trafficLog,
      ControlPlaneMetrics metrics, ConsoleSignIn console, StatisticsService statistics, ConsoleFiles consoleFiles,
      ConsoleScoring consoleScoring, EvidenceService evidence) {
    this.vertx = vertx;
    this.services = services;
    this.auth = auth;
    this.endpointTokens = endpointTokens;
    this.operatorTokens = operatorTokens;
    this.nodeRemovals = nodeRemovals;
    this.trafficLog = trafficLog;
    this.metrics = metrics;
    this.console = console;
    this.statistics = statistics;
    this.consoleFiles = consoleFiles;
    this.consoleScoring = consoleScoring;
    this.evidence = evidence;
  }

  public Router router() {
    Router r = Router.router(vertx);
    r.route().handler(this::requestId);
    r.route().handler(ManagementApi::patchSentAsPost);
    route(r.get("/models"), OperatorRole.READER, ctx -> services.models().list());
    change(r.put("/models/:name/versions/:version"), OperatorRole.ADMIN, ControlPlaneOptions.MAX_MODEL_BYTES,
        ctx -> ChangeKind.MODEL_REGISTER,
        ctx -> services.models().put(ctx.pathParam("name"), ctx.pathParam("version"), ctx.body().buffer(), actor(ctx)));
    route(r.get("/models/:name/versions/:version"), OperatorRole.READER,
        ctx -> services.models().get(ctx.pathParam("name"), ctx.pathParam("version")));

    route(r.get("/endpoints"), OperatorRole.READER, ctx -> services.endpoints().list());
    change(r.put("/endpoints/:e"), OperatorRole.ADMIN,
        ctx -> createdOrUpdated(ctx, metrics.endpointExists(ctx.pathParam("e")), ChangeKind.ENDPOINT_CREATE,
            ChangeKind.ENDPOINT_UPDATE),
        ctx -> services.endpoints().put(ctx.pathParam("e"), body(ctx), actor(ctx)));
    route(r.get("/endpoints/:e"), OperatorRole.READER, ctx -> services.endpoints().get(ctx.pathParam("e")));
    change(r.patch("/endpoints/:e"), OperatorRole.OPERATOR, ManagementApi::endpointPatchKind,
        ctx -> services.endpoints().patch(ctx.pathParam("e"), body(ctx), actor(ctx)));
    change(r.delete("/endpoints/:e"), OperatorRole.ADMIN, ctx -> ChangeKind.ENDPOINT_DELETE,
        ctx -> services.endpoints().delete(ctx.pathParam("e"), actor(ctx)));
    route(r.get("/endpoints/:e/traffic/history"), OperatorRole.READER,
        ctx -> services.endpoints().trafficHistory(ctx.pathParam("e")));
    change(r.post("/endpoints/:e/traffic/rollback"), OperatorRole.OPERATOR, ctx -> ChangeKind.ROLLBACK,
        ctx -> services.endpoints().rollbackTraffic(ctx.pathParam("e"), body(ctx), actor(ctx)));
    route(r.get("/endpoints/:e/traffic-log"), OperatorRole.READER, this::trafficLog);
    route(r.post("/endpoints/:e/keys"), OperatorRole.OPERATOR, ctx -> services.endpoints().keys(ctx.pathParam("e")));
    change(r.post("/endpoints/:e/keys/regenerate"), OperatorRole.OPERATOR, ctx -> ChangeKind.KEYS_REGENERATE,
        ctx -> services.endpoints().regenerateKey(ctx.pathParam("e"), body(ctx), actor(ctx)));
    // a scoring token is a credential like a key: the same role as reading the keys
    change(r.post("/endpoints/:e/token"), OperatorRole.OPERATOR, ctx -> ChangeKind.TOKEN,
        ctx -> scoringToken(ctx.pathParam("e"), actor(ctx)));

    route(r.get("/endpoints/:e/deployments"), OperatorRole.READER,
        ctx -> services.deployments().list(ctx.pathParam("e")));
    change(r.put("/endpoints/:e/deployments/:d"), OperatorRole.ADMIN,
        ctx -> createdOrUpdated(ctx, metrics.deploymentExists(ctx.pathParam("e"), ctx.pathParam("d")),
            ChangeKind.DEPLOYMENT_CREATE, ChangeKind.DEPLOYMENT_UPDATE),
        ctx -> services.deployments().put(ctx.pathParam("e"), ctx.pathParam("d"), body(ctx), actor(ctx)));
    route(r.get("/endpoints/:e/deployments/:d"), OperatorRole.READER,
        ctx -> services.deployments().get(ctx.pathParam("e"), ctx.pathParam("d")));
    change(r.patch("/endpoints/:e/deployments/:d"), OperatorRole.OPERATOR, ctx -> ChangeKind.DEPLOYMENT_SCALE,
        ctx -> services.deployments().patch(ctx.pathParam("e"), ctx.pathParam("d"), body(ctx), actor(ctx)));
    change(r.delete("/endpoints/:e/deployments/:d"), OperatorRole.ADMIN, ctx -> ChangeKind.DEPLOYMENT_DELETE,
        ctx -> services.deployments().delete(ctx.pathParam("e"), ctx.pathParam("d"), actor(ctx)));

    route(r.get("/endpoints/:e/deployments/:d/logs"), OperatorRole.READER,
        ctx -> services.logs().tail(ctx.pathParam("e"), ctx.pathParam("d"), ctx.request().getParam("lines")));
    // recent statistics, gathered from the gateways (statistics package, docs/management-api.md)
    route(r.get("/endpoints/:e/metrics"), OperatorRole.READER,
        ctx -> statistics.endpoint(ctx.pathParam("e"), ctx.queryParams().get("minutes")));
    route(r.get("/metrics/endpoints"), OperatorRole.READER,
        ctx -> statistics.endpoints(ctx.queryParams().get("minutes")));
    // the release evidence bundle, from the audit log and the per-minute rollups (evidence package)
    route(r.get("/endpoints/:e/evidence"), OperatorRole.READER,
        ctx -> evidence.bundle(ctx.pathParam("e"), ctx.queryParams().get("since")));
    // canary rollouts (rollout package, docs/rollouts.md)
    change(r.post("/endpoints/:e/rollout"), OperatorRole.OPERATOR, ctx -> ChangeKind.ROLLOUT_START,
        ctx -> services.rollouts().start(ctx.pathParam("e"), body(ctx), actor(ctx)));
    route(r.get("/endpoints/:e/rollout"), OperatorRole.READER, ctx -> services.rollouts().status(ctx.pathParam("e")));
    change(r.post("/endpoints/:e/rollout/promote"), OperatorRole.OPERATOR, ctx -> ChangeKind.ROLLOUT_PROMOTE,
        ctx -> services.rollouts().promote(ctx.pathParam("e"), actor(ctx)));
    change(r.post("/endpoints/:e/rollout/abort"), OperatorRole.OPERATOR, ctx -> ChangeKind.ROLLOUT_ABORT,
        ctx -> services.rollouts().abort(ctx.pathParam("e"), actor(ctx)));

    route(r.get("/nodes"), OperatorRole.READER, ctx -> services.nodes());
    route(r.get("/audit"), OperatorRole.READER, ctx -> services.audit().query(since(ctx), 1000));

    // operator credentials: only an admin sees or changes them
    change(r.post("/tokens"), OperatorRole.ADMIN, ctx -> ChangeKind.OPERATOR_TOKEN_CREATE,
        ctx -> operatorTokens.create(body(ctx), actor(ctx)));
    route(r.get("/tokens"), OperatorRole.ADMIN, ctx -> operatorTokens.list());
    change(r.post("/tokens/admin/rotate"), OperatorRole.ADMIN, ctx -> ChangeKind.ADMIN_TOKEN_ROTATE,
        ctx -> operatorTokens.rotateAdmin(ctx.get(CALLER), actor(ctx)));
    change(r.delete("/tokens/:name"), OperatorRole.ADMIN, ctx -> ChangeKind.OPERATOR_TOKEN_REVOKE,
        ctx -> operatorTokens.revoke(ctx.pathParam("name"), actor(ctx)));
    // node credentials: removing one refuses everything it signs, on every node
    change(r.delete("/cluster/nodes/:name"), OperatorRole.ADMIN, ctx -> ChangeKind.NODE_REMOVE,
        ctx -> nodeRemovals.remove(ctx.pathParam("name"), actor(ctx)));
    route(r.get("/cluster/removed-nodes"), OperatorRole.READER, ctx -> nodeRemovals.list());

    // signing in to the web console (console/ConsoleSignIn); no change of desired state, so no ChangeKind
    route(r.get("/whoami"), OperatorRole.READER, ctx -> Future.succeededFuture(ConsoleSignIn.whoami(ctx.get(CALLER))));
    r.route("/console/*").handler(ctx -> {
      ctx.response().putHeader("cache-control", "no-store"); // answers carry a code or a token
      ctx.next();
    });
    route(r.post("/console/codes"), OperatorRole.READER, ctx -> Future.succeededFuture(console.issue(ctx.get(CALLER),
        bearer(ctx), body(ctx), CallerUrls.baseUrl(ctx.request()), ctx.get(REQUEST_ID))));
    // the one route without a token: the code is the credential
    r.post("/console/session").handler(BodyHandler.create(false).setBodyLimit(ConsoleSignIn.MAX_SESSION_BODY_BYTES))
        .handler(ctx -> answer(ctx, c -> console.exchange(c.request().getHeader("content-type"), c.body().buffer(),
            c.get(REQUEST_ID))));

    // the web console (docs/console.md): its files need no token, its data calls do; its test tab
    // scores through the gateway with the endpoint's own credential, as the operator could
    consoleFiles.mount(r);
    route(r.post("/endpoints/:e/test"), OperatorRole.OPERATOR, ctx -> consoleScoring.send(ctx.pathParam("e"),
        ctx.queryParams().get("deployment"), ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer(),
        ctx.request().getHeader("content-type"), actor(ctx)));

    r.route().last().handler(ctx -> error(ctx, new InferbusException(FailureKind.NOT_FOUND,
        "no route " + ctx.request().method() + " " + ctx.request().path())));
    r.route().failureHandler(this::failure);
    // a request Vert.x refuses before any route runs (a malformed escape in the path or query)
    r.errorHandler(400, ctx -> {
      ensureRequestId(ctx);
      error(ctx, new InferbusException(FailureKind.BAD_INPUT,
          "the request's path or query cannot be decoded (a '%' must be followed by two hex digits)"));
    });
    return r;
  }

  /**
   * A POST with {@code X-HTTP-Method-Override: PATCH} is routed as the PATCH it stands for (with the
   * PATCH route's role): clients such as the JDK's HttpURLConnection, which the CLI uses, cannot send
   * PATCH. No other method and no other override: a GET must never turn into a DELETE.
   */
  private static void patchSentAsPost(RoutingContext ctx) {
    String override = ctx.request().getHeader(METHOD_OVERRIDE);
    if (override != null && ctx.request().method() == HttpMethod.POST && override.strip().equalsIgnoreCase("PATCH")) {
      ctx.reroute(HttpMethod.PATCH, ctx.request().path());
    } else {
      ctx.next();
    }
  }

  private void route(io.vertx.ext.web.Route route, OperatorRole role, Function<RoutingContext, Future<ApiResult>> op) {
    route(route, role, ControlPlaneOptions.MAX_JSON_BYTES, null, op);
  }

  private void change(io.vertx.ext.web.Route route, OperatorRole role, Function<RoutingContext, ChangeKind> kind,
      Function<RoutingContext, Future<ApiResult>> op) {
    route(route, role, ControlPlaneOptions.MAX_JSON_BYTES, kind, op);
  }

  private void change(io.vertx.ext.web.Route route, OperatorRole role, long maxBody,
      Function<RoutingContext, ChangeKind> kind, Function<RoutingContext, Future<ApiResult>> op) {
    route(route, role, maxBody, kind, op);
  }

  /**
   * A route: the caller is authenticated before its body is read (an unauthenticated caller cannot
   * make the node buffer a large upload), then the body is read within {@code maxBody}, then the
   * operation runs.
   *
   * @param kind for a route that changes something: what the call is counted as once answered,
   *     decided when its status is known; null for a route that only reads
   */
  private void route(io.vertx.ext.web.Route route, OperatorRole role, long maxBody,
      Function<RoutingContext, ChangeKind> kind, Function<RoutingContext, Future<ApiResult>> op) {
    route.handler(new AuthenticateBeforeBody(role, kind));
    route.handler(BodyHandler.create(false).setBodyLimit(maxBody));
    route.handler(ctx -> answer(ctx, op));
  }

  /** Runs {@code op} and answers with its result, or with the error it fails with. */
  private void answer(RoutingContext ctx, Function<RoutingContext, Future<ApiResult>> op) {
    Future.<Void>succeededFuture()
        .compose(v -> {
          try {
            return op.apply(ctx);
          } catch (InferbusException e) {
            return Future.failedFuture(e);
          }
        })
        .onSuccess(result -> ctx.response().setStatusCode(result.status())
            .putHeader("content-type", "application/json").end(result.body().toBuffer()))
        .onFailure(e -> error(ctx, e));
  }

  /**
   * Checks the token before any of the body is read. Vert.x Web orders a route's handlers by kind
   * and puts body handlers before authentication; marking this one a platform handler lets it run
   * first, so a caller without a valid token cannot make the node buffer an upload.
   */
  private final class AuthenticateBeforeBody implements io.vertx.ext.web.handler.PlatformHandler {
    private final OperatorRole role;
    private final Function<RoutingContext, ChangeKind> kind;

    AuthenticateBeforeBody(OperatorRole role, Function<RoutingContext, ChangeKind> kind) {
      this.role = role;
      this.kind = kind;
    }

    @Override
    public void handle(RoutingContext ctx) {
      if (kind != null) {
        // counted whatever answers: the operation, a refused token, a body over the limit
        ctx.addHeadersEndHandler(v -> metrics.changeAnswered(kind.apply(ctx), ctx.response().getStatusCode()));
      }
      ctx.request().pause();
      authenticate(ctx, role).onComplete(ar -> {
        ctx.request().resume();
        if (ar.succeeded()) {
          ctx.next();
        } else {
          error(ctx, ar.cause());
        }
      });
    }
  }

  private Future<Void> authenticate(RoutingContext ctx, OperatorRole needed) {
    String token = bearer(ctx);
    if (token == null) {
      return Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED,
          "missing credentials: send 'Authorization: Bearer <token>' (the admin token is in client.json)"));
    }
    return auth.verify(token).compose(caller -> {
      if (!caller.role().includes(needed)) {
        return Future.failedFuture(new InferbusException(FailureKind.FORBIDDEN, "this call needs role '"
            + needed.claim() + "'; the token of '" + caller.subject() + "' has '" + caller.role().claim() + "'"));
      }
      ctx.put(CALLER, caller);
      return Future.succeededFuture();
    });
  }

  /** The token of the request's {@code Authorization: Bearer} header, or null when it has none. */
  private static String bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    return header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) ? null : header.substring(7).trim();
  }

  /**
   * A PUT's kind: an answer of 201 created, another success updated; a refused or failed PUT is
   * counted by whether the resource was there (as the cluster's tables have it).
   */
  private static ChangeKind createdOrUpdated(RoutingContext ctx, boolean existed, ChangeKind create,
      ChangeKind update) {
    int status = ctx.response().getStatusCode();
    if (status == 201) {
      return create;
    }
    return status < 300 || existed ? update : create;
  }

  /**
   * A PATCH of an endpoint changes its traffic when the body names traffic or mirror_traffic; a
   * PATCH refused before its body was read (token, role) counts as an update.
   */
  private static ChangeKind endpointPatchKind(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().available() ? body(ctx) : new JsonObject();
    } catch (InferbusException e) {
      body = new JsonObject();
    }
    return body.containsKey("traffic") || body.containsKey("mirror_traffic") ? ChangeKind.TRAFFIC
        : ChangeKind.ENDPOINT_UPDATE;
  }

  /** {@code GET /endpoints/{e}/traffic-log}: parameters checked first, then the endpoint, then the gateways asked. */
  private Future<ApiResult> trafficLog(RoutingContext ctx) {
    String endpoint = ctx.pathParam("e");
    TrafficLogFilter filter = TrafficLogFilter.parse(ctx.queryParams().get("request_id"),
        ctx.queryParams().get("since"), ctx.queryParams().get("status"), ctx.queryParams().get("lines"),
        Instant.now());
    return services.endpoints().get(endpoint).compose(found -> trafficLog.query(endpoint, filter)).map(ApiResult::ok);
  }

  /** {@code POST /endpoints/{e}/token}: a scoring token of an aml_token endpoint. */
  private Future<ApiResult> scoringToken(String endpoint, Actor actor) {
    return services.endpoints().get(endpoint).map(shown -> {
      String mode = shown.body().getString("auth_mode");
      if (!EndpointState.AUTH_AML_TOKEN.equals(mode)) {
        throw new InferbusException(FailureKind.BAD_INPUT, "endpoint '" + endpoint + "' has auth_mode '" + mode
            + "': tokens are issued only for auth_mode aml_token; " + (EndpointState.AUTH_KEY.equals(mode)
                ? "its callers send one of its keys (POST /endpoints/" + endpoint + "/keys)"
                : "its callers send a token of the trusted issuer"), "auth_mode");
      }
      LOG.info("request {}: scoring token for endpoint {} issued to {}", actor.requestId(), endpoint, actor.subject());
      return ApiResult.ok(endpointTokens.issue(endpoint, actor.subject()));
    });
  }

  private static Actor actor(RoutingContext ctx) {
    OperatorAuth.Caller caller = ctx.get(CALLER);
    return new Actor(caller.subject(), ctx.get(REQUEST_ID));
  }

  private static JsonObject body(RoutingContext ctx) {
    var buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      return new JsonObject();
    }
    String text = buffer.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
    if (!text.startsWith("{")) {
      throw new InferbusException(FailureKind.BAD_INPUT, "the body must be a JSON object");
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new InferbusException(FailureKind.BAD_INPUT, "malformed JSON: " + e.getMessage());
    }
  }

  private static long since(RoutingContext ctx) {
    String since = ctx.queryParams().get("since");
    if (since == null) {
      return 0;
    }
    try {
      return Instant.parse(since).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new InferbusException(FailureKind.BAD_INPUT, "since must be an ISO-8601 instant such as "
          + "2026-01-31T12:00:00Z, got '" + since + "'", "since");
    }
  }

  private void requestId(RoutingContext ctx) {
    String id = RequestIds.accept(ctx.request().getHeader(RequestIds.HEADER));
    ctx.put(REQUEST_ID, id);
    ctx.response().putHeader(RequestIds.HEADER, id);
    ctx.next();
  }

  /** A request refused before the request-id handler ran gets its id here. */
  private static void ensureRequestId(RoutingContext ctx) {
    if (ctx.get(REQUEST_ID) == null) {
      String id = RequestIds.accept(null);
      ctx.put(REQUEST_ID, id);
      ctx.response().putHeader(RequestIds.HEADER, id);
    }
  }

  private void failure(RoutingContext ctx) {
    ensureRequestId(ctx);
    if (ctx.failure() instanceof InferbusException e) {
      error(ctx, e);

    } else if (ctx.statusCode() == 413) {
      error(ctx, new InferbusException(FailureKind.TOO_LARGE, "the body is too large for "
          + ctx.request().path()));
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      error(ctx, new InferbusException(FailureKind.BAD_INPUT, "bad request"));
    } else {
      error(ctx, ctx.failure());
    }
  }

  private void error(RoutingContext ctx, Throwable failure) {
    if (failure instanceof HttpException h && h.getStatusCode() >= 400 && h.getStatusCode() < 500) {
      // Vert.x's own refusal of what the client sent, e.g. a malformed escape in the query
      failure = new InferbusException(FailureKind.BAD_INPUT, "bad request: " + h.getMessage());
    }
    InferbusException e;
    if (failure instanceof InferbusException ie) {
      e = ie;
      LOG.info("request {} {} {}: {} {}", ctx.<String>get(REQUEST_ID), ctx.request().method(), ctx.request().path(),
          e.kind().httpStatus(), e.getMessage());
    } else {
      LOG.error("request {} {} {} failed", ctx.<String>get(REQUEST_ID), ctx.request().method(), ctx.request().path(),
          failure);
      e = new InferbusException(FailureKind.INTERNAL, "internal error; request id " + ctx.get(REQUEST_ID));
    }
    ErrorResponses.send(ctx.response(), e);
  }
}
