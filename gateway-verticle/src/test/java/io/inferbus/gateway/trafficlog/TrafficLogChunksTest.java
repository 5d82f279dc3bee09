package io.inferbus.gateway.trafficlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The traffic log hands its lines to the logger in chunks (one logging event for many lines): on
 * {@code flush} (the gateway's timer) and as soon as a chunk is large; every line arrives once, in
 * order, whole.
 */
class TrafficLogChunksTest {
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private Logger logger;

  @BeforeEach
  void listen() {
    logger = (Logger) LoggerFactory.getLogger(TrafficLog.loggerName("chunks"));
    logger.setAdditive(false);
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(events);
  }

  private static TrafficRecord record(int i) {
    TrafficRecord r = new TrafficRecord("req-" + i, TraceContext.continueOrStart(null), "credit", TrafficRecord.LIVE);
    r.status = 200;
    return r;
  }

  @Test
  void linesWaitForTheFlushThenGoAsOneEvent() {
    TrafficLog log = TrafficLog.forNode("chunks");
    for (int i = 0; i < 3; i++) {
      log.write(record(i));
    }
    assertEquals(0, events.list.size(), "nothing before the flush");
    log.flush();
    assertEquals(1, events.list.size());
    String[] lines = events.list.get(0).getMessage().split("\n");
    assertEquals(3, lines.length);
    for (int i = 0; i < 3; i++) {
      assertEquals("req-" + i, new JsonObject(lines[i]).getString("request_id"));
    }
    log.flush();
    assertEquals(1, events.list.size(), "an empty flush logs nothing");
  }

  @Test
  void aLargeChunkGoesWithoutWaiting() {
    TrafficLog log = TrafficLog.forNode("chunks");
    int n = 0;
    while (events.list.isEmpty()) {
      log.write(record(n++));
      assertTrue(n < 10_000, "a chunk went by " + TrafficLog.FLUSH_CHARS + " characters");
    }
    log.flush();
    int lines = events.list.stream().mapToInt(e -> e.getMessage().split("\n").length).sum();
    assertEquals(n, lines, "every line once");
    assertTrue(events.list.get(0).getMessage().length() >= TrafficLog.FLUSH_CHARS);
  }

  @Test
  void offWritesNothing() {
    TrafficLog.OFF.write(record(1));
    TrafficLog.OFF.flush();
    assertEquals(0, events.list.size());
  }
}
