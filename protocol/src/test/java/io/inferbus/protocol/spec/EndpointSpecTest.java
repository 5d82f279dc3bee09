package io.inferbus.protocol.spec;

import static io.inferbus.protocol.spec.Refusals.json;
import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferbus.protocol.net.NetworkAccess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * EndpointSpec: PUT bodies, PATCH bodies and writing into a stored document.
 *
 * <p>Bad inputs tried: auth_mode as an unknown string, a differently-cased mode, an empty string, a
 * number and an array; a body name differing from the path's (also as a number); invalid path names
 * ("ab", "1credit", "a--b", "credit-", "Bad_Name", null); description as a number, an object and a
 * boolean; tags as an array, a string and a number; PATCH bodies naming auth_mode, name, keys and a
 * typo (also next to patchable fields); PATCH description/tags of the wrong type.
 */
class EndpointSpecTest {

  private static EndpointSpec parse(String body) {
    return EndpointSpec.parse("credit", json(body));
  }

  // ------------------------------------------------------------ PUT: defaults and accepted values

  @Test
  void emptyBodyTakesTheDefaults() {
    EndpointSpec spec = parse("{}");
    assertEquals("credit", spec.name());
    assertEquals("key", spec.authMode());
    assertEquals("", spec.description());
    assertEquals(Map.of(), spec.tags());
    assertEquals(List.of(), spec.ignoredFields());
  }

  @Test
  void nullValuesTakeTheDefaultsToo() {
    EndpointSpec spec = parse("{\"auth_mode\": null, \"description\": null, \"tags\": null}");
    assertEquals("key", spec.authMode());
    assertEquals("", spec.description());
    assertEquals(Map.of(), spec.tags());
  }

  @ParameterizedTest
  @ValueSource(strings = {"key", "aml_token", "aad_token"})
  void eachAuthModeIsAccepted(String mode) {
    assertEquals(mode, parse("{\"auth_mode\": \"" + mode + "\"}").authMode());
  }

  @Test
  void givenFieldsAreKept() {
    EndpointSpec spec = parse("{\"name\": \"credit\", \"auth_mode\": \"aml_token\", \"description\": \"scores loans\","
        + " \"tags\": {\"team\": \"risk\", \"tier\": \"gold\"}}");
    assertEquals("credit", spec.name());
    assertEquals("aml_token", spec.authMode());
    assertEquals("scores loans", spec.description());
    assertEquals(Map.of("team", "risk", "tier", "gold"), spec.tags());
    assertEquals(List.of("team", "tier"), List.copyOf(spec.tags().keySet()), "tags keep the body's order");
  }

  @Test
  void tagValuesThatAreNotStringsAreKeptAsTheirText() {
    EndpointSpec spec = parse("{\"tags\": {\"n\": 5, \"f\": 1.5, \"b\": true, \"o\": {\"x\": 1}, \"a\": [1, 2],"
        + " \"z\": null}}");
    assertEquals("5", spec.tags().get("n"));
    assertEquals("1.5", spec.tags().get("f"));
    assertEquals("true", spec.tags().get("b"));
    assertEquals("{\"x\":1}", spec.tags().get("o"));
    assertEquals("[1,2]", spec.tags().get("a"));
    assertEquals("null", spec.tags().get("z"), "a null tag becomes the text \"null\" (current behaviour)");
  }

  // ------------------------------------------------------------ PUT: refused

  @ParameterizedTest
  @ValueSource(strings = {"\"password\"", "\"Key\"", "\"\"", "\"aml-token\""})
  void unknownAuthModeStringsAreRefusedNamingTheValueAndTheChoices(String mode) {
    String shown = mode.substring(1, mode.length() - 1);
    refused("auth_mode", () -> parse("{\"auth_mode\": " + mode + "}"),
        "auth_mode '" + shown + "' is not one of key, aml_token, aad_token");
  }

  @Test
  void authModeThatIsNotAStringIsRefused() {
    refused("auth_mode", () -> parse("{\"auth_mode\": 1}"), "auth_mode '1'", "key, aml_token, aad_token");
    refused("auth_mode", () -> parse("{\"auth_mode\": [\"key\"]}"), "auth_mode '[\"key\"]'",
        "key, aml_token, aad_token");
    refused("auth_mode", () -> parse("{\"auth_mode\": true}"), "auth_mode 'true'", "is not one of");
  }

