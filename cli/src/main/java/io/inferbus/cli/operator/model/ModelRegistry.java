package io.inferbus.cli.operator.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.ControlPlaneClient;
import io.inferbus.cli.operator.ResourcePaths;
import io.inferbus.protocol.hashing.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The model registry as the CLI uses it: versions of a name, the latest, and registering a local file. */
public final class ModelRegistry {
  private final ControlPlaneClient client;

  public ModelRegistry(ControlPlaneClient client) {
    this.client = client;
  }

  /** Every registered version of {@code name}, oldest first. */
  public List<JsonNode> versions(String name) {
    List<JsonNode> versions = new ArrayList<>();
    for (JsonNode model : client.get("/models").path("value")) {
      if (model.path("name").asText().equals(name)) {
        versions.add(model);
      }
    }
    return versions;
  }

  /** The latest version of {@code name} (the highest number, else the newest), or null. */
  public JsonNode latest(String name) {
    return latest(versions(name));
  }

  /** The latest of some versions of one model (the highest number, else the newest), or null. */
  public static JsonNode latest(Iterable<JsonNode> versions) {
    JsonNode latest = null;
    for (JsonNode v : versions) {
      if (latest == null || newer(v, latest)) {
        latest = v;
      }
    }
    return latest;
  }

  /** The version a new registration of {@code name} takes when none is given: "1", else the highest number + 1. */
  public String nextVersion(String name) {
    return nextVersion(versions(name));
  }

  private static String nextVersion(List<JsonNode> versions) {
    long highest = 0;
    for (JsonNode v : versions) {
      Long number = number(v.path("version").asText());
      if (number != null) {
        highest = Math.max(highest, number);
      }
    }
    return Long.toString(highest + 1);
  }

  /** Registers the bytes of {@code file} as {@code name:version}; answers the registry entry. */
  public JsonNode register(String name, String version, Path file) {
    checkFile(file);
    return client.putFile(ResourcePaths.model(name, version), file);
  }

  /**
   * A local ONNX file as a registered model: the version with the same content when one is
   * registered already (so applying a YAML file twice registers nothing new; {@code preferred} among
   * several, else the latest), else a new version ({@code version}, or the next number).
   */
  public JsonNode registerFile(Path file, String name, String version, String preferred, Consumer<String> note) {
    checkFile(file);
    String sha256 = sha256(file);
    List<JsonNode> versions = versions(name);
    JsonNode same = null;
    for (JsonNode v : versions) {
      String number = v.path("version").asText();
      if (!v.path("sha256").asText().equals(sha256) || (version != null && !number.equals(version))) {
        continue;
      }
      // the version the deployment runs if it holds these bytes, else the latest that does
      if (same == null || number.equals(preferred)
          || (!same.path("version").asText().equals(preferred) && latest(List.of(v, same)) == v)) {
        same = v;
      }
    }
    if (same != null) {
      note.accept("model " + file + " is registered already as " + name + ":" + same.path("version").asText());
      return same;
    }
    String chosen = version != null ? version : nextVersion(versions);
    JsonNode registered = client.putFile(ResourcePaths.model(name, chosen), file);
    note.accept("registered model " + file + " as " + name + ":" + chosen + " (sha256 " + sha256.substring(0, 12)
        + "..., " + registered.path("size_bytes").asLong() + " bytes)");
    return registered;
  }

  /** The name a file registers under when none is given: its base name without ".onnx". */
  public static String nameOf(Path file) {
    String base = file.getFileName().toString();
    return base.endsWith(".onnx") ? base.substring(0, base.length() - 5) : base;
  }

  private static boolean newer(JsonNode a, JsonNode b) {
    Long na = number(a.path("version").asText());
    Long nb = number(b.path("version").asText());
    if (na != null && nb != null) {
      return na > nb;
    }
    return a.path("created_at").asText().compareTo(b.path("created_at").asText()) > 0;
  }

  private static Long number(String version) {
    try {
      return Long.parseLong(version);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static void checkFile(Path file) {
    if (Files.isDirectory(file)) {
      throw new CliException("model path " + file + " is a directory; Inferbus serves ONNX models: give the .onnx file");
    }
    if (!Files.isRegularFile(file)) {
      throw new CliException("model path " + file + " does not exist");
    }
  }

  private static String sha256(Path file) {
    try {
      return Sha256.hexOf(file);
    } catch (IOException e) {
      throw new CliException("cannot read model " + file + ": " + e.getMessage());
    }
  }
}
