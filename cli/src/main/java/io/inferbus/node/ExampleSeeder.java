package io.inferbus.node;

import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.model.ModelRegistry;
import io.inferbus.cli.operator.spec.AzureSchema;
import io.inferbus.cli.operator.spec.SpecFile;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.ControlPlaneServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the example endpoint shipped in the jar ({@code examples/credit-scoring}) on a node's
 * first start: the model, the endpoint, the blue deployment, and all traffic to blue.
 */
public final class ExampleSeeder {
  private static final Logger LOG = LoggerFactory.getLogger(ExampleSeeder.class);
  public static final String EXAMPLE = "examples/credit-scoring/";
  public static final String MODEL_VERSION = "1";

  private ExampleSeeder() {}

  public static Future<String> seed(Vertx vertx, ControlPlaneServices services) {
    return vertx.executeBlocking(() -> {
      // read as the CLI reads them: Azure-only fields ($schema, instance_type) dropped, typos refused
      JsonObject endpoint = spec("endpoint.yml", AzureSchema.ENDPOINT);
      JsonObject deployment = spec("blue-deployment.yml", AzureSchema.DEPLOYMENT);
      String modelPath = deployment.getJsonObject("model").getString("path");
      byte[] model = bytes(modelPath.replaceFirst("^\\./", ""));
      return new Example(endpoint, deployment, ModelRegistry.nameOf(Path.of(modelPath)), model);
    }).compose(example -> {
      JsonObject endpoint = example.endpoint();
      JsonObject deployment = example.deployment();
      String modelName = example.modelName();
      String endpointName = endpoint.getString("name");
      String deploymentName = deployment.getString("name");
      deployment.put("model", modelName + ":" + MODEL_VERSION);
      return services.models().put(modelName, MODEL_VERSION, Buffer.buffer(example.model()), Actor.SYSTEM)
          .compose(v -> services.endpoints().put(endpointName, endpoint, Actor.SYSTEM))
          .compose(v -> services.deployments().put(endpointName, deploymentName, deployment, Actor.SYSTEM))
          .compose(v -> services.endpoints().patch(endpointName,
              new JsonObject().put("traffic", new JsonObject().put(deploymentName, 100)), Actor.SYSTEM))
          .map(v -> {
            LOG.info("registered the example endpoint '{}' (model {}:{}, deployment {})", endpointName, modelName,
                MODEL_VERSION, deploymentName);
            return endpointName;
          });
    });
  }

  /** The example's specs and model file, read from the jar off the event loop. */
  private record Example(JsonObject endpoint, JsonObject deployment, String modelName, byte[] model) {}

  private static JsonObject spec(String name, AzureSchema schema) throws IOException {
    return new JsonObject(Json.write(SpecFile.parse(resource(name), EXAMPLE + name).checkFields(schema).spec()));
  }

  private static String resource(String name) throws IOException {
    return new String(bytes(name), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String name) throws IOException {
    try (InputStream in = ExampleSeeder.class.getClassLoader().getResourceAsStream(EXAMPLE + name)) {
      if (in == null) {
        throw new IOException(EXAMPLE + name + " is missing from the inferbus jar");
      }
      return in.readAllBytes();
    }
  }
}