  @Test
  void bodyNameDifferingFromThePathIsRefused() {
    refused("name", () -> parse("{\"name\": \"other\"}"), "the body's name 'other' differs from the path's 'credit'");
    refused("name", () -> parse("{\"name\": \"Credit\"}"), "'Credit'", "'credit'");
    refused("name", () -> parse("{\"name\": 7}"), "the body's name '7'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ab", "1credit", "a--b", "credit-", "Bad_Name"})
  void invalidPathNamesAreRefusedBeforeTheBodyIsRead(String name) {
    // the body is bad too: the path's name is what is reported
    refused("endpoint", () -> EndpointSpec.parse(name, json("{\"auth_mode\": \"password\"}")),
        "'" + name + "' is not a valid endpoint name", "3-32 characters");
  }

  @Test
  void missingPathNameIsRefused() {
    refused("endpoint", () -> EndpointSpec.parse(null, json("{}")), "'null' is not a valid endpoint name");
  }

  @Test
  void descriptionThatIsNotAStringIsRefusedNamingTheField() {
    refused("description", () -> parse("{\"description\": 5}"), "description must be a string, got 5");
    refused("description", () -> parse("{\"description\": {\"text\": \"x\"}}"), "description must be a string");
    refused("description", () -> parse("{\"description\": false}"), "description must be a string, got false");
  }

  @Test
  void tagsThatAreNotAnObjectAreRefused() {
    refused("tags", () -> parse("{\"tags\": [\"team\", \"risk\"]}"), "tags must be an object of strings");
    refused("tags", () -> parse("{\"tags\": \"team=risk\"}"), "tags must be an object of strings");
    refused("tags", () -> parse("{\"tags\": 3}"), "tags must be an object of strings");
  }

  // ------------------------------------------------------------ PUT: ignored fields

  @Test
  void unknownFieldsAreListedSorted() {
    EndpointSpec spec = parse("{\"$schema\": \"https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint"
        + ".schema.json\", \"identity\": {\"type\": \"system_assigned\"}, \"auth_mod\": \"key\", \"public_network_access\":"
        + " \"enabled\", \"description\": \"d\"}");
    assertEquals(List.of("$schema", "auth_mod", "identity"), spec.ignoredFields(),
        "public_network_access is served, not ignored");
    assertEquals("key", spec.authMode(), "the typo 'auth_mod' is not read as auth_mode");
  }

  @Test
  void knownFieldsAreNotListedAsIgnored() {
    EndpointSpec spec = parse("{\"name\": \"credit\", \"auth_mode\": \"key\", \"description\": \"d\", \"tags\": {},"
        + " \"traffic\": {\"blue\": 100}, \"mirror_traffic\": {}}");
    assertEquals(List.of(), spec.ignoredFields());
  }

  @Test
  void specIsImmutable() {
    EndpointSpec spec = parse("{\"tags\": {\"a\": \"b\"}, \"x\": 1}");
    assertThrows(UnsupportedOperationException.class,
        () -> spec.tags().put("c", "d"));
    assertThrows(UnsupportedOperationException.class,
        () -> spec.ignoredFields().add("y"));
  }

  // ------------------------------------------------------------ PATCH

  private static JsonObject storedDoc() {
    return json("{\"name\": \"credit\", \"auth_mode\": \"key\", \"description\": \"old\", \"tags\": {\"team\": \"risk\"},"
        + " \"keys\": {\"primary\": \"p\"}, \"traffic\": {\"blue\": 100}, \"mirror_traffic\": {}}");
  }

  @Test
  void patchWritesDescriptionAndLeavesTheRestAlone() {
    JsonObject doc = storedDoc();
    EndpointSpec.patch(doc, json("{\"description\": \"new\"}"));
    JsonObject expected = storedDoc().put("description", "new");
    assertEquals(expected, doc);
  }

  @Test
  void patchWritesTagsReplacingThemWhole() {
    JsonObject doc = storedDoc();
    EndpointSpec.patch(doc, json("{\"tags\": {\"tier\": \"gold\", \"n\": 2}}"));
    assertEquals(storedDoc().put("tags", json("{\"tier\": \"gold\", \"n\": \"2\"}")), doc,
        "tags are replaced, not merged, and non-string values become text");
  }

  @Test
  void patchWithNullDescriptionOrTagsClearsThem() {
    JsonObject doc = storedDoc();
    EndpointSpec.patch(doc, json("{\"description\": null, \"tags\": null}"));
    assertEquals(storedDoc().put("description", "").put("tags", new JsonObject()), doc);
  }

