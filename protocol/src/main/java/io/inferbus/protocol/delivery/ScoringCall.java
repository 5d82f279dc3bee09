package io.inferbus.protocol.delivery;

import io.inferbus.protocol.ScoringProtocol;
import io.vertx.core.buffer.Buffer;

/**
 * A scoring request handed to an instance on the same node without the event bus: what the
 * gateway's scoring message carries in its headers, typed, and the body as the gateway read it (not
 * copied). The instance answers through {@link #answer}, from whichever thread finished the request.
 *
 * @param timeoutMs the caller's deadline, in milliseconds from now
 * @param jsonLength the binary extension's JSON length (already checked against the body), -1 when the body is all JSON
 * @param traceparent the request's W3C trace context
 * @param mirror whether this is a mirrored copy
 */
public record ScoringCall(Buffer body, ScoringProtocol protocol, String requestId, long timeoutMs, int jsonLength,
    String traceparent, boolean mirror, ScoringAnswer answer) {
}
