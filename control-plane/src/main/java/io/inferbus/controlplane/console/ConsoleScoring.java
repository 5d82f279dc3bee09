package io.inferbus.controlplane.console;

import io.inferbus.controlplane.auth.EndpointTokens;
import io.inferbus.controlplane.endpoints.EndpointService;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.inferbus.protocol.spec.Names;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's test tab: {@code POST /endpoints/{e}/test?deployment=D} sends the body to the
 * endpoint's scoring URI, through the gateway as any caller would, with the endpoint's own credential
 * (its primary key, or a scoring token the control plane issues), and answers what came back. The
 * browser cannot call the gateway itself: the console's policy lets it speak to this port only, and
 * the gateway answers no cross-origin calls.
 */
public final class ConsoleScoring {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleScoring.class);
  /** Above the longest request_timeout_ms (180 s) and queue wait a deployment may have. */
  static final long TIMEOUT_MS = 200_000;
  /** An answer larger than this is shown cut, as text. */
  static final int MAX_SHOWN_BYTES = 1024 * 1024;
  static final String DEPLOYMENT_HEADER = "azureml-model-deployment";

  private final EndpointService endpoints;
  private final EndpointTokens tokens;
  /** Held for the verticle's life: Vert.x 5 closes a client nothing references. */
  private final HttpClient client;

  /**
   * @param trusted the certificate (or chain) the gateway presents: the node's own, which its
   *     gateway serves with
   */
  public ConsoleScoring(Vertx vertx, EndpointService endpoints, EndpointTokens tokens, Path trusted) {
    this.endpoints = endpoints;
    this.tokens = tokens;
    // The chain is checked, the name is not: an operator's own certificate need not name the address
    // the scoring URI shows (callers reach the gateway by its DNS name), as the node's TLS warm-up.
    this.client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(false)
        .setTrustOptions(new PemTrustOptions().addCertPath(trusted.toString()))
        .setConnectTimeout(10_000));
  }

  /**
   * Sends {@code body} to {@code endpoint}, pinned to {@code deployment} when it is not null, and
   * answers {@code {"status", "duration_ms", "headers": {"x-request-id", "azureml-model-deployment"}, "body"}}:
   * the gateway's answer whatever its status (a 4xx of the model's input is what the tab is for).
   */
  public Future<ApiResult> send(String endpoint, String deployment, Buffer body, String contentType, Actor actor) {
    if (deployment != null) {
      Names.deployment(deployment);
    }
    return endpoints.get(endpoint)
        .compose(shown -> credential(endpoint, shown.body(), actor)
            .compose(credential -> call(shown.body().getString("scoring_uri"), credential, deployment, body,
                contentType, actor)))
        .map(ApiResult::ok);
  }

  private Future<String> credential(String endpoint, JsonObject shown, Actor actor) {
    String mode = shown.getString("auth_mode");
    if (EndpointState.AUTH_KEY.equals(mode)) {
      return endpoints.keys(endpoint).map(keys -> keys.body().getString("primaryKey"));
    }
    if (EndpointState.AUTH_AML_TOKEN.equals(mode)) {
      return Future.succeededFuture(tokens.issue(endpoint, actor.subject()).getString("accessToken"));
    }
    return Future.failedFuture(new InferbusException(FailureKind.CONFLICT, "endpoint '" + endpoint
        + "' has auth_mode '" + mode + "': the console cannot test it, as its callers present a token of the "
        + "trusted issuer, which the control plane cannot issue; score it with such a token", "auth_mode"));
  }

  private Future<JsonObject> call(String scoringUri, String credential, String deployment, Buffer body,
      String contentType, Actor actor) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(scoringUri)
        .setIdleTimeout(TIMEOUT_MS)
        .putHeader("authorization", "Bearer " + credential)
        .putHeader("content-type", contentType == null ? "application/json" : contentType)
        // the management request's id: the gateway's traffic log line carries it
        .putHeader(RequestIds.HEADER, actor.requestId());
    if (deployment != null) {
      request.putHeader(DEPLOYMENT_HEADER, deployment);
    }
    long start = System.nanoTime();
    return client.request(request)
        .compose(req -> req.send(body))
        .compose(response -> response.body().map(answer -> shown(response, answer, start)))
        .onSuccess(shown -> LOG.info("request {}: console test of {} by {}: {} in {} ms", actor.requestId(),
            scoringUri, actor.subject(), shown.getInteger("status"), shown.getLong("duration_ms")))
        .recover(e -> e instanceof InferbusException ? Future.failedFuture(e)
            : Future.failedFuture(new InferbusException(FailureKind.UNAVAILABLE, "the gateway at " + scoringUri
                + " did not answer: " + e.getMessage())));
  }

  private static JsonObject shown(HttpClientResponse response, Buffer answer, long start) {
    long durationMs = (System.nanoTime() - start) / 1_000_000;
    JsonObject headers = new JsonObject()
        .put(RequestIds.HEADER, response.getHeader(RequestIds.HEADER))
        .put(DEPLOYMENT_HEADER, response.getHeader(DEPLOYMENT_HEADER));
    JsonObject shown = new JsonObject().put("status", response.statusCode()).put("duration_ms", durationMs)
        .put("headers", headers);
    String type = response.getHeader("content-type");
    if (answer.length() > MAX_SHOWN_BYTES) {
      return shown.put("body", answer.getString(0, MAX_SHOWN_BYTES, StandardCharsets.UTF_8.name()))
          .put("truncated", true).put("body_bytes", answer.length());
    }
    if (type != null && type.toLowerCase(java.util.Locale.ROOT).contains("json")) {
      try {
        return shown.put("body", Json.decodeValue(answer));
      } catch (DecodeException e) {
        // shown as the text it is
      }
    }
    return shown.put("body", answer.toString(StandardCharsets.UTF_8));
  }

  public Future<Void> close() {
    return client.close();
  }
}
