package io.inferbus.cli.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The management API as the CLI calls it: one method per HTTP verb, JSON in and out, every refusal
 * turned into a {@link CliException} carrying the server's code and message.
 */
public final class ControlPlaneClient {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(10);

  private final ClientConfig config;
  private final HttpsClient https;
  /** One request id for every call of a command, so the audit log ties them together. */
  private final String requestId = "cli-" + UUID.randomUUID();

  public ControlPlaneClient(ClientConfig config) {
    this.config = config;
    this.https = new HttpsClient(config.caFile());
  }

  public ClientConfig config() {
    return config;
  }

  public HttpsClient https() {
    return https;
  }

  public JsonNode get(String path) {
    return call("GET", path, null);
  }

  public JsonNode put(String path, JsonNode body) {
    return call("PUT", path, body);
  }

  public JsonNode patch(String path, JsonNode body) {
    return call("PATCH", path, body);
  }

  public JsonNode post(String path, JsonNode body) {
    return call("POST", path, body == null ? Json.object() : body);
  }

  public JsonNode delete(String path) {
    return call("DELETE", path, null);
  }

  /** GET that answers null for a 404 instead of failing. */
  public JsonNode find(String path) {
    try {
      return get(path);
    } catch (ApiException e) {
      if (e.status() == 404) {
        return null;
      }
      throw e;
    }
  }

  /** Uploads a file's bytes ({@code application/octet-stream}), as model registration takes them. */
  public JsonNode putFile(String path, Path file) {
    return call("PUT", path, "application/octet-stream", null, file, UPLOAD_TIMEOUT);
  }

  private JsonNode call(String method, String path, JsonNode body) {
    return body == null ? call(method, path, null, null, null, REQUEST_TIMEOUT)
        : call(method, path, "application/json", Json.write(body).getBytes(StandardCharsets.UTF_8), null,
            REQUEST_TIMEOUT);
  }

  private JsonNode call(String method, String path, String contentType, byte[] body, Path bodyFile,
      Duration timeout) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("accept", "application/json");
    headers.put("x-request-id", requestId);
    if (config.token() != null) {
      headers.put("authorization", "Bearer " + config.token());
    }
    if (contentType != null) {
      headers.put("content-type", contentType);
    }
    URI uri = URI.create(config.controlPlaneUrl() + path);
    HttpsClient.Response response = https.send(new HttpsClient.Request(method, uri, headers, body, bodyFile, timeout),
        "the control plane", ": is `./inferbus start` running?");
    String text = new String(response.body(), StandardCharsets.UTF_8);
    if (response.status() >= 400) {
      throw ApiException.of(response.status(), text, method + " " + uri.getPath());
    }
    return text.isBlank() ? Json.object() : Json.parse(text, "the control plane's answer");
  }

  /** A refusal by the server: its HTTP status and the {@code {"error": {"code", "message"}}} it sent. */
  public static final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }

    public static ApiException of(int status, String body, String call) {
      String code = "HTTP" + status;
      String message = body.isBlank() ? call + " answered " + status : body.strip();
      try {
        JsonNode json = Json.MAPPER.readTree(body);
        JsonNode error = json == null ? null : json.get("error");
        if (error instanceof ObjectNode e) {
          code = e.path("code").asText(code);
          message = e.path("message").asText(message);
        } else if (error != null && error.isTextual()) {
          message = error.asText(); // the Open Inference Protocol's {"error": "..."}
        }
      } catch (Exception notJson) {
        // keep the raw body as the message
      }
      return new ApiException(status, code, message);
    }

    public int status() {
      return status;
    }

    public String code() {
      return code;
    }
  }
}
