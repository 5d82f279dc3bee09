package io.inferbus.cli.operator.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** az's output formats (knack's rules), and --query applied before them. */
class OutputTest {
  static final JsonNode ENDPOINT = Json.parse("""
      {"name": "credit", "auth_mode": "key", "traffic": {"blue": 90, "green": 10}, "mirror_traffic": {},
       "tags": {"owner": "risk"}, "traffic_revision": 3, "public": true, "description": null,
       "instances": [{"id": "a"}, {"id": "b"}]}""", "test");

  static String print(JsonNode answer, OutputFormat format, String query) {
    return print(answer, format, query, null);
  }

  static String print(JsonNode answer, OutputFormat format, String query, UnaryOperator<JsonNode> rows) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Output.print(answer, format, query, rows, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonIsIndentedByTwoWithSortedKeysAsPythonPrintsIt() {
    assertEquals("""
        {
          "auth_mode": "key",
          "description": null,
          "instances": [
            {
              "id": "a"
            },
            {
              "id": "b"
            }
          ],
          "mirror_traffic": {},
          "name": "credit",
          "public": true,
          "tags": {
            "owner": "risk"
          },
          "traffic": {
            "blue": 90,
            "green": 10
          },
          "traffic_revision": 3
        }
        """, print(ENDPOINT, OutputFormat.JSON, null));
    assertEquals("[]\n", print(Json.MAPPER.createArrayNode(), OutputFormat.JSON, null));
    assertEquals("\"key\"\n", print(ENDPOINT, OutputFormat.JSON, "auth_mode"), "a string result is a JSON string");
    assertEquals("", print(ENDPOINT, OutputFormat.JSON, "nothing_here"), "a null result prints nothing");
  }

  @Test
  void tsvPrintsScalarsBareAndObjectsAsSortedValues() {
    assertEquals("key\n", print(ENDPOINT, OutputFormat.TSV, "auth_mode"));
    assertEquals("90\n", print(ENDPOINT, OutputFormat.TSV, "traffic.blue"));
    // keys sorted: auth_mode description instances mirror_traffic name public tags traffic traffic_revision
    assertEquals("key\tNone\t2\t\tcredit\tTrue\t\t\t3\n", print(ENDPOINT, OutputFormat.TSV, null),
        "null as None, a list its length, an object empty, a boolean as Python prints it");
    assertEquals("credit\t3\n", print(ENDPOINT, OutputFormat.TSV, "{z: name, a: traffic_revision}"),
        "an object the query built keeps the query's order");
    assertEquals("true\n", print(ENDPOINT, OutputFormat.TSV, "public"), "a boolean row in JSON's spelling");
    assertEquals("credit\nkey\n", print(ENDPOINT, OutputFormat.TSV, "[name, auth_mode]"), "a row per element");
    assertEquals("credit\tkey\n", print(ENDPOINT, OutputFormat.TSV, "[[name, auth_mode]]"), "a nested list: a row");
    assertEquals("a\nb\n", print(ENDPOINT, OutputFormat.TSV, "instances[].id"), "a list: a line per element");
  }

  @Test
  void tableRowsAreTheScalarFieldsWithCapitalisedHeaders() {
    String table = print(ENDPOINT, OutputFormat.TABLE, null);
    assertEquals("""
        Auth_mode    Name    Public    Traffic_revision
        -----------  ------  --------  ------------------
        key          credit  True      3
        """, table, "sorted keys, nested values and nulls left out, columns at least header + 2, all left-aligned");
    String picked = print(ENDPOINT, OutputFormat.TABLE, "{endpoint: name, revision: traffic_revision}");
    assertTrue(picked.startsWith("Endpoint    Revision\n"), "a query's columns in its order: " + picked);
    String rows = print(ENDPOINT, OutputFormat.TABLE, null,
        e -> Json.object().put("Name", e.path("name").asText()).put("Traffic", "blue=90 green=10"));
    assertTrue(rows.startsWith("Name    Traffic\n"), "a command's own rows: " + rows);
    assertEquals("", print(Json.MAPPER.createArrayNode(), OutputFormat.TABLE, null));
    assertThrows(CliException.class, () -> print(Json.parse("{\"a\": {\"b\": 1}}", "t"), OutputFormat.TABLE, null),
        "nothing to show as a table: say so");
  }

  @Test
  void yamlSortsKeysToo() {
    String yaml = print(ENDPOINT, OutputFormat.YAML, null);
    assertTrue(yaml.startsWith("auth_mode: key\ndescription: null\ninstances:\n"), yaml);
    assertTrue(yaml.contains("traffic:\n  blue: 90\n  green: 10\n"), yaml);
    assertEquals("", print(ENDPOINT, OutputFormat.YAML, "nothing_here"), "a null result prints nothing");
  }

  @Test
  void noneAndBadQueries() {
    assertEquals("", print(ENDPOINT, OutputFormat.NONE, null));
    CliException bad = assertThrows(CliException.class, () -> print(ENDPOINT, OutputFormat.JSON, "traffic["));
    assertEquals(CliException.USAGE, bad.exitCode());
    assertTrue(bad.getMessage().contains("traffic["), bad.getMessage());
  }
}
