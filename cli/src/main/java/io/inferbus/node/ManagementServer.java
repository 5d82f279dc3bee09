package io.inferbus.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.function.Supplier;

/**
 * The node's plain-HTTP management port: {@code /health/live}, {@code /health/ready} (200 once every
 * role the node runs is serving) and {@code /metrics} in Prometheus text format.
 */
final class ManagementServer {
  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  private final Supplier<JsonObject> readiness;
  private HttpServer server;

  ManagementServer(Vertx vertx, PrometheusMeterRegistry registry, Supplier<JsonObject> readiness) {
    this.vertx = vertx;
    this.registry = registry;
    this.readiness = readiness;
  }

  Future<Integer> listen(String host, int port) {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("live", true)));
    router.get("/health/ready").handler(ctx -> {
      JsonObject status = readiness.get();
      ctx.response().setStatusCode(status.getBoolean("ready") ? 200 : 503);
      ctx.json(status);
    });
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port));
    return server.requestHandler(router).listen().map(HttpServer::actualPort);
  }

  Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
