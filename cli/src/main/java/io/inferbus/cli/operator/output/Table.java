package io.inferbus.cli.operator.output;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.CliException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code -o table} by knack's rules: each object is a row of its scalar fields (nested objects and
 * lists are left out, as are {@code id}, {@code type} and {@code etag}), headers are the field names
 * with the first letter capitalised, keys sorted unless a query or a command's own rows chose the
 * columns; laid out as tabulate's "simple" format with knack's settings (every column at least its
 * header plus two wide, everything left-aligned: knack turns number parsing off).
 */
final class Table {
  private static final List<String> SKIP = List.of("id", "type", "etag");

  private Table() {}

  static String format(JsonNode result, boolean sortKeys) {
    if (result == null || result.isNull() || result.isMissingNode()) {
      return "";
    }
    List<JsonNode> items = new ArrayList<>();
    if (result.isArray()) {
      result.forEach(items::add);
    } else {
      items.add(result);
    }
    if (items.isEmpty()) {
      return "";
    }
    List<Map<String, JsonNode>> rows = new ArrayList<>();
    List<String> columns = new ArrayList<>();
    for (JsonNode item : items) {
      Map<String, JsonNode> row = row(item, sortKeys);
      row.keySet().stream().filter(c -> !columns.contains(c)).forEach(columns::add);
      rows.add(row);
    }
    if (columns.isEmpty()) {
      throw new CliException("table output unavailable: the answer has no plain fields; use --query to choose "
          + "some, or another --output");
    }
    List<List<String>> cells = new ArrayList<>();
    int[] widths = new int[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      widths[c] = columns.get(c).length() + 2;
    }
    for (Map<String, JsonNode> row : rows) {
      List<String> line = new ArrayList<>();
      for (int c = 0; c < columns.size(); c++) {
        JsonNode value = row.get(columns.get(c));
        String text = value == null ? "" : cell(value);
        widths[c] = Math.max(widths[c], text.length());
        line.add(text);
      }
      cells.add(line);
    }
    StringBuilder out = new StringBuilder();
    line(out, columns, widths);
    List<String> rule = new ArrayList<>();
    for (int width : widths) {
      rule.add("-".repeat(width));
    }
    line(out, rule, widths);
    for (List<String> line : cells) {
      line(out, line, widths);
    }
    return out.toString();
  }

  private static Map<String, JsonNode> row(JsonNode item, boolean sortKeys) {
    Map<String, JsonNode> row = new LinkedHashMap<>();
    if (item.isObject()) {
      List<String> names = new ArrayList<>();
      item.fieldNames().forEachRemaining(names::add);
      if (sortKeys) {
        names.sort(null);
      }
      for (String name : names) {
        JsonNode value = item.get(name);
        if (SKIP.contains(name) || value.isNull() || value.isContainerNode()) {
          continue;
        }
        row.put(capitalise(name), value);
      }
    } else if (item.isArray()) {
      for (int i = 0; i < item.size(); i++) {
        row.put("Column" + (i + 1), item.get(i));
      }
    } else {
      row.put("Result", item);
    }
    return row;
  }

  private static String capitalise(String name) {
    return name.isEmpty() ? name : Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  /** A cell as Python prints the value: strings bare, booleans True/False. */
  static String cell(JsonNode value) {
    if (value.isTextual()) {
      return value.asText();
    }
    if (value.isBoolean()) {
      return value.asBoolean() ? "True" : "False";
    }
    if (value.isNull()) {
      return "None";
    }
    return value.toString();
  }

  private static void line(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      if (c > 0) {
        line.append("  ");
      }
      String text = cells.get(c);
      line.append(text).append(" ".repeat(widths[c] - text.length()));
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
