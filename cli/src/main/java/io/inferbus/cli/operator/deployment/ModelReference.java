package io.inferbus.cli.operator.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.model.ModelRegistry;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A deployment spec's {@code model} as Azure writes it, turned into the {@code name:version} of a
 * registered model: {@code {path: ./model.onnx}} (resolved against the YAML file's directory, then
 * registered, or the registered version with the same content reused), {@code name:version},
 * {@code azureml:name:version}, {@code azureml:name@latest}, or {@code {name, version}}.
 */
final class ModelReference {
  private ModelReference() {}

  /**
   * @param current the deployment's current model ({@code name:version}), or null: a file with the
   *     same bytes resolves to it rather than to another version holding them (no needless restart)
   */
  static JsonNode resolve(JsonNode model, Path baseDirectory, ModelRegistry registry, String current,
      Consumer<String> note) {
    if (model == null || model.isNull()) {
      return model; // the control plane names what is missing
    }
    if (model.isTextual()) {
      String ref = model.asText();
      if (ref.startsWith("azureml://") || ref.startsWith("/subscriptions/")) {
        throw new CliException("model '" + ref + "' is an Azure registry or workspace reference; Inferbus takes "
            + "name:version of a model registered here (inferbus model list), or {path: ./model.onnx}");
      }
      String plain = ref.startsWith("azureml:") ? ref.substring("azureml:".length()) : ref;
      int at = plain.lastIndexOf('@');
      if (at > 0) {
        String name = plain.substring(0, at);
        String label = plain.substring(at + 1);
        if (!label.equals("latest")) {
          throw new CliException("model '" + ref + "': the only label Inferbus knows is @latest");
        }
        JsonNode latest = registry.latest(name);
        if (latest == null) {
          throw new CliException("model '" + ref + "': no version of '" + name + "' is registered");
        }
        return TextNode.valueOf(name + ":" + latest.path("version").asText());
      }
      return TextNode.valueOf(plain);
    }
    if (model.isObject()) {
      JsonNode path = model.get("path");
      String name = model.hasNonNull("name") ? model.get("name").asText() : null;
      String version = model.hasNonNull("version") ? model.get("version").asText() : null;
      if (path != null && !path.isNull()) {
        String text = path.asText();
        if (text.contains("://")) {
          throw new CliException("model path '" + text + "' is remote; Inferbus uploads a local .onnx file");
        }
        Path file = baseDirectory.resolve(text).normalize();
        String modelName = name != null ? name : ModelRegistry.nameOf(file);
        String preferred = current != null && current.startsWith(modelName + ":")
            ? current.substring(modelName.length() + 1) : null;
        JsonNode registered = registry.registerFile(file, modelName, version != null ? version : null, preferred, note);
        return TextNode.valueOf(registered.path("name").asText() + ":" + registered.path("version").asText());
      }
      if (name != null && version != null) {
        return TextNode.valueOf(name + ":" + version);
      }
    }
    throw new CliException("model must be {path: ./model.onnx}, name:version, azureml:name:version or "
        + "{name: ..., version: ...}; got " + model);
  }
}
