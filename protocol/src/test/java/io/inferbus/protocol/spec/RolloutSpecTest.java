package io.inferbus.protocol.spec;

import static io.inferbus.protocol.spec.Refusals.json;
import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The body of {@code POST /endpoints/{e}/rollout} (and a deployment YAML's {@code rollout:} block):
 * defaults, limits turned off with null, and each refusal naming its field. Bad inputs tried: no
 * deployment, a number or an invalid name as deployment, steps missing, empty, not a list, with 0,
 * 101, 2.5 or "10", not increasing, repeated, not ending at 100; intervals 0 and 3600, an extension
 * past the hour, min_requests 0; limits negative, over their range, text, NaN-like; every limit off;
 * an unknown field.
 */
class RolloutSpecTest {
  private static RolloutSpec parse(String body) {
    return RolloutSpec.parse(json(body));
  }

  @Test
  void theIssuesExampleWithEveryDefault() {
    RolloutSpec spec = parse("{\"deployment\": \"green\", \"steps\": [10, 25, 50, 100], \"step_interval_s\": 60,"
        + " \"max_error_rate\": 1, \"max_p95_ms\": 200}");
    assertEquals("green", spec.deployment());
    assertEquals(List.of(10, 25, 50, 100), spec.steps());
    assertEquals(60, spec.stepIntervalS());
    assertEquals(180, spec.maxStepExtensionS(), "three more intervals");
    RolloutLimits limits = spec.limits();
    assertEquals(100, limits.minRequests());
    assertEquals(1.0, limits.maxErrorRate());
    assertEquals(200.0, limits.maxP95Ms());
    assertEquals(1.0, limits.maxErrorRateIncrease(), "default: 1 point over the stable");
    assertNull(limits.maxP95IncreaseMs());
    assertEquals(2.0, limits.maxP95Ratio(), "default: twice the stable's p95");
  }

  @Test
  void onlyDeploymentAndStepsAreNeeded() {
    RolloutSpec spec = parse("{\"deployment\": \"green\", \"steps\": [100]}");
    assertEquals(RolloutSpec.DEFAULT_STEP_INTERVAL_S, spec.stepIntervalS());
    assertNull(spec.limits().maxErrorRate());
    assertNull(spec.limits().maxP95Ms());
    assertEquals(100, spec.share(0));
    assertEquals(true, spec.isLastStep(0));
  }

  @Test
  void nullTurnsALimitWithADefaultOff() {
    RolloutSpec spec = parse("{\"deployment\": \"green\", \"steps\": [50, 100], \"max_p95_ratio\": null,"
        + " \"max_error_rate_increase\": null, \"max_p95_ms\": 80.5}");
    assertNull(spec.limits().maxP95Ratio());
    assertNull(spec.limits().maxErrorRateIncrease());
    assertEquals(80.5, spec.limits().maxP95Ms());
  }

  @Test
  void theExtensionStaysWithinTheHourGatewaysKeep() {
    assertEquals(3600 - 1800, parse("{\"deployment\": \"green\", \"steps\": [100], \"step_interval_s\": 1800}")
        .maxStepExtensionS());
    assertEquals(0, parse("{\"deployment\": \"green\", \"steps\": [100], \"max_step_extension_s\": 0}")
        .maxStepExtensionS());
    refused("max_step_extension_s", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"step_interval_s\":"
        + " 600, \"max_step_extension_s\": 3001}"), "3000");
  }

  @Test
  void toJsonReadsBackTheSame() {
    RolloutSpec spec = parse("{\"deployment\": \"green\", \"steps\": [5, 50, 100], \"step_interval_s\": 2,"
        + " \"min_requests\": 20, \"max_error_rate\": 0.5, \"max_p95_increase_ms\": 30, \"max_p95_ratio\": null}");
    JsonObject json = spec.toJson();
    assertEquals(spec, RolloutSpec.fromJson(new JsonObject(json.encode())));
    assertNull(json.getValue("max_p95_ratio"));
    assertEquals(true, json.containsKey("max_p95_ratio"), "a limit that is off is shown as null");
  }

  @Test
  void theDeploymentIsNamed() {
    refused("deployment", () -> parse("{\"steps\": [100]}"), "deployment is missing");
    refused("deployment", () -> parse("{\"deployment\": 7, \"steps\": [100]}"), "not 7");
    refused("deployment", () -> parse("{\"deployment\": \"g\", \"steps\": [100]}"), "not a valid deployment name");
  }

  @Test
  void stepsAreIncreasingPercentagesEndingAt100() {
    refused("steps", () -> parse("{\"deployment\": \"green\"}"), "steps is missing");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": []}"), "non-empty list");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": \"10 50 100\"}"), "\"10 50 100\"");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [0, 100]}"), "0 is not a whole number");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [10, 101]}"), "101");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [2.5, 100]}"), "2.5");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [\"10\", 100]}"), "\"10\"");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [50, 25, 100]}"), "must increase",
        "25 follows 50");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [50, 50, 100]}"), "must increase");
    refused("steps", () -> parse("{\"deployment\": \"green\", \"steps\": [10, 50]}"), "must end at 100");
  }

  @Test
  void intervalsAndMinRequestsAreInRange() {
    refused("step_interval_s", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"step_interval_s\": 0}"),
        "from 1 to 3599");
    refused("step_interval_s", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"step_interval_s\": 3600}"));
    refused("step_interval_s", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"step_interval_s\": \"60s\"}"),
        "\"60s\"");
    refused("min_requests", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"min_requests\": 0}"));
  }

  @Test
  void limitsAreNumbersInTheirRange() {
    String base = "{\"deployment\": \"green\", \"steps\": [100], ";
    refused("max_error_rate", () -> parse(base + "\"max_error_rate\": -1}"), "percentage from 0 to 100");
    refused("max_error_rate", () -> parse(base + "\"max_error_rate\": 101}"));
    refused("max_error_rate", () -> parse(base + "\"max_error_rate\": \"1%\"}"), "\"1%\"");
    refused("max_p95_ms", () -> parse(base + "\"max_p95_ms\": 0}"), "more than 0");
    refused("max_error_rate_increase", () -> parse(base + "\"max_error_rate_increase\": -0.1}"));
    refused("max_p95_increase_ms", () -> parse(base + "\"max_p95_increase_ms\": -5}"));
    refused("max_p95_ratio", () -> parse(base + "\"max_p95_ratio\": 0.5}"), "from 1 to 1000");
    refused("max_p95_ratio", () -> parse(base + "\"max_p95_ratio\": true}"));
  }

  @Test
  void aRolloutWithEveryLimitOffIsRefused() {
    refused("max_error_rate", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"max_error_rate_increase\":"
        + " null, \"max_p95_ratio\": null}"), "every limit is off");
  }

  @Test
  void anUnknownFieldIsRefusedNotIgnored() {
    refused("max_p95", () -> parse("{\"deployment\": \"green\", \"steps\": [100], \"max_p95\": 200}"),
        "unknown field 'max_p95'", "max_p95_ms");
  }
}
