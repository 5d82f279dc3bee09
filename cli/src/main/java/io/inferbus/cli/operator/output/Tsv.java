package io.inferbus.cli.operator.output;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -o tsv} by knack's rules, which scripts depend on: a scalar prints bare (so
 * {@code --query primaryKey -o tsv} is the key alone); each element of a list is a line; an object
 * is a line of its values, tab-separated, in key order (in the query's order for an object a query
 * built), with a nested list shown as its length, a nested object as an empty field and a null as
 * Python's None.
 */
final class Tsv {
  private Tsv() {}

  static String format(JsonNode result) {
    if (result == null || result.isMissingNode() || result.isNull()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    if (result.isArray()) {
      result.forEach(item -> row(item, out));
    } else {
      row(result, out);
    }
    return out.toString();
  }

  private static void row(JsonNode data, StringBuilder out) {
    if (data.isObject()) {
      List<String> names = new ArrayList<>();
      data.fieldNames().forEachRemaining(names::add);
      if (!(data instanceof QueryRuntime.QueriedObject)) {
        names.sort(null);
      }
      String separator = "";
      for (String name : names) {
        out.append(separator);
        value(data.get(name), out);
        separator = "\t";
      }
    } else if (data.isArray()) {
      String separator = "";
      for (JsonNode value : data) {
        out.append(separator);
        value(value, out);
        separator = "\t";
      }
    } else if (data.isBoolean()) {
      out.append(data.asBoolean()); // a row that is a boolean prints in JSON's spelling
    } else {
      value(data, out);
    }
    out.append('\n');
  }

  private static void value(JsonNode value, StringBuilder out) {
    if (value.isArray()) {
      out.append(value.size());
    } else if (value.isObject()) {
      out.append("");
    } else if (value.isNull()) {
      out.append("None");
    } else {
      out.append(Table.cell(value));
    }
  }
}
