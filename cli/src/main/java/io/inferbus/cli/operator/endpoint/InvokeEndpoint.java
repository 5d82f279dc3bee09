package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.inferbus.cli.operator.ClientConfig;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.ControlPlaneClient;
import io.inferbus.cli.operator.ResourcePaths;
import io.inferbus.cli.operator.ControlPlaneClient.ApiException;
import io.inferbus.cli.operator.HttpsClient;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code online-endpoint invoke}: scores a request file through the endpoint's scoring URI with the
 * credential its auth mode needs, and prints the answer as JSON (az prints it as a quoted string;
 * JSON is what a user pipes into jq).
 */
@Command(name = "invoke",
    description = "Score a request through the endpoint (as a caller would) and print the answer.",
    footer = {"", "Examples:",
        "  inferbus online-endpoint invoke -n credit --request-file examples/credit-scoring/sample-request.json",
        "  inferbus online-endpoint invoke -n credit -d green -r examples/credit-scoring/sample-request.json",
        "  inferbus online-endpoint invoke -n partner-api -r request.json --token \"$AAD_TOKEN\"   # aad_token"})
final class InvokeEndpoint extends OperatorCommand {
  private static final Duration SCORING_TIMEOUT = Duration.ofMinutes(5);

  @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
  String name;

  @Option(names = {"-r", "--request-file"}, required = true, paramLabel = "FILE",
      description = "JSON request body, e.g. {\"input_data\": [[...]]}.")
  Path requestFile;

  @Option(names = {"-d", "--deployment-name"}, paramLabel = "DEPLOYMENT",
      description = "Send the request to this deployment, whatever the traffic split (also one at 0 %).")
  String deployment;

  @Override
  protected void execute() {
    byte[] body = read(requestFile);
    Json.parse(new String(body, StandardCharsets.UTF_8), "--request-file " + requestFile);
    // For an aad_token endpoint --token is the caller's token for the gateway; the control plane is
    // still asked with client.json's operator token.
    ControlPlaneClient controlPlane = controlPlane();
    JsonNode endpoint = controlPlane.get(ResourcePaths.endpoint(name));
    String authMode = endpoint.path("auth_mode").asText();
    if (deployment != null && !endpoint.path("traffic").has(deployment)) {
      throw new CliException(CliException.NOT_FOUND, "Deployment name " + deployment + " not found for this endpoint");
    }
    String bearer;
    if ("aad_token".equals(authMode)) {
      if (options.token == null) {
        throw CliException.usage("endpoint '" + name + "' has auth_mode aad_token: pass the caller's token from the "
            + "trusted issuer with --token");
      }
      bearer = options.token;
    } else {
      bearer = Credentials.of(controlPlane, name, authMode).bearer();
    }
    URI scoringUri = URI.create(endpoint.path("scoring_uri").asText());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("authorization", "Bearer " + bearer);
    headers.put("content-type", "application/json");
    if (deployment != null) {
      headers.put("azureml-model-deployment", deployment);
    }
    HttpsClient.Response response = controlPlane.https().send(
        new HttpsClient.Request("POST", scoringUri, headers, body, SCORING_TIMEOUT), "the gateway",
        ": is a node with the gateway role running?");
    String text = new String(response.body(), StandardCharsets.UTF_8);
    if (response.status() != 200) {
      ApiException refusal = ApiException.of(response.status(), text, "POST " + scoringUri.getPath());
      String served = response.header("azureml-model-deployment") == null ? ""
          : ", deployment " + response.header("azureml-model-deployment");
      String requestId = response.header("x-request-id") == null ? "" : ", request id " + response.header("x-request-id");
      throw new CliException("scoring answered " + response.status() + " (" + refusal.code() + served + requestId
          + "): " + refusal.getMessage());
    }
    JsonNode answer;
    try {
      answer = Json.MAPPER.readTree(text);
    } catch (IOException notJson) {
      answer = TextNode.valueOf(text);
    }
    print(answer);
  }

  private ControlPlaneClient controlPlane() {
    ClientConfig fromFile = ClientConfig.resolve(options.config, options.endpointUrl, null, System.getenv());
    if (fromFile.token() == null && options.token != null) {
      fromFile = new ClientConfig(fromFile.controlPlaneUrl(), fromFile.caFile(), options.token, fromFile.source());
    }
    return new ControlPlaneClient(fromFile);
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CliException("--request-file " + file + " does not exist");
    } catch (IOException e) {
      throw new CliException("cannot read --request-file " + file + ": " + e.getMessage());
    }
  }
}
