package io.inferbus.gateway.trafficlog;

/**
 * What the traffic log and the gateway's metrics keep of one scored request (Azure's
 * {@code AMLOnlineEndpointTrafficLog}), filled in as the request goes through the gateway and
 * written once it is answered. One per request or mirrored copy; used on its event loop only.
 */
public final class TrafficRecord {
  public static final String LIVE = "live";
  public static final String MIRROR = "mirror";

  /** When its head arrived: wall clock for the log, monotonic for the duration. */
  public final long startMillis;
  public final long startNanos;
  public final String requestId;
  public final String traceparent;
  public final String endpoint;
  public final String kind;
  public String clientRequestId;
  public String method;
  public String path;
  public String protocol;
  public String deployment;
  /** The endpoint's traffic revision whose routing table chose the deployment (0 until one did). */
  public long trafficRevision;
  public String authMode;
  public String caller;
  public String userAgent;
  public int status;
  public String errorCode;
  public long durationNanos;
  /** The instance's model run, from its reply; -1 when it did not run the model. */
  public long modelMicros = -1;
  public long bytesIn;
  public long bytesOut;

  public TrafficRecord(String requestId, String traceparent, String endpoint, String kind) {
    this(requestId, traceparent, endpoint, kind, System.currentTimeMillis(), System.nanoTime());
  }

  public TrafficRecord(String requestId, String traceparent, String endpoint, String kind, long startMillis,
      long startNanos) {
    this.startMillis = startMillis;
    this.startNanos = startNanos;
    this.requestId = requestId;
    this.traceparent = traceparent;
    this.endpoint = endpoint;
    this.kind = kind;
  }
}
