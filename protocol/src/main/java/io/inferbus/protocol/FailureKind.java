package io.inferbus.protocol;

/**
 * Every way a request can fail, with its HTTP status and the error code callers see. Instances fail
 * event-bus messages with {@link #eventBusCode()}; gateways map it back with {@link #fromEventBusCode}.
 * This is the one place where failure kinds meet status codes.
 */
public enum FailureKind {
  BAD_INPUT(400, "BadRequest"),
  UNAUTHORIZED(401, "Unauthorized"),
  FORBIDDEN(403, "Forbidden"),
  /** The endpoint's {@code public_network_access} is disabled and the caller is outside its allowed networks. */
  NETWORK_ACCESS_DISABLED(403, "PublicNetworkAccessDisabled"),
  NOT_FOUND(404, "NotFound"),
  CONFLICT(409, "Conflict"),
  TIMED_OUT(408, "RequestTimeout"),
  TOO_LARGE(413, "PayloadTooLarge"),
  MODEL_FAILED(424, "ModelError"),
  OVERLOADED(429, "TooManyRequests"),
  UNAVAILABLE(503, "ServiceUnavailable"),
  INTERNAL(500, "InternalError");

  private final int httpStatus;
  private final String code;

  FailureKind(int httpStatus, String code) {
    this.httpStatus = httpStatus;
    this.code = code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The error code in JSON error bodies. */
  public String code() {
    return code;
  }

  /**
   * Failure code used on the event bus. Offset so it can never be confused with Vert.x's own
   * negative reply failure codes.
   */
  public int eventBusCode() {
    return 10_000 + httpStatus;
  }

  public static FailureKind fromEventBusCode(int code) {
    for (FailureKind k : values()) { // FORBIDDEN before NETWORK_ACCESS_DISABLED, which never travels the bus
      if (k.eventBusCode() == code) {
        return k;
      }
    }
    return INTERNAL;
  }
}
