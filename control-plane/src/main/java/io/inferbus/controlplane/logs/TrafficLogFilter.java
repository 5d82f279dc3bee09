package io.inferbus.controlplane.logs;

import io.inferbus.controlplane.operations.TimeSpans;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Which traffic log lines {@code GET /endpoints/{e}/traffic-log} asks for, read from its query
 * parameters. Every field but {@code lines} may be null (no filter).
 *
 * @param requestId only the lines of this request id
 * @param sinceMs only lines from this instant on (epoch millis)
 * @param status a status code ({@code "503"}) or class ({@code "5xx"})
 * @param lines how many of the last matching lines
 */
public record TrafficLogFilter(String requestId, Long sinceMs, String status, int lines) {
  private static final Pattern STATUS = Pattern.compile("[1-5][0-9][0-9]|[1-5]xx");
  /** Azure's and Kusto's relative form: {@code 30m}, {@code 2h}, {@code 7d} back from now. */

  /**
   * Reads and checks the parameters; a bad one is a 400 naming it.
   *
   * @param now the instant a relative {@code since} counts back from
   */
  public static TrafficLogFilter parse(String requestId, String since, String status, String lines, Instant now) {
    return new TrafficLogFilter(requestId(requestId), since(since, now), status(status), LogGatherer.lines(lines));
  }

  /** The question to a gateway's traffic log service ({@link io.inferbus.protocol.Addresses#trafficLog}). */
  public JsonObject query(String endpoint) {
    JsonObject q = new JsonObject().put("endpoint", endpoint).put("lines", lines);
    if (requestId != null) {
      q.put("request_id", requestId);
    }
    if (sinceMs != null) {
      q.put("since_ms", sinceMs);
    }
    if (status != null) {
      q.put("status", status);
    }
    return q;
  }

  private static String requestId(String param) {
    if (param == null) {
      return null;
    }
    // only what a gateway could have answered with (RequestIds.accept)
    if (!RequestIds.isValid(param)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "request_id must be " + RequestIds.RULE
          + " (as the " + RequestIds.HEADER + " the gateway answered with), not '" + shorten(param) + "'",
          "request_id");
    }
    return param;
  }

  private static Long since(String param, Instant now) {
    if (param == null) {
      return null;
    }
    Duration back = TimeSpans.parse(param);
    if (back != null) {
      return now.minus(back).toEpochMilli();
    }
    try {
      return Instant.parse(param.trim()).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new InferbusException(FailureKind.BAD_INPUT, "since must be an ISO-8601 instant such as "
          + "2026-01-31T12:00:00Z or a time back from now such as 30m, 2h or 7d (s, m, h, d), not '"
          + shorten(param) + "'", "since");
    }
  }

  private static String status(String param) {
    if (param == null) {
      return null;
    }
    String s = param.trim().toLowerCase(java.util.Locale.ROOT);
    if (!STATUS.matcher(s).matches()) {
      throw new InferbusException(FailureKind.BAD_INPUT, "status must be an HTTP status code from 100 to 599 "
          + "such as 503, or a class such as 5xx (1xx to 5xx), not '" + shorten(param) + "'", "status");
    }
    return s;
  }

  /** A bad value in an error message, cut so a long one cannot flood the answer or the log. */
  private static String shorten(String value) {
    return value.length() <= 140 ? value : value.substring(0, 140) + "...";
  }
}
