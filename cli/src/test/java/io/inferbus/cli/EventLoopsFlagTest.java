package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code --event-loops}: 0 (Vert.x's default) unless given; 1-256 accepted; anything else stops the start. */
class EventLoopsFlagTest {
  @Test
  void defaultGivenAndRefused() {
    assertEquals(0, TrustedIssuerFlagsTest.parse().eventLoops);
    ServerOptions one = TrustedIssuerFlagsTest.parse("--event-loops", "1");
    one.check();
    assertEquals(1, one.eventLoops);
    for (String bad : new String[] {"-1", "257"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TrustedIssuerFlagsTest.parse("--event-loops", bad).check());
      assertTrue(e.getMessage().contains("--event-loops " + bad + " is out of range"), e.getMessage());
    }
  }
}
