package io.inferbus.cli.operator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The management API's resource paths, with their names percent-encoded. */
public final class ResourcePaths {
  private ResourcePaths() {}

  public static String endpoint(String endpoint) {
    return "/endpoints/" + segment(endpoint);
  }

  public static String deployment(String endpoint, String deployment) {
    return endpoint(endpoint) + "/deployments/" + segment(deployment);
  }

  public static String model(String name, String version) {
    return "/models/" + segment(name) + "/versions/" + segment(version);
  }

  public static String token(String name) {
    return "/tokens/" + segment(name);
  }

  /** {@code path?name=value&...} with the parameters whose value is not null, percent-encoded, in order. */
  public static String withQuery(String path, Map<String, ?> parameters) {
    StringBuilder query = new StringBuilder();
    parameters.forEach((name, value) -> {
      if (value != null) {
        query.append(query.length() == 0 ? '?' : '&').append(segment(name)).append('=')
            .append(segment(String.valueOf(value)));
      }
    });
    return path + query;
  }

  private static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
