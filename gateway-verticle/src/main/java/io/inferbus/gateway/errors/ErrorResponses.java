package io.inferbus.gateway.errors;

import io.inferbus.protocol.FailureKind;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Writes error answers: on Azure-style routes {@code {"error": {"code", "message"}}}, on Open
 * Inference Protocol routes the protocol's own {@code {"error": "<message>"}}.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** Answers {@code kind}; the future completes once the answer is written (at once if one was already). */
  public static Future<Void> send(HttpServerResponse response, boolean openInference, FailureKind kind,
      String message) {
    return send(response, openInference, kind.httpStatus(), kind.code(), message);
  }

  /**
   * An answer HTTP itself decides rather than a {@link FailureKind} of the scoring path: a request line
   * or header block too long, too many connections.
   */
  public static Future<Void> send(HttpServerResponse response, boolean openInference, int status, String code,
      String message) {
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    JsonObject body = openInference
        ? new JsonObject().put("error", message)
        : new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
    return response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.toBuffer());
  }
}
