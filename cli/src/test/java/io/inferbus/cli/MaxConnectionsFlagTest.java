package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * {@code --max-connections}: 4096 unless given; 1-1000000 accepted; anything else (tried: 0, -1,
 * 1000001) stops the start with a message naming the flag, the value and the range.
 */
class MaxConnectionsFlagTest {
  @Test
  void defaultGivenAndRefused() {
    assertEquals(4096, TrustedIssuerFlagsTest.parse().maxConnections);
    ServerOptions four = TrustedIssuerFlagsTest.parse("--max-connections", "4");
    four.check();
    assertEquals(4, four.maxConnections);
    for (String bad : new String[] {"0", "-1", "1000001"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TrustedIssuerFlagsTest.parse("--max-connections", bad).check());
      assertEquals("--max-connections " + bad + " is out of range 1-1000000", e.getMessage());
    }
    NodeCommand node = new NodeCommand();
    new picocli.CommandLine(node).parseArgs("--roles", "gateway", "--max-connections", "10");
    assertEquals(10, node.server.maxConnections);
  }
}
