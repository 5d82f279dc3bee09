package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import io.inferbus.protocol.state.SpecFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rollout's command-line forms: {@code --steps "10 25 50 100"}, durations such as {@code 60s},
 * and a deployment YAML's {@code rollout:} block, turned into the body of
 * {@code POST /endpoints/{e}/rollout}. The control plane checks the values; these checks only catch
 * what cannot be a rollout before anything is sent.
 */
public final class RolloutFlags {
  private RolloutFlags() {}

  /** {@code "10 25 50 100"} (spaces or commas) as the list of whole numbers the API takes. */
  public static ArrayNode steps(String flag, String text) {
    ArrayNode steps = Json.MAPPER.createArrayNode();
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw CliException.usage(flag + " is empty; give the canary's share at each step, e.g. " + flag
          + " \"10 25 50 100\"");
    }
    for (String step : trimmed.split("[\\s,]+")) {
      if (!step.matches("\\d{1,3}")) {
        throw CliException.usage(flag + " \"" + text + "\": '" + step + "' is not a whole percentage; e.g. " + flag
            + " \"10 25 50 100\"");
      }
      steps.add(Integer.parseInt(step));
    }
    return steps;
  }

  /** A duration in whole seconds: {@code 90}, {@code 90s}, {@code 2m}, {@code 1h}. */
  public static int seconds(String flag, String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    int unit = 1;
    if (t.endsWith("s")) {
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      unit = 60;
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("h")) {
      unit = 3600;
      t = t.substring(0, t.length() - 1);
    }
    if (!t.matches("\\d{1,6}")) {
      throw CliException.usage(flag + " \"" + text + "\" is not a duration; use seconds (60 or 60s), minutes (2m) "
          + "or hours (1h)");
    }
    return Integer.parseInt(t) * unit;
  }

  /**
   * A deployment YAML's {@code rollout:} block as the body of the rollout of {@code deployment}:
   * a mapping of the route's fields, {@code steps} a list or a string of numbers, {@code deployment}
   * absent or the deployment's own name.
   */
  public static ObjectNode fromYamlBlock(JsonNode block, String deployment, String source) {
    if (!(block instanceof ObjectNode fields)) {
      throw new CliException("rollout: in " + source + " must be a mapping of the rollout's fields, e.g. "
          + "rollout: {steps: [10, 50, 100], step_interval_s: 60, max_error_rate: 1}");
    }
    List<String> unknown = new ArrayList<>();
    fields.fieldNames().forEachRemaining(f -> {
      if (!SpecFields.ROLLOUT.contains(f)) {
        unknown.add(f);
      }
    });
    if (!unknown.isEmpty()) {
      throw new CliException("rollout: in " + source + " has unknown field" + (unknown.size() == 1 ? " '"
          + unknown.get(0) + "'" : "s " + unknown) + "; it takes " + SpecFields.ROLLOUT.stream().sorted().toList());
    }
    JsonNode named = fields.get("deployment");
    if (named != null && !named.asText().equals(deployment)) {
      throw new CliException("rollout: in " + source + " names deployment '" + named.asText() + "', but the file "
          + "creates '" + deployment + "': leave deployment out of the block (it rolls out the deployment it is in)");
    }
    ObjectNode body = fields.deepCopy();
    body.put("deployment", deployment);
    if (body.get("steps") != null && body.get("steps").isTextual()) {
      body.set("steps", steps("rollout.steps", body.get("steps").asText()));
    }
    return body;
  }
}
