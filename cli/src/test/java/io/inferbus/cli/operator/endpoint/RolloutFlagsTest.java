package io.inferbus.cli.operator.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.inferbus.cli.operator.CliException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rollout's command-line forms and the deployment YAML's rollout: block. Bad inputs tried: steps
 * empty, with a word, a negative or a fraction; durations without a number, with an unknown unit, a
 * negative one; a block that is a list, one with an unknown field, one naming another deployment.
 */
class RolloutFlagsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void stepsAreSpaceOrCommaSeparatedPercentages() {
    assertEquals("[10,25,50,100]", RolloutFlags.steps("--steps", "10 25 50 100").toString());
    assertEquals("[10,100]", RolloutFlags.steps("--steps", " 10,100 ").toString());
    for (String bad : List.of("", "  ", "ten 100", "10 -5 100", "2.5 100")) {
      CliException e = assertThrows(CliException.class, () -> RolloutFlags.steps("--steps", bad), bad);
      assertTrue(e.getMessage().contains("--steps"), e.getMessage());
      assertEquals(CliException.USAGE, e.exitCode());
    }
  }

  @Test
  void durationsAreSecondsMinutesOrHours() {
    assertEquals(60, RolloutFlags.seconds("--step-interval", "60"));
    assertEquals(60, RolloutFlags.seconds("--step-interval", "60s"));
    assertEquals(120, RolloutFlags.seconds("--step-interval", "2m"));
    assertEquals(3600, RolloutFlags.seconds("--step-interval", "1H"));
    for (String bad : List.of("", "s", "1d", "-5s", "1.5m", "one minute")) {
      CliException e = assertThrows(CliException.class, () -> RolloutFlags.seconds("--step-interval", bad), bad);
      assertTrue(e.getMessage().contains("--step-interval"), e.getMessage());
    }
  }

  @Test
  void aYamlBlockBecomesTheRoutesBodyForItsDeployment() throws Exception {
    JsonNode block = YAML.readTree("steps: [10, 50, 100]\nstep_interval_s: 60\nmax_error_rate: 1\nmax_p95_ratio: null\n");
    assertEquals("{\"steps\":[10,50,100],\"step_interval_s\":60,\"max_error_rate\":1,\"max_p95_ratio\":null,"
        + "\"deployment\":\"green\"}", RolloutFlags.fromYamlBlock(block, "green", "green.yml").toString());
    assertEquals("[5,100]", RolloutFlags.fromYamlBlock(YAML.readTree("steps: \"5 100\"\ndeployment: green\n"), "green",
        "green.yml").get("steps").toString(), "steps as the flag's string, and the deployment's own name, are fine");
  }

  @Test
  void aBlockThatCannotBeARolloutIsRefusedBeforeAnythingIsSent() throws Exception {
    assertThrows(CliException.class, () -> RolloutFlags.fromYamlBlock(YAML.readTree("[10, 100]"), "green", "g.yml"));
    CliException typo = assertThrows(CliException.class, () -> RolloutFlags.fromYamlBlock(
        YAML.readTree("steps: [100]\nmax_p95: 200\n"), "green", "g.yml"));
    assertTrue(typo.getMessage().contains("unknown field 'max_p95'") && typo.getMessage().contains("max_p95_ms"),
        typo.getMessage());
    CliException other = assertThrows(CliException.class, () -> RolloutFlags.fromYamlBlock(
        YAML.readTree("steps: [100]\ndeployment: blue\n"), "green", "g.yml"));
    assertTrue(other.getMessage().contains("names deployment 'blue'"), other.getMessage());
  }
}
