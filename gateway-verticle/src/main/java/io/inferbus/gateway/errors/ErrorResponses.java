package io.inferbus.gateway.errors;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringProtocol;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Writes error answers in the shape of the protocol the request came in: Azure ML style
 * {@code {"error": {"code", "message"}}}, or the Open Inference Protocol's own
 * {@code {"error": "<message>"}}.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** Answers {@code kind}; the future completes once the answer is written (at once if one was already). */
  public static Future<Void> send(HttpServerResponse response, ScoringProtocol protocol, FailureKind kind,
      String message) {
    return send(response, protocol, kind.httpStatus(), kind.code(), message);
  }

  /**
   * An answer HTTP itself decides rather than a {@link FailureKind} of the scoring path: a request line
   * or header block too long, too many connections.
   */
  public static Future<Void> send(HttpServerResponse response, ScoringProtocol protocol, int status, String code,
      String message) {
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    return response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body(protocol, code, message).toBuffer());
  }

  private static JsonObject body(ScoringProtocol protocol, String code, String message) {
    return switch (protocol) {
      case AZURE_ML -> new JsonObject().put("error", new JsonObject().put("code", code).put("message", message));
      case OPEN_INFERENCE -> new JsonObject().put("error", message); // the protocol's error has no code
    };
  }
}
