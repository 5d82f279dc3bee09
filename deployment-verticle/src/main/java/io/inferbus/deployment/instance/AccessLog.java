package io.inferbus.deployment.instance;

import java.util.Locale;

/**
 * Where an instance writes one access line per request it finished, as an inference server's log
 * shows them to {@code get-logs}: the node agent keeps them with the deployment's other lines.
 */
@FunctionalInterface
public interface AccessLog {
  /** Access lines off ({@code --request-logging off}). */
  AccessLog NONE = line -> { };

  void record(Line line);

  /**
   * One finished request. Formatted only when someone reads the logs, so writing costs the hot
   * path one small object.
   *
   * @param traceId the W3C trace id the gateway passed on, or null
   * @param status the HTTP status the caller gets for this outcome (200, 400, 429, 424, ...)
   * @param queueNanos time in the instance's queue; runNanos time in ONNX Runtime (0 if it never ran)
   */
  record Line(long timeMillis, String instance, String requestId, String traceId, boolean mirror, int status,
      long queueNanos, long runNanos, long rows) {
    public String message() {
      return String.format(Locale.ROOT, "request %s %s%d queued %.3f ms run %.3f ms rows %d trace %s", requestId,
          mirror ? "mirror " : "", status, queueNanos / 1e6, runNanos / 1e6, rows, traceId == null ? "-" : traceId);
    }
  }
}
