package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.testing.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code inferbus online-endpoint rollout ...} and a deployment file's {@code rollout:} block, as a
 * user runs them against a real node: create a deployment that starts its own rollout once it
 * serves, follow it, promote it; start another from flags and abort it. No load runs, and the
 * rollouts need more answers than they get, so they stay at their first step until ended by hand
 * (the automatic decisions are CanaryRolloutTest's). Bad inputs tried: steps not ending at 100, a
 * rollout block with an unknown field (refused before the deployment is created), --all-traffic with
 * a rollout block, promote after the end, an unknown endpoint.
 */
class RolloutCliIT extends CliNodeTest {
  private static final Path FAST = Path.of("..", "testdata", "models", "chain-fast.onnx").toAbsolutePath();

  /** The endpoint's live weights, compared as JSON (in any order). */
  private JsonNode traffic(String endpoint) {
    return cli.run("online-endpoint", "show", "-n", endpoint, "--query", "traffic").ok().json();
  }

  private static JsonNode weights(String json) {
    return Json.parse(json, "weights");
  }

  private Path deploymentFile(String name, String rolloutBlock) throws Exception {
    Path file = tmp.resolve(name + ".yml");
    Files.writeString(file, "name: " + name + "\nendpoint_name: cli-canary\nmodel: {path: " + FAST + "}\n"
        + "instance_count: 1\n" + rolloutBlock);
    return file;
  }

  @Test
  void aDeploymentFileRollsItselfOutAndTheCommandsFollowAndEndIt() throws Exception {
    cli.run("online-endpoint", "create", "-n", "cli-canary").ok();
    cli.run("online-deployment", "create", "-f", deploymentFile("blue", "").toString(), "--all-traffic").ok();

    Result typo = cli.run("online-deployment", "create", "-f", deploymentFile("green",
        "rollout: {steps: [50, 100], max_p95: 200}\n").toString());
    typo.exits(1);
    assertTrue(typo.stderr().contains("unknown field 'max_p95'"), typo.toString());
    Result both = cli.run("online-deployment", "create", "-f", deploymentFile("green",
        "rollout: {steps: [50, 100]}\n").toString(), "--all-traffic");
    both.exits(2);
    assertTrue(both.stderr().contains("--all-traffic and the file's rollout: block"), both.toString());
    cli.run("online-deployment", "show", "-n", "green", "-e", "cli-canary").exits(3); // neither created it

    Result created = cli.run("online-deployment", "create", "-f", deploymentFile("green",
        "rollout:\n  steps: [50, 100]\n  step_interval_s: 60\n  min_requests: 100000\n  max_p95_ms: 500\n").toString());
    created.ok();
    assertEquals("Succeeded", created.json().path("provisioning_state").asText());
    assertTrue(created.stderr().contains("Rollout of deployment green started: 50 % of live traffic now"),
        created.toString());
    assertEquals(weights("{\"blue\":50,\"green\":50}"), traffic("cli-canary"));

    JsonNode status = cli.run("online-endpoint", "rollout", "status", "-n", "cli-canary").ok().json();
    assertEquals("Running", status.path("state").asText());
    assertEquals("green", status.path("deployment").asText());
    assertEquals(500.0, status.path("max_p95_ms").asDouble());
    assertEquals(1.0, status.path("max_error_rate_increase").asDouble(), "the default");
    String table = cli.run("online-endpoint", "rollout", "status", "-n", "cli-canary", "-o", "table").ok().stdout();
    assertTrue(table.startsWith("Endpoint"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("cli-canary\\s+green\\s+Running\\s+1/2\\s+50 %\\s+.*")), table);

    JsonNode promoted = cli.run("online-endpoint", "rollout", "promote", "-n", "cli-canary").ok().json();
    assertEquals("Succeeded", promoted.path("state").asText());
    assertEquals("admin", promoted.path("ended_by").asText());
    assertEquals(weights("{\"blue\":0,\"green\":100}"), traffic("cli-canary"));
    Result again = cli.run("online-endpoint", "rollout", "promote", "-n", "cli-canary");
    again.exits(1);
    assertTrue(again.stderr().startsWith("ERROR: (Conflict) ") && again.stderr().contains("has ended"),
        again.toString());

    // blue back as the canary, from flags (green is the stable side now), then aborted
    Result refused = cli.run("online-endpoint", "rollout", "start", "-n", "cli-canary", "--deployment", "blue",
        "--steps", "10 50");
    refused.exits(1);
    assertTrue(refused.stderr().contains("(BadRequest)") && refused.stderr().contains("must end at 100"),
        refused.toString());
    JsonNode started = cli.run("online-endpoint", "rollout", "start", "-n", "cli-canary", "--deployment", "blue",
        "--steps", "10 25 50 100", "--step-interval", "2m", "--max-error-rate", "1", "--max-p95-ms", "200",
        "--min-requests", "100000", "--max-p95-ratio", "1.5").ok().json();
    assertEquals(120, started.path("step_interval_s").asInt());
    assertEquals(1.5, started.path("max_p95_ratio").asDouble());
    assertEquals(weights("{\"blue\":10,\"green\":90}"), traffic("cli-canary"));
    JsonNode aborted = cli.run("online-endpoint", "rollout", "abort", "-n", "cli-canary", "--query", "state").ok()
        .json();
    assertEquals("Aborted", aborted.asText());
    assertEquals(weights("{\"blue\":0,\"green\":100}"), traffic("cli-canary"));

    JsonNode history = cli.run("online-endpoint", "history", "-n", "cli-canary", "--query", "[-1].note").ok().json();
    assertEquals("rollout of blue aborted by admin at step 1 (10 %)", history.asText());
    cli.run("online-endpoint", "rollout", "status", "-n", "nosuch").exits(3);
    cli.run("online-endpoint", "delete", "-n", "cli-canary", "--yes").ok();
  }

  @Test
  void everyRolloutCommandsHelpShowsAnExample() {
    for (List<String> command : List.of(List.of("rollout"), List.of("rollout", "start"), List.of("rollout", "status"),
        List.of("rollout", "promote"), List.of("rollout", "abort"))) {
      List<String> args = new java.util.ArrayList<>(List.of("online-endpoint"));
      args.addAll(command);
      args.add("--help");
      Result help = cli.run(args.toArray(String[]::new)).ok();
      assertTrue(help.stdout().contains("Example"), String.join(" ", command) + " --help: " + help);
      assertTrue(help.stdout().contains("inferbus online-endpoint rollout"), help.toString());
    }
  }
}