  @Test
  void patchOfTrafficAloneWritesNothingHere() {
    // traffic and mirror_traffic are patchable, but TrafficSpec applies them, not EndpointSpec.patch
    JsonObject doc = storedDoc();
    EndpointSpec.patch(doc, json("{\"traffic\": {\"blue\": 0}, \"mirror_traffic\": {\"blue\": 10}}"));
    assertEquals(storedDoc(), doc);
  }

  @ParameterizedTest
  @ValueSource(strings = {"auth_mode", "name", "keys", "descripton", "$schema"})
  void nonPatchableFieldsAreRefusedNamingTheFieldAndWhatPatchTakes(String field) {
    JsonObject doc = storedDoc();
    refused(field, () -> EndpointSpec.patch(doc, new JsonObject().put(field, "x")),
        "field '" + field + "' cannot be patched", "PATCH takes traffic, mirror_traffic, description and tags");
    assertEquals(storedDoc(), doc, "a refused patch writes nothing");
  }

  @Test
  void nonPatchableFieldNextToPatchableOnesIsRefusedBeforeAnythingIsWritten() {
    JsonObject doc = storedDoc();
    refused("auth_mode", () -> EndpointSpec.patch(doc, json("{\"description\": \"new\", \"auth_mode\": \"aad_token\"}")),
        "field 'auth_mode' cannot be patched");
    assertEquals(storedDoc(), doc);
    refused("auth_mode", () -> EndpointSpec.checkPatch(json("{\"tags\": {}, \"auth_mode\": \"key\"}")),
        "field 'auth_mode' cannot be patched");
  }

  @Test
  void patchValuesOfTheWrongTypeAreRefusedNamingTheField() {
    refused("description", () -> EndpointSpec.patch(storedDoc(), json("{\"description\": 1}")),
        "description must be a string, got 1");
    refused("tags", () -> EndpointSpec.patch(storedDoc(), json("{\"tags\": [\"a\"]}")),
        "tags must be an object of strings");
  }

  // ------------------------------------------------------------ network access

  @Test
  void networkAccessIsPartOfTheSpecAndWrittenOnlyWhenNotPublic() {
    EndpointSpec open = parse("{\"public_network_access\": \"enabled\"}");
    assertEquals(NetworkAccess.PUBLIC, open.networkAccess());
    JsonObject doc = new JsonObject().put("public_network_access", "disabled").put("allowed_networks",
        new JsonArray().add("10.0.0.0/8"));
    JsonObject reopened = open.writeTo(doc);
    assertFalse(reopened.containsKey("public_network_access"), "a public endpoint's document is as before: " + doc);
    assertFalse(reopened.containsKey("allowed_networks"));

    EndpointSpec closed = parse("{\"public_network_access\": \"disabled\", \"allowed_networks\": [\"10.0.0.0/8\"]}");
    JsonObject written = closed.writeTo(new JsonObject());
    assertEquals("disabled", written.getString("public_network_access"));
    assertEquals(new JsonArray().add("10.0.0.0/8"), written.getJsonArray("allowed_networks"));
    refused("public_network_access", () -> parse("{\"public_network_access\": \"private\"}"), "enabled or disabled");
    refused("allowed_networks", () -> parse("{\"allowed_networks\": [\"10/8\"]}"), "'10/8'");
  }

  // ------------------------------------------------------------ writeTo

  @Test
  void writeToWritesExactlyTheSpecFields() {
    EndpointSpec spec = parse("{\"auth_mode\": \"aad_token\", \"description\": \"d\", \"tags\": {\"b\": \"2\", \"a\": \"1\"},"
        + " \"traffic\": {\"blue\": 100}, \"identity\": {}}");
    JsonObject written = spec.writeTo(new JsonObject());
    assertEquals(json("{\"auth_mode\": \"aad_token\", \"description\": \"d\", \"tags\": {\"b\": \"2\", \"a\": \"1\"}}"),
        written, "no name, traffic or ignored fields");
    assertEquals(List.of("b", "a"), List.copyOf(written.getJsonObject("tags").fieldNames()));
  }

  @Test
  void writeToOverwritesSpecFieldsAndKeepsTheDocumentsOthers() {
    JsonObject doc = storedDoc();
    JsonObject written = parse("{}").writeTo(doc);
    assertSame(doc, written, "writes into the given document and returns it");
    assertEquals(storedDoc().put("description", "").put("tags", new JsonObject()), doc);
  }
}
