package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import java.util.StringJoiner;

/** az's traffic strings: {@code "blue=90 green=10"}, space-separated deployment=percent pairs. */
public final class TrafficString {
  private TrafficString() {}

  /** Parses {@code text} given to {@code flag}; refuses commas and anything but name=whole-number pairs. */
  public static ObjectNode parse(String flag, String text) {
    ObjectNode weights = Json.object();
    if (text.contains(",")) {
      throw new CliException("Do not add a delimiter between traffic variables: " + flag + " takes space-separated "
          + "deployment=percent pairs, e.g. " + flag + " \"blue=90 green=10\"");
    }
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw CliException.usage(flag + " is empty; give deployment=percent pairs, e.g. " + flag + " \"blue=100\"");
    }
    for (String pair : trimmed.split("\\s+")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      if (eq <= 0 || !value.matches("\\d{1,3}")) {
        throw new CliException(flag + " \"" + text + "\": '" + pair + "' is not deployment=percent with a whole "
            + "number from 0 to 100, e.g. " + flag + " \"blue=90 green=10\"");
      }
      if (weights.has(name)) {
        throw CliException.usage(flag + " \"" + text + "\" names '" + name + "' twice");
      }
      weights.put(name, Integer.parseInt(value));
    }
    return weights;
  }

  /** Weights as az shows them in a table: {@code blue=90 green=10}, in the answer's order. */
  public static String format(JsonNode weights) {
    StringJoiner out = new StringJoiner(" ");
    if (weights != null) {
      weights.fields().forEachRemaining(e -> out.add(e.getKey() + "=" + e.getValue().asText()));
    }
    return out.toString();
  }
}
