package io.inferbus.gateway.trafficlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * A traffic log line is one JSON object with every field docs/operations.md names, whatever the
 * caller sent: quotes, backslashes, control characters and non-ASCII in its user agent stay inside
 * their string and the line stays one line.
 */
class TrafficLogFormatTest {
  @Test
  void everyFieldOnOneLineOfJson() {
    TrafficRecord r = new TrafficRecord("req-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "credit",
        TrafficRecord.LIVE, 1_780_000_000_000L, 0);
    r.deployment = "blue";
    r.method = "POST";
    r.path = "/endpoints/credit/score";
    r.protocol = "azureml";
    r.status = 200;
    r.durationNanos = 3_456_789;
    r.modelMicros = 512;
    r.bytesIn = 208;
    r.bytesOut = 129;
    r.authMode = "key";
    r.caller = "10.1.2.3";
    r.userAgent = "evil\"\\\n\u0001 agent ü";
    String line = TrafficLog.format(r, "node-1");
    assertEquals(-1, line.indexOf('\n'), line);
    JsonObject j = new JsonObject(line);
    assertEquals("2026-05-28T20:26:40.000Z", j.getString("time"), "fixed width, milliseconds always");
    assertEquals("req-1", j.getString("request_id"));
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", j.getString("trace_id"));
    assertEquals("blue", j.getString("deployment"));
    assertEquals("live", j.getString("kind"));
    assertEquals(200, j.getInteger("status"));
    assertNull(j.getString("error_code"));
    assertEquals(3.456, j.getDouble("duration_ms"));
    assertEquals(0.512, j.getDouble("model_ms"));
    assertEquals(208, j.getInteger("bytes_in"));
    assertEquals(129, j.getInteger("bytes_out"));
    assertEquals("key", j.getString("auth_mode"));
    assertEquals("10.1.2.3", j.getString("caller"));
    assertEquals("evil\"\\\n\u0001 agent ü", j.getString("user_agent"));
    assertEquals("node-1", j.getString("node"));
  }

  @Test
  void aRequestThatNeverRanHasNoModelTime() {
    TrafficRecord r = new TrafficRecord("req-2", TraceContext.continueOrStart(null), "credit", TrafficRecord.MIRROR);
    r.status = 429;
    r.errorCode = "TooManyRequests";
    r.durationNanos = 1_000_000_007L;
    JsonObject j = new JsonObject(TrafficLog.format(r, "n"));
    assertNull(j.getValue("model_ms"));
    assertEquals("mirror", j.getString("kind"));
    assertEquals("TooManyRequests", j.getString("error_code"));
    assertEquals(1000.0, j.getDouble("duration_ms"));
    assertEquals(32, j.getString("trace_id").length());
  }
}
