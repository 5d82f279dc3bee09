package io.inferbus.cli.operator.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.Json;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What an update changes, which decides between a PATCH (operator role: scale, request settings)
 * and a PUT of the whole spec (admin): fields the control plane fills with defaults count as unchanged.
 */
class ChangedFieldsTest {
  static ObjectNode shown() {
    return (ObjectNode) Json.parse("""
        {"name": "blue", "endpoint_name": "credit", "model": {"name": "risk", "version": "1", "sha256": "ab",
         "inputs": []}, "instance_count": 1, "request_settings": {"request_timeout_ms": 5000,
         "max_concurrent_requests_per_instance": 1, "max_queue_wait_ms": 500}, "batching": null,
         "description": "", "tags": {}, "provisioning_state": "Succeeded", "instances": [], "generation": 3}""", "t");
  }

  @Test
  void theShownDeploymentIsReducedToItsSpec() {
    ObjectNode spec = OnlineDeploymentCommand.editable(shown());
    assertEquals("risk:1", spec.get("model").asText());
    assertEquals(Set.of("name", "endpoint_name", "model", "instance_count", "request_settings", "description", "tags"),
        fields(spec));
  }

  @Test
  void aFileWithoutDefaultsChangesNothing() {
    ObjectNode file = (ObjectNode) Json.parse("{\"name\": \"blue\", \"endpoint_name\": \"credit\", \"model\": "
        + "\"risk:1\"}", "t");
    assertEquals(Set.of(), OnlineDeploymentCommand.changedFields(OnlineDeploymentCommand.editable(shown()), file));
  }

  @Test
  void scalingAndRequestSettingsAreTheirOwnChanges() {
    ObjectNode current = OnlineDeploymentCommand.editable(shown());
    ObjectNode desired = current.deepCopy().put("instance_count", 2);
    ((ObjectNode) desired.get("request_settings")).put("request_timeout_ms", 9000);
    assertEquals(Set.of("instance_count", "request_settings"), OnlineDeploymentCommand.changedFields(current, desired));
    ObjectNode partial = current.deepCopy();
    partial.set("request_settings", Json.object().put("request_timeout_ms", 5000));
    assertEquals(Set.of(), OnlineDeploymentCommand.changedFields(current, partial), "defaults fill the rest");
    assertEquals(Set.of("model"), OnlineDeploymentCommand.changedFields(current, current.deepCopy()
        .put("model", "risk:2")));
  }

  private static Set<String> fields(ObjectNode node) {
    Set<String> names = new java.util.HashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static ObjectNode shownAutoscaled() {
    ObjectNode shown = shown().put("instance_count", 3);
    shown.set("scale_settings", Json.parse("""
        {"type": "target_utilization", "min_instances": 1, "max_instances": 4, "polling_interval": 1,
         "target_utilization_percentage": 70, "scale_up_delay": 5, "scale_down_delay": 60,
         "scale_to_zero_idle_period": 300}""", "t"));
    return shown;
  }

  @Test
  void anAutoscaledFileWithoutItsDefaultsChangesNothingAndAFixedOneNeedsNoScaleSettings() {
    ObjectNode current = OnlineDeploymentCommand.editable(shownAutoscaled());
    assertEquals(true, current.has("scale_settings"), "scale_settings is part of the editable spec");
    ObjectNode file = (ObjectNode) Json.parse("{\"name\": \"blue\", \"endpoint_name\": \"credit\", \"model\": "
        + "\"risk:1\", \"instance_count\": 3, \"scale_settings\": {\"type\": \"TargetUtilization\","
        + " \"min_instances\": 1, \"max_instances\": 4}}", "t");
    assertEquals(Set.of(), OnlineDeploymentCommand.changedFields(current, file));
    ObjectNode fixedFile = (ObjectNode) Json.parse("{\"name\": \"blue\", \"endpoint_name\": \"credit\", \"model\": "
        + "\"risk:1\", \"scale_settings\": {\"type\": \"default\"}}", "t");
    assertEquals(Set.of(), OnlineDeploymentCommand.changedFields(OnlineDeploymentCommand.editable(shown()), fixedFile),
        "type default is what a fixed deployment is");
  }

  @Test
  void changingTheBoundsOrTurningAutoscalingOffIsAScaleSettingsChange() {
    ObjectNode current = OnlineDeploymentCommand.editable(shownAutoscaled());
    ObjectNode wider = current.deepCopy();
    ((ObjectNode) wider.get("scale_settings")).put("max_instances", 8);
    assertEquals(Set.of("scale_settings"), OnlineDeploymentCommand.changedFields(current, wider));
    ObjectNode off = current.deepCopy();
    off.remove("scale_settings");
    assertEquals(Set.of("scale_settings"), OnlineDeploymentCommand.changedFields(current, off));
  }
}
