package io.inferbus.protocol.net;

import io.inferbus.protocol.ErrorResponses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.RequestIds;
import io.inferbus.protocol.ScoringProtocol;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request HTTP itself could not decode (a request line or headers over the limits, garbage):
 * answered, like every refusal on both HTTPS ports, with a JSON error and a request id, then the
 * connection closes. Install with {@code HttpServer.invalidRequestHandler(InvalidRequests::answer)}.
 */
public final class InvalidRequests {
  private static final Logger LOG = LoggerFactory.getLogger(InvalidRequests.class);

  private InvalidRequests() {}

  public static void answer(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "UriTooLong";
      message = "the request line is longer than " + HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "RequestHeaderFieldsTooLarge";
      message = "the request headers are larger than " + HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes";
    } else {
      status = 400;
      code = FailureKind.BAD_INPUT.code();
      message = "malformed HTTP request";
    }
    String requestId = UUID.randomUUID().toString();
    LOG.debug("request {}: {} {}", requestId, status, message);
    request.response().putHeader(RequestIds.HEADER, requestId);
    ErrorResponses.send(request.response(), ScoringProtocol.AZURE_ML, status, code, message)
        .onComplete(ar -> request.connection().close());
  }
}
