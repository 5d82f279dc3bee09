package io.inferbus.cli.operator.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * az's {@code --set path=value}: a dotted path into the resource ({@code request_settings.request_timeout_ms=9000}),
 * several at once, applied in order. A value that reads as JSON (a number, true/false, null, an object
 * or a list) is that JSON value; anything else is a string, so {@code --set description=loans} needs
 * no quotes.
 */
public final class SetOverrides {
  private static final Pattern PATH = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$-]*(\\.[A-Za-z_$][A-Za-z0-9_$-]*)*");

  /**
   * Fields whose values are text whatever they look like: {@code --set tags.release=1.10} is the tag
   * "1.10", not the number 1.1 (az keeps --set values of a create as strings).
   */
  private static final Set<String> TEXT_FIELDS = Set.of("name", "endpoint_name", "auth_mode", "description", "tags",
      "version", "path", "model");

  /** One {@code --set}: the path's segments, the value, and the text it was given as. */
  public record Override(List<String> path, JsonNode value, String text) {
    public String dotted() {
      return String.join(".", path);
    }
  }

  private final List<Override> overrides;

  private SetOverrides(List<Override> overrides) {
    this.overrides = List.copyOf(overrides);
  }

  public static SetOverrides parse(List<String> arguments) {
    return parse(arguments, false);
  }

  /** @param forceString keep every value a string (az's {@code --force-string}) */
  public static SetOverrides parse(List<String> arguments, boolean forceString) {
    List<Override> parsed = new ArrayList<>();
    if (arguments != null) {
      for (String argument : arguments) {
        int eq = argument.indexOf('=');
        if (eq <= 0) {
          throw CliException.usage("--set '" + argument + "' must be path=value, e.g. --set instance_count=2");
        }
        String path = argument.substring(0, eq).strip();
        if (!PATH.matcher(path).matches()) {
          throw CliException.usage("--set path '" + path + "' must be field names joined by dots, e.g. "
              + "request_settings.request_timeout_ms");
        }
        String text = argument.substring(eq + 1);
        List<String> segments = List.of(path.split("\\."));
        JsonNode value = forceString ? TextNode.valueOf(text) : value(text);
        if (TEXT_FIELDS.contains(segments.get(0)) && value.isValueNode() && !value.isNull()) {
          value = TextNode.valueOf(text);
        }
        parsed.add(new Override(segments, value, text));
      }
    }
    return new SetOverrides(parsed);
  }

  public boolean isEmpty() {
    return overrides.isEmpty();
  }

  public List<Override> overrides() {
    return overrides;
  }

  /** The top-level fields the overrides touch. */
  public List<String> topLevelFields() {
    return overrides.stream().map(o -> o.path().get(0)).distinct().toList();
  }

  /** Applies every override to {@code target}, creating objects along the way. */
  public void applyTo(ObjectNode target) {
    for (Override o : overrides) {
      ObjectNode node = target;
      for (int i = 0; i < o.path().size() - 1; i++) {
        String field = o.path().get(i);
        JsonNode child = node.get(field);
        if (child == null || child.isNull()) {
          child = node.putObject(field);
        } else if (!child.isObject()) {
          throw CliException.usage("--set " + o.dotted() + ": '" + String.join(".", o.path().subList(0, i + 1))
              + "' is " + Json.write(child) + ", not an object");
        }
        node = (ObjectNode) child;
      }
      node.set(o.path().get(o.path().size() - 1), o.value());
    }
  }

  private static JsonNode value(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      return TextNode.valueOf("");
    }
    char first = trimmed.charAt(0);
    boolean jsonLike = first == '{' || first == '[' || first == '"' || first == '-' || Character.isDigit(first)
        || trimmed.equals("true") || trimmed.equals("false") || trimmed.equals("null");
    if (jsonLike) {
      try {
        return Json.MAPPER.readTree(trimmed);
      } catch (Exception notJson) {
        // a string that merely starts like JSON, e.g. 2024-01-01
      }
    }
    return TextNode.valueOf(text);
  }
}
