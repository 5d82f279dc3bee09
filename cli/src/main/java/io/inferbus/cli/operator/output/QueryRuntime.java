package io.inferbus.cli.operator.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.burt.jmespath.jackson.JacksonRuntime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JMESPath over Jackson trees, marking the objects a query builds ({@code {a: x, b: y}}): knack keeps
 * those in the query's order when it writes TSV and tables (they are OrderedDicts), while objects of
 * the answer itself have their keys sorted. Scripts read {@code read a b <<< $(... -o tsv)} by it.
 */
final class QueryRuntime extends JacksonRuntime {
  /** An object a query built: its keys stay in the query's order. */
  static final class QueriedObject extends ObjectNode {
    QueriedObject(Map<String, JsonNode> fields) {
      super(JsonNodeFactory.instance, fields);
    }
  }

  @Override
  public JsonNode createObject(Map<JsonNode, JsonNode> object) {
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    object.forEach((key, value) -> fields.put(key.asText(), value));
    return new QueriedObject(fields);
  }
}
