package io.inferbus.gateway.trafficlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * W3C trace context at the gateway: a caller's valid traceparent is continued (its trace id and
 * flags kept, a new parent id), anything else starts a new trace. Bad inputs tried: null, empty,
 * upper-case hex, all-zero trace and parent ids, version ff, version 00 with extra fields, wrong
 * separators, a short id.
 */
class TraceContextTest {
  private static final String CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void aValidTraceparentIsContinuedWithANewParent() {
    String passedOn = TraceContext.continueOrStart(CALLER);
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceContext.traceId(passedOn));
    assertTrue(passedOn.endsWith("-01"), passedOn);
    assertNotEquals(CALLER, passedOn, "the gateway is the new parent");
    assertTrue(TraceContext.valid(passedOn), passedOn);
  }

  @Test
  void aLaterVersionWithExtraFieldsIsContinued() {
    String later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-something";
    String passedOn = TraceContext.continueOrStart(later);
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceContext.traceId(passedOn));
    assertTrue(passedOn.startsWith("00-") && passedOn.endsWith("-00"), passedOn);
  }

  @Test
  void anythingElseStartsANewValidTrace() {
    String[] bad = {null, "", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"};
    for (String header : bad) {
      assertFalse(TraceContext.valid(header), header);
      String started = TraceContext.continueOrStart(header);
      assertTrue(TraceContext.valid(started), header + " -> " + started);
      assertNotEquals("4bf92f3577b34da6a3ce929d0e0e4736", TraceContext.traceId(started));
    }
    assertNotEquals(TraceContext.traceId(TraceContext.continueOrStart(null)),
        TraceContext.traceId(TraceContext.continueOrStart(null)), "each request its own trace");
  }
}
