package io.inferbus.cli.operator.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * az's traffic strings. Bad inputs tried: commas (with and without a space), a word for a number, a
 * name without a value, a negative number, a number over three digits, a name twice, an empty string.
 */
class TrafficStringTest {
  @Test
  void spaceSeparatedPairs() {
    assertEquals("{\"blue\":90,\"green\":10}", TrafficString.parse("--traffic", "blue=90 green=10").toString());
    assertEquals("{\"blue\":90,\"green\":10}", TrafficString.parse("--traffic", "  blue=90   green=10 ").toString());
    assertEquals("{\"green\":0}", TrafficString.parse("--mirror-traffic", "green=0").toString());
  }

  @Test
  void commasGetAzsOwnMessage() {
    for (String commas : List.of("blue=90, green=10", "blue=90,green=10")) {
      CliException e = assertThrows(CliException.class, () -> TrafficString.parse("--traffic", commas));
      assertTrue(e.getMessage().startsWith("Do not add a delimiter between traffic variables"), e.getMessage());
      assertEquals(CliException.ERROR, e.exitCode(), "az exits 1 for it");
    }
  }

  @Test
  void anythingButNameEqualsWholeNumberIsRefused() {
    for (String bad : List.of("blue=ninety", "blue", "blue=", "=90", "blue=-5", "blue=1000", "blue=90 blue=10", "",
        "   ")) {
      CliException e = assertThrows(CliException.class, () -> TrafficString.parse("--traffic", bad), bad);
      assertTrue(e.getMessage().contains("--traffic"), e.getMessage());
    }
  }

  @Test
  void formatsWeightsForTables() {
    assertEquals("blue=90 green=10", TrafficString.format(Json.parse("{\"blue\": 90, \"green\": 10}", "t")));
    assertEquals("", TrafficString.format(Json.object()));
    assertEquals("", TrafficString.format(null));
  }
}
