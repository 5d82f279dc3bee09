package io.inferbus.protocol.state;

import static io.inferbus.protocol.spec.Refusals.json;
import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ScaleSettings.parse(value, base): Azure's {@code scale_settings} with Inferbus's delays.
 *
 * <p>Bad inputs tried: min_instances above max_instances; min_instances -1; max_instances 0 and 65;
 * target_utilization_percentage 0 and 101; polling_interval 0, 3601, "1", "PT0.5S", "PT2H" and
 * "soon"; negative delays and an idle period of 0; fractions, numeric strings and booleans; an
 * unknown field inside scale_settings; a type that is neither default nor target_utilization, and
 * a number as type; no type without a base; type default with other fields; scale_settings as a
 * number, a string and an array.
 */
class ScaleSettingsParseTest {
  private static ScaleSettings parse(String text) {
    return ScaleSettings.parse(json(text), null);
  }

  @Test
  void targetUtilizationAloneTakesAzuresDefaultsAndInferbussDelays() {
    assertEquals(new ScaleSettings(1, 1, 1, 70, 5, 60, 300), parse("{\"type\": \"target_utilization\"}"));
    assertEquals(ScaleSettings.defaults(), parse("{\"type\": \"target_utilization\"}"));
  }

  @Test
  void everyFieldIsKept() {
    assertEquals(new ScaleSettings(0, 8, 2, 50, 3, 30, 120), parse("{\"type\": \"target_utilization\","
        + " \"min_instances\": 0, \"max_instances\": 8, \"polling_interval\": 2,"
        + " \"target_utilization_percentage\": 50, \"scale_up_delay\": 3, \"scale_down_delay\": 30,"
        + " \"scale_to_zero_idle_period\": 120}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"target_utilization", "TargetUtilization", "TARGET_UTILIZATION"})
  void azuresYamlAndRestSpellingsOfTheTypeAreTaken(String type) {
    assertEquals(ScaleSettings.defaults(), parse("{\"type\": \"" + type + "\"}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"default", "Default"})
  void typeDefaultIsAFixedCountWithoutSettings(String type) {
    assertNull(parse("{\"type\": \"" + type + "\"}"));
    assertNull(ScaleSettings.parse(json("{\"type\": \"default\"}"), ScaleSettings.defaults()),
        "a PATCH to type default turns autoscaling off");
  }

  @Test
  void absentIsTheBase() {
    assertNull(ScaleSettings.parse(null, null));
    ScaleSettings base = new ScaleSettings(0, 4, 1, 70, 0, 1, 1);
    assertSame(base, ScaleSettings.parse(null, base));
  }

  @Test
  void aPatchMergesOverTheBaseAndKeepsItsType() {
    ScaleSettings base = new ScaleSettings(0, 4, 1, 70, 0, 1, 1);
    assertEquals(new ScaleSettings(0, 8, 1, 70, 0, 1, 1), ScaleSettings.parse(json("{\"max_instances\": 8}"), base));
  }

  @Test
  void pollingIntervalAlsoTakesAnIso8601DurationAsAzuresRestApi() {
    assertEquals(5, parse("{\"type\": \"target_utilization\", \"polling_interval\": \"PT5S\"}").pollingIntervalS());
    assertEquals(60, parse("{\"type\": \"target_utilization\", \"polling_interval\": \"PT1M\"}").pollingIntervalS());
  }

  @Test
  void theBoundsMayBeEqualAndMinMayBeZero() {
    assertEquals(3, parse("{\"type\": \"target_utilization\", \"min_instances\": 3, \"max_instances\": 3}")
        .minInstances());
    assertEquals(0, parse("{\"type\": \"target_utilization\", \"min_instances\": 0}").minInstances());
    assertEquals(64, parse("{\"type\": \"target_utilization\", \"max_instances\": 64}").maxInstances());
  }

  // ------------------------------------------------------------ refusals

  @Test
  void minAboveMaxIsRefusedShowingBoth() {
    refused("scale_settings.min_instances", () -> parse("{\"type\": \"target_utilization\", \"min_instances\": 3,"
        + " \"max_instances\": 2}"), "min_instances (3) is above max_instances (2)");
    refused("scale_settings.max_instances", () -> ScaleSettings.parse(json("{\"max_instances\": 1}"),
        new ScaleSettings(2, 4, 1, 70, 0, 1, 1)), "min_instances (2) is above max_instances (1)");
  }

  @Test
  void negativeMinIsRefused() {
    refused("scale_settings.min_instances", () -> parse("{\"type\": \"target_utilization\", \"min_instances\": -1}"),
        "scale_settings.min_instances is -1", "whole number from 0 to 64");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 65, -3})
  void maxOutsideOneToTheInstanceCapIsRefused(int max) {
    refused("scale_settings.max_instances", () -> parse("{\"type\": \"target_utilization\", \"max_instances\": "
        + max + "}"), "scale_settings.max_instances is " + max, "whole number from 1 to 64");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 101})
  void percentageOutsideOneToHundredIsRefused(int percentage) {
    refused("scale_settings.target_utilization_percentage", () -> parse("{\"type\": \"target_utilization\","
        + " \"target_utilization_percentage\": " + percentage + "}"),
        "target_utilization_percentage is " + percentage, "whole number from 1 to 100");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "3601", "\"1\"", "1.5", "true"})
  void badPollingIntervalsAreRefused(String value) {
    refused("scale_settings.polling_interval", () -> parse("{\"type\": \"target_utilization\", \"polling_interval\": "
        + value + "}"), "scale_settings.polling_interval is " + value, "from 1 to 3600");
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0.5S", "PT2H", "PTsoon"})
  void badIsoDurationsAreRefused(String value) {
    refused("scale_settings.polling_interval", () -> parse("{\"type\": \"target_utilization\", \"polling_interval\": \""
        + value + "\"}"), "\"" + value + "\"", "ISO 8601");
  }

  @Test
  void badDelaysAndIdlePeriodAreRefused() {
    refused("scale_settings.scale_up_delay", () -> parse("{\"type\": \"target_utilization\", \"scale_up_delay\": -1}"),
        "scale_up_delay is -1", "from 0 to 3600");
    refused("scale_settings.scale_down_delay", () -> parse("{\"type\": \"target_utilization\","
        + " \"scale_down_delay\": \"60\"}"), "scale_down_delay is \"60\"");
    refused("scale_settings.scale_to_zero_idle_period", () -> parse("{\"type\": \"target_utilization\","
        + " \"scale_to_zero_idle_period\": 0}"), "scale_to_zero_idle_period is 0", "from 1 to 86400");
  }

  @Test
  void wrongTypesOfCountsAreRefusedShowingWhatWasSent() {
    refused("scale_settings.min_instances", () -> parse("{\"type\": \"target_utilization\", \"min_instances\": \"2\"}"),
        "min_instances is \"2\"");
    refused("scale_settings.max_instances", () -> parse("{\"type\": \"target_utilization\", \"max_instances\": 2.5}"),
        "max_instances is 2.5");
    refused("scale_settings.max_instances", () -> parse("{\"type\": \"target_utilization\", \"max_instances\": true}"),
        "max_instances is true");
  }

  @Test
  void unknownFieldsInsideAreRefusedListingWhatItTakes() {
    refused("min_replicas", () -> parse("{\"type\": \"target_utilization\", \"min_replicas\": 1}"),
        "scale_settings has unknown field 'min_replicas'", "min_instances, max_instances, polling_interval",
        "scale_to_zero_idle_period");
  }

  @Test
  void unknownOrMissingTypesAreRefused() {
    refused("scale_settings.type", () -> parse("{\"type\": \"cpu\"}"), "scale_settings.type is \"cpu\"",
        "use default or target_utilization");
    refused("scale_settings.type", () -> parse("{\"type\": 1}"), "scale_settings.type is 1");
    refused("scale_settings.type", () -> parse("{\"min_instances\": 1}"), "scale_settings.type is missing");
  }

  @Test
  void typeDefaultWithOtherFieldsIsRefused() {
    refused("scale_settings.max_instances", () -> parse("{\"type\": \"default\", \"max_instances\": 3}"),
        "scale_settings.max_instances applies to type target_utilization only");
  }

  @Test
  void scaleSettingsThatIsNotAnObjectIsRefused() {
    refused("scale_settings", () -> ScaleSettings.parse(3, null), "scale_settings is 3", "use an object");
    refused("scale_settings", () -> ScaleSettings.parse("target_utilization", null),
        "scale_settings is \"target_utilization\"");
    refused("scale_settings", () -> ScaleSettings.parse(new JsonArray(), null), "scale_settings is []");
  }

  // ------------------------------------------------------------ counts, JSON

  @Test
  void startingAndWakeCountsStayWithinTheBounds() {
    ScaleSettings s = new ScaleSettings(2, 5, 1, 70, 0, 1, 1);
    assertEquals(2, s.startingCount(1));
    assertEquals(5, s.startingCount(9));
    assertEquals(3, s.startingCount(3));
    assertEquals(2, s.wakeCount());
    assertEquals(1, new ScaleSettings(0, 5, 1, 70, 0, 1, 1).wakeCount());
  }

  @Test
  void jsonRoundTripsAndAFixedCountHasNone() {
    ScaleSettings s = new ScaleSettings(0, 8, 2, 50, 3, 30, 120);
    assertEquals("target_utilization", s.toJson().getString("type"));
    assertEquals(s, ScaleSettings.fromJson(s.toJson()));
    assertNull(ScaleSettings.fromJson(null));
    assertNull(ScaleSettings.fromJson(json("{\"type\": \"default\"}")));
  }
}
