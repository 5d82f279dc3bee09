package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import io.inferbus.cli.operator.ResourcePaths;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code inferbus online-endpoint rollout start|status|promote|abort}: a canary rollout of one
 * deployment, stepped and judged by the control plane (docs/rollouts.md).
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = "Roll a deployment out as a canary: the control plane moves its share of live traffic through "
        + "steps, judges it every second against limits and the stable deployment, promotes it after the last "
        + "step and rolls it back at the first breach.",
    footer = {"", "Example:", "  inferbus online-endpoint rollout start -n credit --deployment green "
        + "--steps \"10 25 50 100\" --step-interval 60s --max-error-rate 1 --max-p95-ms 200"})
public final class RolloutCommand {
  /** The subcommands, in the order help lists them (built only when named: see CommandTree). */
  public static final List<Class<?>> SUBCOMMANDS = List.of(Start.class, Status.class, Promote.class, Abort.class);

  static String path(String endpoint) {
    return ResourcePaths.endpoint(endpoint) + "/rollout";
  }

  /** Table rows: where the rollout is and what its last verdict found. */
  static JsonNode rows(JsonNode rollout) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    ObjectNode row = rows.addObject();
    int steps = rollout.path("steps").size();
    JsonNode verdict = rollout.path("last_verdict");
    JsonNode canary = verdict.path("canary");
    row.put("Endpoint", rollout.path("endpoint").asText());
    row.put("Deployment", rollout.path("deployment").asText());
    row.put("State", rollout.path("state").asText());
    row.put("Step", rollout.path("current_step").asInt() + "/" + steps);
    row.put("Share", rollout.path("current_share").asInt() + " %");
    row.put("Traffic", TrafficString.format(rollout.get("traffic")));
    row.put("Step_started_at", rollout.path("step_started_at").asText());
    row.put("Last_verdict", verdict.isObject() ? verdict.path("outcome").asText()
        + (verdict.path("limit").isTextual() ? " (" + verdict.path("limit").asText() + ")" : "") : "");
    row.put("Canary_requests", canary.isObject() ? canary.path("requests").asText() : "");
    row.put("Canary_error_rate", canary.isObject() ? canary.path("error_rate_percent").asText() + " %" : "");
    row.put("Canary_p95_ms", canary.isObject() ? canary.path("p95_ms").asText() : "");
    if (rollout.path("paused").isObject()) {
      row.put("Paused", rollout.path("paused").path("reason").asText());
    }
    if (rollout.path("end_reason").isTextual()) {
      row.put("End_reason", rollout.path("end_reason").asText());
    }
    return rows;
  }

  @Command(name = "start",
      description = "Start a canary rollout of a deployment. The deployments with live traffic now are the stable "
          + "side: they fill the rest in their proportions, are what the canary is compared with, and take all "
          + "traffic back on a rollback or abort.",
      footer = {"", "Examples:",
          "  inferbus online-endpoint rollout start -n credit --deployment green --steps \"10 25 50 100\" "
              + "--step-interval 60s --max-error-rate 1 --max-p95-ms 200",
          "  inferbus online-endpoint rollout start -n credit --deployment green --steps \"5 100\" --step-interval 5m "
              + "--min-requests 500 --max-p95-increase-ms 20"})
  static final class Start extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Option(names = {"-d", "--deployment", "--deployment-name"}, required = true,
        description = "The deployment to roll out (the canary).")
    String deployment;

    @Option(names = "--steps", required = true, paramLabel = "\"PERCENT ...\"",
        description = "The canary's share of live traffic at each step, increasing, ending at 100: \"10 25 50 100\".")
    String steps;

    @Option(names = "--step-interval", paramLabel = "DURATION",
        description = "How long each step lasts before it passes: 60s, 5m (default: 60s).")
    String stepInterval;

    @Option(names = "--max-step-extension", paramLabel = "DURATION",
        description = "How much longer a step waits for --min-requests answers once its interval is over before "
            + "the rollout pauses (default: three intervals).")
    String maxStepExtension;

    @Option(names = "--min-requests", paramLabel = "N",
        description = "Answers the canary must have in a step's window before it is judged (default: 100).")
    Integer minRequests;

    @Option(names = "--max-error-rate", paramLabel = "PERCENT",
        description = "Highest error rate of the canary, in percent (5xx, 408, 429); default: none.")
    Double maxErrorRate;

    @Option(names = "--max-p95-ms", paramLabel = "MS", description = "Highest p95 latency of the canary; default: none.")
    Double maxP95Ms;

    @Option(names = "--max-error-rate-increase", paramLabel = "POINTS",
        description = "How many percentage points the canary's error rate may exceed the stable's (default: 1).")
    Double maxErrorRateIncrease;

    @Option(names = "--max-p95-increase-ms", paramLabel = "MS",
        description = "How many milliseconds the canary's p95 may exceed the stable's; default: none.")
    Double maxP95IncreaseMs;

    @Option(names = "--max-p95-ratio", paramLabel = "RATIO",
        description = "How many times the stable's p95 the canary's may be, when also 5 ms or more above it "
            + "(default: 2).")
    Double maxP95Ratio;

    @Override
    protected void execute() {
      ObjectNode body = Json.object().put("deployment", deployment);
      body.set("steps", RolloutFlags.steps("--steps", steps));
      if (stepInterval != null) {
        body.put("step_interval_s", RolloutFlags.seconds("--step-interval", stepInterval));
      }
      if (maxStepExtension != null) {
        body.put("max_step_extension_s", RolloutFlags.seconds("--max-step-extension", maxStepExtension));
      }
      if (minRequests != null) {
        body.put("min_requests", minRequests);
      }
      putLimit(body, "max_error_rate", maxErrorRate);
      putLimit(body, "max_p95_ms", maxP95Ms);
      putLimit(body, "max_error_rate_increase", maxErrorRateIncrease);
      putLimit(body, "max_p95_increase_ms", maxP95IncreaseMs);
      putLimit(body, "max_p95_ratio", maxP95Ratio);
      print(client().post(path(name), body), RolloutCommand::rows);
    }

    private static void putLimit(ObjectNode body, String field, Double value) {
      if (value != null) {
        body.put(field, value);
      }
    }
  }

  @Command(name = "status",
      description = "Show the endpoint's rollout (running, paused, or the last one ended): state, step, traffic, "
          + "the last verdict with the canary's and the stable's figures, and every decisive verdict.",
      footer = {"", "Examples:", "  inferbus online-endpoint rollout status -n credit -o table",
          "  inferbus online-endpoint rollout status -n credit --query last_verdict.canary"})
  static final class Status extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Override
    protected void execute() {
      print(client().get(path(name)), RolloutCommand::rows);
    }
  }

  @Command(name = "promote",
      description = "Give the canary all live traffic now and end the rollout (Succeeded), running or paused.",
      footer = {"", "Example:", "  inferbus online-endpoint rollout promote -n credit"})
  static final class Promote extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Override
    protected void execute() {
      print(client().post(path(name) + "/promote", Json.object()), RolloutCommand::rows);
    }
  }

  @Command(name = "abort",
      description = "Give the stable deployments all live traffic back and end the rollout (Aborted).",
      footer = {"", "Example:", "  inferbus online-endpoint rollout abort -n credit"})
  static final class Abort extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Override
    protected void execute() {
      print(client().post(path(name) + "/abort", Json.object()), RolloutCommand::rows);
    }
  }
}
