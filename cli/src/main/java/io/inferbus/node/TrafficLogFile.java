package io.inferbus.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * Sends a node's traffic log ({@link TrafficLog#loggerName}) to rotated files under
 * {@code <data-dir>/logs}: logback's asynchronous appender in front of a rolling file appender, so
 * the gateway's event loop only queues a line and one logging thread writes. Files roll daily and
 * at {@link #MAX_FILE_SIZE}; {@link #MAX_DAYS} days and at most {@link #TOTAL_SIZE_CAP} are kept.
 *
 * <p>The gateway hands it chunks of lines ({@link TrafficLog}). When the disk cannot keep up and the
 * queue ({@link #QUEUE_SIZE} chunks) is full, a chunk is dropped rather than blocking the event
 * loop, and its lines are counted in {@code inferbus_gateway_traffic_log_dropped_total}.
 */
final class TrafficLogFile {
  static final int QUEUE_SIZE = 1024;
  static final String MAX_FILE_SIZE = "100MB";
  static final int MAX_DAYS = 30;
  static final String TOTAL_SIZE_CAP = "5GB";

  private final Logger logger;
  private final DroppingAsyncAppender async;

  private TrafficLogFile(Logger logger, DroppingAsyncAppender async) {
    this.logger = logger;
    this.async = async;
  }

  /** Starts writing the node's traffic log into {@code dir}; null when logback is not the backend. */
  static TrafficLogFile attach(String nodeId, Path dir, MeterRegistry registry) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return null;
    }
    ChunkEncoder encoder = new ChunkEncoder();
    encoder.setContext(context);
    encoder.start();

    RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
    file.setContext(context);
    file.setName("inferbus-traffic-file-" + nodeId);
    file.setFile(dir.resolve(TrafficLog.FILE_NAME).toString());
    file.setEncoder(encoder);
    SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
    policy.setContext(context);
    policy.setParent(file);
    policy.setFileNamePattern(dir.resolve(TrafficLog.ROLLED_FILES).toString());
    policy.setMaxFileSize(FileSize.valueOf(MAX_FILE_SIZE));
    policy.setMaxHistory(MAX_DAYS);
    policy.setTotalSizeCap(FileSize.valueOf(TOTAL_SIZE_CAP));
    policy.start();
    file.setRollingPolicy(policy);
    file.start();

    DroppingAsyncAppender async = new DroppingAsyncAppender(Counter.builder("inferbus.gateway.traffic.log.dropped")
        .description("traffic log lines dropped because the disk could not keep up").register(registry));
    async.setContext(context);
    async.setName("inferbus-traffic-" + nodeId);
    async.setQueueSize(QUEUE_SIZE);
    async.setDiscardingThreshold(0); // never discard INFO lines to make room: they are the record
    async.setNeverBlock(true);
    async.addAppender(file);
    async.start();

    Logger logger = context.getLogger(TrafficLog.loggerName(nodeId));
    logger.setAdditive(false); // not on stderr with the node's own log
    logger.setLevel(Level.INFO);
    logger.addAppender(async);
    return new TrafficLogFile(logger, async);
  }

  /** Writes what is queued and closes the files. */
  void detach() {
    logger.detachAppender(async);
    async.stop(); // drains the queue (up to its flush timeout), then stops the file appender
  }

  /** Logback's asynchronous appender, counting the lines it drops when its queue is full. */
  /**
   * Writes each event's message (a chunk of traffic-log lines) and a line end, as a {@code %msg%n}
   * pattern would, without copying the chunk through a pattern layout's buffer first (that copy was a
   * tenth of the gateway's garbage per request).
   */
  private static final class ChunkEncoder extends EncoderBase<ILoggingEvent> {
    @Override
    public byte[] headerBytes() {
      return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
      byte[] message = event.getFormattedMessage().getBytes(StandardCharsets.UTF_8);
      byte[] line = Arrays.copyOf(message, message.length + 1);
      line[message.length] = '\n';
      return line;
    }

    @Override
    public byte[] footerBytes() {
      return null;
    }
  }

  private static final class DroppingAsyncAppender extends AsyncAppenderBase<ILoggingEvent> {
    private final Counter dropped;

    DroppingAsyncAppender(Counter dropped) {
      this.dropped = dropped;
    }

    @Override
    protected void preprocess(ILoggingEvent event) {
      event.prepareForDeferredProcessing();
    }

    @Override
    protected void append(ILoggingEvent event) {
      if (getRemainingCapacity() == 0) {
        dropped.increment(lines(event.getMessage())); // an event is a chunk of lines
        return;
      }
      super.append(event);
    }

    private static int lines(String chunk) {
      int n = 1;
      for (int i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) {
        n++;
      }
      return n;
    }
  }
}
