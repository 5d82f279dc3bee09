package io.inferbus.cli.operator.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import io.inferbus.protocol.state.ScaleSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An Azure ML YAML file ({@code --file}) read into the body the management API takes: fields
 * Inferbus serves are kept, Azure-only fields are dropped with a note, and a field neither knows is
 * an error naming it (a typo must not be silently ignored).
 */
public final class SpecFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private final ObjectNode spec;
  private final List<String> ignored = new ArrayList<>();

  private SpecFile(Path file, ObjectNode spec) {
    this.file = file;
    this.spec = spec;
  }

  /** Reads {@code file}; null gives an empty spec (every field from flags). */
  public static SpecFile read(Path file) {
    if (file == null) {
      return new SpecFile(null, Json.object());
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CliException("--file " + file + " does not exist");
    } catch (IOException e) {
      throw new CliException("cannot read --file " + file + ": " + e.getMessage());
    }
    return new SpecFile(file, parseYaml(text, "--file " + file));
  }

  /** A spec from YAML text that is not a file of the user's (the example inside the jar); relative paths are the current directory's. */
  public static SpecFile parse(String text, String source) {
    return new SpecFile(null, parseYaml(text, source));
  }

  private static ObjectNode parseYaml(String text, String source) {
    JsonNode node;
    try {
      node = text.isBlank() ? Json.object() : YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new CliException(source + " is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (node == null || node.isMissingNode()) {
      node = Json.object();
    }
    if (!(node instanceof ObjectNode object)) {
      throw new CliException(source + " must be a mapping of fields (name: ..., auth_mode: ...)");
    }
    return object;
  }

  /** A spec already in hand (a live resource being edited with --set). */
  public static SpecFile of(ObjectNode spec) {
    return new SpecFile(null, spec);
  }

  /** The directory relative paths in the file are resolved against (the current one without a file). */
  public Path baseDirectory() {
    return file == null ? Path.of("") : file.toAbsolutePath().getParent();
  }

  public ObjectNode spec() {
    return spec;
  }

  /** Sets {@code field} when {@code value} is given (a flag overrides the file). */
  public SpecFile override(String field, String value) {
    if (value != null) {
      spec.put(field, value);
    }
    return this;
  }

  public SpecFile apply(SetOverrides overrides) {
    overrides.applyTo(spec);
    return this;
  }

  /** The spec's {@code field} as text, or null. */
  public String text(String field) {
    JsonNode value = spec.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /**
   * Drops the Azure-only fields of {@code schema} (remembered for {@link #ignoredNote}) and refuses
   * any field that neither Azure's schema nor Inferbus knows.
   */
  public SpecFile checkFields(AzureSchema schema) {
    schema.checkValues(spec);
    List<String> unknown = new ArrayList<>();
    for (String field : List.copyOf(iterable(spec))) {
      if (schema == AzureSchema.DEPLOYMENT && field.equals(ScaleSettings.FIELD) && fixedScale(spec.get(field))) {
        // Azure's managed endpoints' scale_settings: a fixed instance_count, what Inferbus does without it
        ignored.add(ScaleSettings.FIELD + " (type: default)");
        spec.remove(field);
        continue;
      }
      if (schema.inferbusFields().contains(field)) {
        continue;
      }
      if (schema.azureOnlyFields().contains(field)) {
        ignored.add(field);
        spec.remove(field);
      } else {
        unknown.add(field);
      }
    }
    if (!unknown.isEmpty()) {
      throw new CliException((unknown.size() == 1 ? "unknown field '" + unknown.get(0) + "'"
          : "unknown fields " + unknown) + " in " + (file == null ? "the " + schema.what() : file)
          + ": neither Azure's " + schema.azureName() + " schema nor Inferbus has " + (unknown.size() == 1 ? "it" : "them")
          + "; Inferbus takes " + schema.inferbusFields().stream().sorted().toList());
    }
    return this;
  }

  /**
   * Whether a deployment's {@code scale_settings} is Azure's {@code type: default} (a fixed count;
   * other fields mean nothing with it); {@code type: target_utilization} is autoscaling, which
   * Inferbus serves.
   */
  public static boolean fixedScale(JsonNode scaleSettings) {
    return scaleSettings instanceof ObjectNode o
        && o.path(ScaleSettings.TYPE).asText("").equalsIgnoreCase(ScaleSettings.DEFAULT);
  }

  /** The one-line note on what was ignored, or null. */
  public String ignoredNote() {
    if (ignored.isEmpty()) {
      return null;
    }
    return "note: ignoring Azure-only field" + (ignored.size() == 1 ? " " : "s ") + String.join(", ", ignored)
        + " (Inferbus does not use " + (ignored.size() == 1 ? "it" : "them") + ")";
  }

  private static List<String> iterable(ObjectNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
