package io.inferbus.protocol;

/** Headers of a scoring message on the event bus (gateway → instance and back). */
public final class ScoringHeaders {
  /** The request id the gateway assigned or accepted; instances log it. */
  public static final String REQUEST_ID = "inferbus-request-id";
  /** Which wire format the body is in: one of {@link ScoringProtocol#wireName()}. */
  public static final String PROTOCOL = "inferbus-protocol";
  /**
   * The caller's deadline in milliseconds from when the gateway sent the request (the deployment's
   * request_timeout_ms): work still queued past it is abandoned, not run late.
   */
  public static final String TIMEOUT_MS = "inferbus-timeout-ms";
  /** On a reply: the content type of the body. */
  public static final String CONTENT_TYPE = "inferbus-content-type";
  /** On a V2 request and reply: length of the JSON header when binary tensor data follows. */
  public static final String INFERENCE_HEADER_LENGTH = "inference-header-content-length";

  /**
   * The W3C trace context of the request ({@code 00-<trace id>-<parent id>-<flags>}): the caller's
   * when it sent a valid one, else one the gateway started. Instances put its trace id in their
   * access lines.
   */
  public static final String TRACEPARENT = "traceparent";
  /** On a reply: how long the instance ran the model for this request, in microseconds. */
  public static final String MODEL_TIME_US = "inferbus-model-time-us";

  /** On a mirrored copy, so instances and logs can tell shadow work from live work. */
  public static final String MIRROR = "inferbus-mirror";

  private ScoringHeaders() {}
}
