package io.inferbus.gateway.trafficlog;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's traffic log: one JSON line per scored request (and per mirrored copy) through an
 * SLF4J logger of its own, {@link #loggerName}, which the node sends to an asynchronous appender
 * writing rotated files ({@link #FILE_NAME}, {@link #ROLLED_FILES}) under its data dir.
 * docs/operations.md lists the fields.
 *
 * <p>Lines are handed to the logger in chunks (several lines, one logging event): every
 * {@link #FLUSH_INTERVAL_MS} ms, at {@link #FLUSH_CHARS} characters, and on {@link #flush}. One
 * event per line cost a sixth of the full stack's throughput on two cores (an event object, a
 * queue hand-off that wakes the logging thread, and a write, per request); per chunk it costs
 * little, and a line reaches the file within a fraction of a second.
 */
public final class TrafficLog {
  /** The file being written, in the node's traffic-log directory. */
  public static final String FILE_NAME = "traffic.log";
  /** Logback's pattern for rotated files, in the same directory (by day, then by size). */
  public static final String ROLLED_FILES = "traffic.%d{yyyy-MM-dd}.%i.log";
  /** Fixed width, so lines sort by time as text. */
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);
  /** A log that writes nothing (the traffic log is off). */
  public static final TrafficLog OFF = new TrafficLog(null, null);
  /** How often the gateway hands what it has to the logger. */
  public static final long FLUSH_INTERVAL_MS = 200;
  /** A chunk this large goes at once. */
  static final int FLUSH_CHARS = 64 * 1024;

  private final Logger logger;
  private final String nodeId;
  /** Lines not yet handed to the logger, separated by newlines; guarded by itself. */
  private final StringBuilder pending = new StringBuilder(FLUSH_CHARS + 2048);

  private TrafficLog(Logger logger, String nodeId) {
    this.logger = logger;
    this.nodeId = nodeId;
  }

  /** The logger a node's traffic lines go to; the node attaches the file appender to it. */
  public static String loggerName(String nodeId) {
    return "io.inferbus.traffic." + nodeId;
  }

  public static TrafficLog forNode(String nodeId) {
    return new TrafficLog(LoggerFactory.getLogger(loggerName(nodeId)), nodeId);
  }

  public boolean enabled() {
    return logger != null;
  }

  /** Adds the record's line; it reaches the logger with the next chunk. Thread-safe, never blocks on I/O. */
  public void write(TrafficRecord r) {
    if (logger == null) {
      return;
    }
    String line = format(r, nodeId);
    String chunk = null;
    synchronized (pending) {
      if (pending.length() > 0) {
        pending.append('\n');
      }
      pending.append(line);
      if (pending.length() >= FLUSH_CHARS) {
        chunk = take();
      }
    }
    if (chunk != null) {
      logger.info(chunk);
    }
  }

  /** Hands the lines written so far to the logger (the gateway calls it on a timer and when it stops). */
  public void flush() {
    if (logger == null) {
      return;
    }
    String chunk;
    synchronized (pending) {
      chunk = pending.length() == 0 ? null : take();
    }
    if (chunk != null) {
      logger.info(chunk);
    }
  }

  private String take() {
    String chunk = pending.toString();
    pending.setLength(0);
    return chunk;
  }

  static String format(TrafficRecord r, String nodeId) {
    StringBuilder b = new StringBuilder(512).append('{');
    string(b, "time", TIME.format(Instant.ofEpochMilli(r.startMillis)));
    string(b, "request_id", r.requestId);
    string(b, "client_request_id", r.clientRequestId);
    string(b, "trace_id", TraceContext.traceId(r.traceparent));
    string(b, "endpoint", r.endpoint);
    string(b, "deployment", r.deployment);
    string(b, "kind", r.kind);
    string(b, "method", r.method);
    string(b, "path", r.path);
    string(b, "protocol", r.protocol);
    number(b, "status", r.status);
    string(b, "error_code", r.errorCode);
    millis(b, "duration_ms", r.durationNanos / 1000);
    if (r.modelMicros >= 0) {
      millis(b, "model_ms", r.modelMicros);
    } else {
      b.append("\"model_ms\":null,");
    }
    number(b, "bytes_in", r.bytesIn);
    number(b, "bytes_out", r.bytesOut);
    string(b, "auth_mode", r.authMode);
    string(b, "caller", r.caller);
    string(b, "user_agent", r.userAgent);
    string(b, "node", nodeId);
    b.setLength(b.length() - 1);
    return b.append('}').toString();
  }

  private static void string(StringBuilder b, String name, String value) {
    b.append('"').append(name).append("\":");
    if (value == null) {
      b.append("null,");
    } else {
      b.append('"');
      JsonStringEncoder.getInstance().quoteAsString(value, b);
      b.append("\",");
    }
  }

  private static void number(StringBuilder b, String name, long value) {
    b.append('"').append(name).append("\":").append(value).append(',');
  }

  /** Microseconds as milliseconds with three decimals, without floating point. */
  private static void millis(StringBuilder b, String name, long micros) {
    b.append('"').append(name).append("\":").append(micros / 1000).append('.');
    long frac = micros % 1000;
    if (frac < 100) {
      b.append('0');
    }
    if (frac < 10) {
      b.append('0');
    }
    b.append(frac).append(',');
  }
}
