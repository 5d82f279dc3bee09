package io.inferbus.cli.operator.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import com.fasterxml.jackson.databind.node.TextNode;
import io.inferbus.protocol.state.SpecFields;
import java.util.List;
import java.util.Set;

/**
 * The fields of Azure's YAML schemas for managed online endpoints and deployments (azure-ai-ml's
 * {@code managedOnlineEndpoint} and {@code managedOnlineDeployment}, plus their Kubernetes twins),
 * split into what Inferbus serves and what only Azure means.
 */
public enum AzureSchema {
  ENDPOINT("endpoint spec", "managedOnlineEndpoint",
      SpecFields.ENDPOINT,
      Set.of("$schema", "id", "identity", "kind", "location", "properties", "compute",
          "provisioning_state", "scoring_uri", "openapi_uri", "resourceGroup", "resource_group", "type",
          "creation_context")),
  DEPLOYMENT("deployment spec", "managedOnlineDeployment",
      withRollout(SpecFields.DEPLOYMENT),
      Set.of("$schema", "id", "type", "code_configuration", "environment", "environment_variables", "instance_type",
          "app_insights_enabled", "liveness_probe", "readiness_probe",
          "egress_public_network_access", "properties", "data_collector", "model_mount_path", "resources",
          "private_network_connection", "provisioning_state", "code_path", "scoring_script",
          "creation_context")),
  MODEL("model spec", "model",
      Set.of("name", "version", "path"),
      Set.of("$schema", "id", "type", "description", "tags", "properties", "stage", "flavors", "datastore", "job_name",
          "creation_context", "intellectual_property", "utc_time_created", "latest_version"));

  private final String what;
  private final String azureName;
  private final Set<String> inferbusFields;
  private final Set<String> azureOnlyFields;

  AzureSchema(String what, String azureName, Set<String> inferbusFields, Set<String> azureOnlyFields) {
    this.what = what;
    this.azureName = azureName;
    this.inferbusFields = inferbusFields;
    this.azureOnlyFields = azureOnlyFields;
  }

  /**
   * A deployment file's fields: the control plane's, and the {@code rollout:} block, an Inferbus field
   * the CLI itself acts on (online-deployment create starts the rollout once the deployment serves).
   */
  private static Set<String> withRollout(Set<String> deploymentFields) {
    Set<String> fields = new java.util.HashSet<>(deploymentFields);
    fields.add(SpecFields.DEPLOYMENT_ROLLOUT);
    return Set.copyOf(fields);
  }

  public String what() {
    return what;
  }

  public String azureName() {
    return azureName;
  }

  public Set<String> inferbusFields() {
    return inferbusFields;
  }

  public Set<String> azureOnlyFields() {
    return azureOnlyFields;
  }

  /**
   * Puts Azure's values into the form the control plane takes (text where text is meant, the
   * network access setting in lower case).
   */
  void checkValues(ObjectNode spec) {
    // --set name=123 or a YAML "description: 2024" is meant as text
    for (String field : List.of("name", "endpoint_name", "auth_mode", "description")) {
      JsonNode value = spec.get(field);
      if (value != null && value.isValueNode() && !value.isTextual() && !value.isNull()) {
        spec.put(field, value.asText());
      }
    }
    if (spec.get("tags") instanceof ObjectNode tags) {
      tags.fields().forEachRemaining(e -> {
        if (e.getValue().isValueNode() && !e.getValue().isTextual() && !e.getValue().isNull()) {
          e.setValue(TextNode.valueOf(e.getValue().asText()));
        }
      });
    }
    if (this == ENDPOINT) {
      // Azure writes Enabled / Disabled in its own output; the control plane takes enabled / disabled
      JsonNode access = spec.get("public_network_access");
      if (access != null && access.isTextual()) {
        spec.put("public_network_access", access.asText().toLowerCase(java.util.Locale.ROOT));
      }
    }
  }
}
