package io.inferbus.cli.operator.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import io.inferbus.cli.operator.ResourcePaths;
import io.inferbus.cli.operator.spec.AzureSchema;
import io.inferbus.cli.operator.spec.SpecFile;
import io.inferbus.cli.operator.spec.SpecOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code inferbus model ...}: the model registry, as az ml's model commands. */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Manage registered models: ONNX files by name and immutable version, with their signatures.",
    footer = {"", "Example:", "  inferbus model list -o table"})
public final class ModelCommand {
  /** The subcommands, in the order help lists them (built only when named: see CommandTree). */
  public static final List<Class<?>> SUBCOMMANDS = List.of(
      ModelCommand.ListModels.class,
      ModelCommand.Show.class,
      ModelCommand.Create.class);
  private static JsonNode versionRows(JsonNode versions) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    for (JsonNode v : versions.isArray() ? versions : Json.MAPPER.createArrayNode().add(versions)) {
      ObjectNode row = rows.addObject();
      row.put("Name", v.path("name").asText());
      row.put("Version", v.path("version").asText());
      row.put("Size_bytes", v.path("size_bytes").asLong());
      row.put("Sha256", v.path("sha256").asText());
      row.put("Created_at", v.path("created_at").asText());
    }
    return rows;
  }

  @Command(name = "list",
      description = "List the registered models (one line per name with its latest version), or every version of one.",
      footer = {"", "Examples:", "  inferbus model list -o table", "  inferbus model list -n german-credit-bad-risk"})
  static final class ListModels extends OperatorCommand {
    @Option(names = {"-n", "--name"}, description = "List every version of this model.")
    String name;

    @Override
    protected void execute() {
      if (name != null) {
        ArrayNode versions = Json.MAPPER.createArrayNode();
        new ModelRegistry(client()).versions(name).forEach(versions::add);
        print(versions, ModelCommand::versionRows);
        return;
      }
      Map<String, List<JsonNode>> byName = new LinkedHashMap<>();
      for (JsonNode v : client().get("/models").path("value")) {
        byName.computeIfAbsent(v.path("name").asText(), n -> new ArrayList<>()).add(v);
      }
      ArrayNode models = Json.MAPPER.createArrayNode();
      byName.forEach((model, versions) -> {
        ObjectNode entry = models.addObject().put("name", model)
            .put("latest_version", ModelRegistry.latest(versions).path("version").asText());
        ArrayNode names = entry.putArray("versions");
        versions.forEach(v -> names.add(v.path("version").asText()));
      });
      print(models);
    }
  }

  @Command(name = "show",
      description = "Show a registered model version: sha256, size, inputs and outputs.",
      footer = {"", "Examples:", "  inferbus model show -n german-credit-bad-risk -v 1",
          "  inferbus model show -n german-credit-bad-risk -l latest --query inputs"})
  static final class Show extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the model.")
    String name;

    @Option(names = {"-v", "--version"}, description = "Version of the model.")
    String version;

    @Option(names = {"-l", "--label"}, description = "latest: the highest version.")
    String label;

    @Override
    protected void execute() {
      if ((version == null) == (label == null)) {
        throw CliException.usage(version == null ? "Must provide either version or label"
            : "Cannot specify both version and label.");
      }
      if (label != null) {
        if (!label.equals("latest")) {
          throw CliException.usage("--label '" + label + "': the only label Inferbus knows is latest");
        }
        JsonNode latest = new ModelRegistry(client()).latest(name);
        if (latest == null) {
          throw new CliException(CliException.NOT_FOUND, "no version of model '" + name + "' is registered");
        }
        print(latest, ModelCommand::versionRows);
        return;
      }
      print(client().get(ResourcePaths.model(name, version)), ModelCommand::versionRows);
    }
  }

  @Command(name = "create",
      description = "Register an ONNX file as a model version (ONNX Runtime must load it; versions are immutable).",
      footer = {"", "Examples:",
          "  inferbus model create -n german-credit-bad-risk -v 2 -p examples/credit-scoring/model/german-credit-bad-risk.onnx",
          "  inferbus model create -f model.yml   # name, version, path (relative to the file)"})
  static final class Create extends OperatorCommand {
    @Mixin
    SpecOptions spec;

    @Option(names = {"-n", "--name"}, description = "Name of the model; overrides the file's name.")
    String name;

    @Option(names = {"-v", "--version"}, description = "Version; default: 1 for a new name, else the highest + 1.")
    String version;

    @Option(names = {"-p", "--path"}, description = "The .onnx file.")
    Path path;

    @Option(names = {"-t", "--type"}, defaultValue = "custom_model",
        description = "custom_model (an ONNX file; the only type Inferbus serves).")
    String type;

    @Option(names = "--no-wait", description = "Print nothing.")
    boolean noWait;

    @Override
    protected void execute() {
      if (!type.equals("custom_model")) {
        throw CliException.usage("--type " + type + " is not served: Inferbus serves ONNX files (custom_model)");
      }
      if (spec.file == null && (name == null || path == null)) {
        throw CliException.usage("Please provide either --file/-f or --name/-n and --path/-p.");
      }
      SpecFile file = spec.readWithOverrides().override("name", name).override("version", version)
          .checkFields(AzureSchema.MODEL);
      note(file.ignoredNote());
      String model = file.text("name");
      String modelPath = path != null ? path.toString() : file.text("path");
      if (model == null || modelPath == null) {
        throw CliException.usage("the model needs a name and a path: --name/-n and --path/-p, or name: and path: in --file");
      }
      Path onnx = path != null ? path : file.baseDirectory().resolve(modelPath).normalize();
      ModelRegistry registry = new ModelRegistry(client());
      String chosen = file.text("version") != null ? file.text("version") : registry.nextVersion(model);
      JsonNode registered = registry.register(model, chosen, onnx);
      if (!noWait) {
        print(registered, ModelCommand::versionRows);
      }
    }
  }
}
