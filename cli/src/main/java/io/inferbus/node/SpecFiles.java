package io.inferbus.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/** Reads Azure-style endpoint and deployment YAML files into JSON request bodies. */
public final class SpecFiles {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private SpecFiles() {}

  @SuppressWarnings("unchecked")
  public static JsonObject yaml(String text) throws IOException {
    Object value = YAML.readValue(text, Object.class);
    if (!(value instanceof Map<?, ?> map)) {
      throw new IOException("the YAML file must be a mapping of fields");
    }
    return new JsonObject((Map<String, Object>) map);
  }

  /** The model name a file path registers under: the file's base name without ".onnx". */
  public static String modelNameOf(String path) {
    String file = path.substring(path.lastIndexOf('/') + 1);
    return file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file;
  }
}
