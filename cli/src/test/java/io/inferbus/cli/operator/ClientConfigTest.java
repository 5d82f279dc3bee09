package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the CLI finds the control plane: --config, INFERBUS_CONFIG, the data dir beside the
 * executable; --endpoint-url and --token over the file. Bad inputs tried: a file that is not JSON, a
 * JSON list, an http:// URL, a missing --config file, no file at all.
 */
class ClientConfigTest {
  @TempDir
  Path dir;

  Path client(Path where, String url) throws Exception {
    Files.createDirectories(where.getParent());
    Files.writeString(where, "{\"control_plane_url\": \"" + url + "\", \"ca_file\": \"tls/ca.pem\", \"token\": \"t1\"}");
    return where;
  }

  @Test
  void flagThenEnvironmentThenBesideTheExecutable() throws Exception {
    Path flag = client(dir.resolve("flag/client.json"), "https://127.0.0.1:1001");
    Path env = client(dir.resolve("env/client.json"), "https://127.0.0.1:1002");
    client(dir.resolve("home/.inferbus-data/client.json"), "https://127.0.0.1:1003/");
    Map<String, String> both = Map.of("INFERBUS_CONFIG", env.toString(), "INFERBUS_HOME", dir.resolve("home").toString());
    assertEquals("https://127.0.0.1:1001", ClientConfig.resolve(flag, null, null, both).controlPlaneUrl().toString());
    assertEquals("https://127.0.0.1:1002", ClientConfig.resolve(null, null, null, both).controlPlaneUrl().toString());
    ClientConfig beside = ClientConfig.resolve(null, null, null, Map.of("INFERBUS_HOME", dir.resolve("home").toString()));
    assertEquals("https://127.0.0.1:1003", beside.controlPlaneUrl().toString(), "a trailing slash is dropped");
    assertEquals(dir.resolve("home/.inferbus-data/tls/ca.pem"), beside.caFile(), "a relative ca_file is the file's");
  }

  @Test
  void flagsOverrideTheFilesFields() throws Exception {
    Path file = client(dir.resolve("client.json"), "https://127.0.0.1:1001");
    ClientConfig config = ClientConfig.resolve(file, "https://10.0.0.5:8444", "t2", Map.of());
    assertEquals("https://10.0.0.5:8444", config.controlPlaneUrl().toString());
    assertEquals("t2", config.token());
    assertEquals("t4", ClientConfig.resolve(file, null, null, Map.of("INFERBUS_TOKEN", "t4\n")).token(),
        "INFERBUS_TOKEN over the file's token");
    assertEquals("t2", ClientConfig.resolve(file, null, "t2", Map.of("INFERBUS_TOKEN", "t4")).token(),
        "--token over INFERBUS_TOKEN");
    ClientConfig flagsOnly = ClientConfig.resolve(null, "https://10.0.0.5:8444", "t3",
        Map.of("INFERBUS_HOME", dir.resolve("nowhere").toString()));
    assertNull(flagsOnly.caFile());
    assertEquals("t3", flagsOnly.token());
  }

  @Test
  void refusals() throws Exception {
    Map<String, String> nowhere = Map.of("INFERBUS_HOME", dir.resolve("nowhere").toString());
    Path notJson = Files.writeString(dir.resolve("bad.json"), "control_plane_url=x");
    assertTrue(assertThrows(CliException.class, () -> ClientConfig.resolve(notJson, null, null, nowhere))
        .getMessage().contains("not valid JSON"));
    Path list = Files.writeString(dir.resolve("list.json"), "[]");
    assertThrows(CliException.class, () -> ClientConfig.resolve(list, null, null, nowhere));
    Path http = client(dir.resolve("http/client.json"), "http://127.0.0.1:8444");
    assertTrue(assertThrows(CliException.class, () -> ClientConfig.resolve(http, null, null, nowhere))
        .getMessage().contains("https"));
    assertTrue(assertThrows(CliException.class, () -> ClientConfig.resolve(dir.resolve("absent.json"), null, null,
        nowhere)).getMessage().contains("does not exist"));
  }

  @Test
  void replacingTheTokenKeepsTheOtherFieldsInTheirOrderAndTheFileOwnerOnly() throws Exception {
    Path file = dir.resolve("client.json");
    Files.writeString(file, "{\"control_plane_url\": \"https://127.0.0.1:8444\", \"token\": \"old\", "
        + "\"ca_file\": \"tls/ca.pem\", \"note\": {\"by\": \"ops\"}}");
    ClientConfig.replaceToken(file, "new");
    assertEquals("new", ClientConfig.tokenIn(file));
    var json = Json.parse(Files.readString(file), "client.json");
    java.util.List<String> fields = new java.util.ArrayList<>();
    json.fieldNames().forEachRemaining(fields::add);
    assertEquals(java.util.List.of("control_plane_url", "token", "ca_file", "note"), fields);
    assertEquals("ops", json.path("note").path("by").asText());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(file)));
    assertEquals("https://127.0.0.1:8444", ClientConfig.resolve(file, null, null, Map.of()).controlPlaneUrl()
        .toString());
  }
}
