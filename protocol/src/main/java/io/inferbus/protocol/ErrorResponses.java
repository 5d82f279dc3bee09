package io.inferbus.protocol;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one writer of JSON error answers, for the gateway and the control plane. Two shapes: Azure ML's
 * (and ARM's) {@code {"error": {"code", "message"}}}, where the management API adds {@code "target"}
 * when a failure names the field it is about; and the Open Inference Protocol's own
 * {@code {"error": "<message>"}}, which has no code. A scoring answer has the shape of the protocol the
 * request came in; a management answer is always Azure ML's.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  /** A scoring failure, in the shape of {@code protocol}. */
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
    return send(response, status, body(protocol, code, message));
  }

  /** A management API failure: Azure ML's shape, with the failure's target when it has one. */
  public static Future<Void> send(HttpServerResponse response, InferbusException failure) {
    return send(response, failure.kind().httpStatus(),
        body(failure.kind().code(), failure.getMessage(), failure.target()));
  }

  /** The future completes once the answer is written (at once if one was already, or cannot be). */
  private static Future<Void> send(HttpServerResponse response, int status, JsonObject body) {
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    return response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.toBuffer());
  }

  static JsonObject body(ScoringProtocol protocol, String code, String message) {
    return switch (protocol) {
      case AZURE_ML -> body(code, message, null);
      case OPEN_INFERENCE -> new JsonObject().put("error", message); // the protocol's error has no code
    };
  }

  static JsonObject body(String code, String message, String target) {
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    if (target != null) {
      error.put("target", target);
    }
    return new JsonObject().put("error", error);
  }
}
