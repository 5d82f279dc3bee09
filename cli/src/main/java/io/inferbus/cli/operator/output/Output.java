package io.inferbus.cli.operator.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.burt.jmespath.Expression;
import io.burt.jmespath.JmesPathException;
import io.inferbus.cli.operator.CliException;
import java.io.PrintStream;
import java.util.function.UnaryOperator;

/**
 * Prints a command's answer as az does: {@code --query} (JMESPath) first, then the format. JSON and
 * YAML sort object keys (knack's {@code sort_keys}); table and TSV follow knack's rules
 * ({@link Table}, {@link Tsv}).
 */
public final class Output {
  /** Python's json.dumps(indent=2): "key": value, empty containers as {} and []. */
  private static final ObjectWriter JSON = io.inferbus.cli.operator.Json.MAPPER.writer(new DefaultPrettyPrinter()
      .withSeparators(Separators.createDefaultInstance()
          .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withObjectEmptySeparator("")
          .withArrayEmptySeparator(""))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  /** Built on first use: most commands print JSON, and YAML's classes take time to load. */
  private static final class YamlHolder {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
        .disable(YAMLGenerator.Feature.SPLIT_LINES)
        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
        .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));
  }

  private Output() {}

  /**
   * @param tableRows for {@code -o table} without a query: turns the answer into the rows to show,
   *     or null for knack's generic table
   */
  public static void print(JsonNode answer, OutputFormat format, String query, UnaryOperator<JsonNode> tableRows,
      PrintStream out) {
    JsonNode result = query == null ? answer : query(answer, query);
    String text = switch (format) {
      case NONE -> "";
      case MD -> throw CliException.usage("-o md renders a release evidence bundle: only online-endpoint evidence"
          + " takes it");
      case JSON -> json(result);
      case YAML -> yaml(result);
      case TSV -> Tsv.format(result);
      case TABLE -> Table.format(tableRows != null && query == null ? tableRows.apply(result) : result,
          query == null && tableRows == null);
    };
    out.print(text);
    out.flush();
  }

  /** Applies a JMESPath expression; a malformed one is a usage error naming it. */
  public static JsonNode query(JsonNode answer, String expression) {
    Expression<JsonNode> compiled;
    try {
      compiled = new QueryRuntime().compile(expression);
    } catch (JmesPathException e) {
      throw CliException.usage("--query '" + expression + "' is not a JMESPath expression: " + e.getMessage());
    }
    try {
      return compiled.search(answer);
    } catch (JmesPathException e) {
      throw new CliException("--query '" + expression + "' failed: " + e.getMessage());
    }
  }

  static String json(JsonNode result) {
    if (result == null || result.isNull() || result.isMissingNode()) {
      return ""; // az prints nothing for an empty result
    }
    try {
      return JSON.writeValueAsString(sorted(result)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String yaml(JsonNode result) {
    if (result == null || result.isMissingNode() || result.isNull()) {
      return "";
    }
    try {
      return YamlHolder.YAML.writeValueAsString(sorted(result));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A copy with every object's keys in order, as Python's sort_keys prints them. */
  static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      var copy = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      java.util.List<String> names = new java.util.ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      java.util.Collections.sort(names);
      for (String name : names) {
        copy.set(name, sorted(node.get(name)));
      }
      return copy;
    }
    if (node.isArray()) {
      var copy = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
      node.forEach(e -> copy.add(sorted(e)));
      return copy;
    }
    return node;
  }
}
