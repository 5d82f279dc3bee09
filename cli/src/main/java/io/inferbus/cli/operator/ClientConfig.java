package io.inferbus.cli.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.protocol.files.DurableFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the control plane is and how to prove who we are: {@code client.json} (written by a node
 * with the control-plane role on its first start), found in SPEC's order, with {@code --endpoint-url}
 * and {@code --token} (or {@code INFERBUS_TOKEN}) overriding its fields.
 *
 * @param controlPlaneUrl e.g. {@code https://127.0.0.1:8444}
 * @param caFile the CA certificate to trust (PEM), or null for the JVM's trust store
 * @param token the operator token, or null
 * @param source the file it came from, or null when only flags gave it
 */
public record ClientConfig(URI controlPlaneUrl, Path caFile, String token, Path source) {
  public static final String FILE = "client.json";

  /**
   * The configuration for these flags and environment: {@code --config} (or {@code INFERBUS_CONFIG})
   * names the file; else the first of {@code ./.inferbus-data/client.json}, the data directory beside
   * the {@code inferbus} executable ({@code INFERBUS_HOME}, set by the launcher) and
   * {@code ~/.inferbus/client.json} that exists.
   */
  public static ClientConfig resolve(Path configFlag, String endpointUrlFlag, String tokenFlag, Map<String, String> env) {
    Path file = configFlag;
    if (file == null && env.get("INFERBUS_CONFIG") != null && !env.get("INFERBUS_CONFIG").isBlank()) {
      file = Path.of(env.get("INFERBUS_CONFIG"));
    }
    List<Path> looked = new ArrayList<>();
    if (file == null) {
      for (Path candidate : candidates(env)) {
        looked.add(candidate);
        if (Files.isRegularFile(candidate)) {
          file = candidate;
          break;
        }
      }
    }
    URI url = null;
    Path ca = null;
    String token = null;
    if (file != null) {
      JsonNode json = read(file);
      url = uri(text(json, "control_plane_url"), file.toString());
      String caText = text(json, "ca_file");
      ca = caText == null ? null : file.toAbsolutePath().getParent().resolve(caText);
      token = text(json, "token");
    }
    if (endpointUrlFlag != null) {
      url = uri(endpointUrlFlag, "--endpoint-url");
    }
    String tokenVariable = env.get("INFERBUS_TOKEN");
    if (tokenFlag != null) {
      token = tokenFlag;
    } else if (tokenVariable != null && !tokenVariable.isBlank()) {
      token = tokenVariable.strip(); // keeps the token out of the process's arguments
    }
    if (url == null) {
      throw new CliException("no client.json found (looked at " + String.join(", ", looked.stream()
          .map(Path::toString).toList()) + "): start a node with `./inferbus start`, or pass --config FILE "
          + "(or --endpoint-url URL with --token TOKEN)");
    }
    return new ClientConfig(url, ca, token, file);
  }

  /** The token in the client config {@code file}, or null when it holds none. */
  public static String tokenIn(Path file) {
    return text(read(file), "token");
  }

  /**
   * Replaces the token in the client config {@code file}, keeping its other fields and their order;
   * written whole or not at all, readable by its owner only (as the node writes it).
   */
  public static void replaceToken(Path file, String token) throws IOException {
    ObjectNode json = (ObjectNode) read(file);
    json.put("token", token);
    DurableFiles.replace(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json), true);
  }

  private static List<Path> candidates(Map<String, String> env) {
    List<Path> paths = new ArrayList<>();
    paths.add(Path.of(".inferbus-data", FILE));
    String home = env.get("INFERBUS_HOME");
    if (home != null && !home.isBlank()) {
      Path beside = Path.of(home, ".inferbus-data", FILE);
      if (!beside.toAbsolutePath().normalize().equals(paths.get(0).toAbsolutePath().normalize())) {
        paths.add(beside);
      }
    }
    paths.add(Path.of(System.getProperty("user.home"), ".inferbus", FILE));
    return paths;
  }

  private static JsonNode read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CliException("the client config " + file + " does not exist");
    } catch (IOException e) {
      throw new CliException("cannot read the client config " + file + ": " + e.getMessage());
    }
    JsonNode json = Json.parse(text, "the client config " + file);
    if (!json.isObject()) {
      throw new CliException("the client config " + file + " must be a JSON object with control_plane_url, "
          + "ca_file and token");
    }
    return json;
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static URI uri(String text, String where) {
    if (text == null) {
      return null;
    }
    try {
      URI uri = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
      if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("not an https URL");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new CliException("the control-plane URL '" + text + "' from " + where
          + " is not an https URL such as https://127.0.0.1:8444");
    }
  }
}
