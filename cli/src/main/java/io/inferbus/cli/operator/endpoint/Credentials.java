package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.ControlPlaneClient;
import io.inferbus.cli.operator.ResourcePaths;

/**
 * What a caller of an endpoint presents, by its auth mode: one of its keys ({@code key}) or a
 * scoring token the control plane issues ({@code aml_token}). An {@code aad_token} endpoint's callers
 * bring a token of the trusted issuer, which the control plane does not hand out.
 *
 * @param answer what the control plane answered ({@code primaryKey}/{@code secondaryKey}, or
 *     {@code accessToken}, ...)
 * @param bearer what goes after "Authorization: Bearer"
 */
record Credentials(JsonNode answer, String bearer) {
  static Credentials of(ControlPlaneClient client, String endpoint, String authMode) {
    String path = ResourcePaths.endpoint(endpoint);
    return switch (authMode) {
      case "key" -> {
        JsonNode keys = client.post(path + "/keys", null);
        yield new Credentials(keys, keys.path("primaryKey").asText());
      }
      case "aml_token" -> {
        JsonNode token = client.post(path + "/token", null);
        yield new Credentials(token, token.path("accessToken").asText());
      }
      case "aad_token" -> throw new CliException("endpoint '" + endpoint + "' has auth_mode aad_token: its callers "
          + "present a token of the trusted issuer (with the role score:" + endpoint + "); Inferbus issues no "
          + "credentials for it");
      default -> throw new CliException("endpoint '" + endpoint + "' has an unknown auth_mode '" + authMode + "'");
    };
  }
}
