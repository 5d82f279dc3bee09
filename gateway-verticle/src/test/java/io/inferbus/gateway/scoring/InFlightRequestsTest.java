package io.inferbus.gateway.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each request is settled once: by its answer, or by its node leaving, whichever comes first. */
class InFlightRequestsTest {
  private final InFlightRequests inFlight = new InFlightRequests();
  private final List<String> moved = new ArrayList<>();

  @Test
  void aNodeLeavingSettlesOnlyItsOwnUnansweredRequests() {
    InFlightRequests.Request a1 = inFlight.sent("a", () -> moved.add("a1"));
    InFlightRequests.Request a2 = inFlight.sent("a", () -> moved.add("a2"));
    InFlightRequests.Request b1 = inFlight.sent("b", () -> moved.add("b1"));
    assertTrue(a1.settle(), "a1 answered before its node left");
    assertEquals(1, inFlight.nodeLeft("a"));
    assertEquals(List.of("a2"), moved);
    assertFalse(a2.settle(), "a2's late answer (a timeout) is ignored: the node's leaving settled it");
    assertEquals(0, inFlight.nodeLeft("a"), "leaving twice settles nothing more");
    assertEquals(1, inFlight.size());
    assertTrue(b1.settle());
    assertEquals(0, inFlight.size());
    assertEquals(0, inFlight.nodeLeft("b"));
    assertEquals(List.of("a2"), moved);
  }

  @Test
  void aRequestWithoutANodeIsNeverMovedButSettlesOnce() {
    InFlightRequests.Request r = inFlight.sent(null, () -> moved.add("r"));
    assertEquals(0, inFlight.size());
    assertTrue(r.settle());
    assertFalse(r.settle());
    assertEquals(List.of(), moved);
  }
}
