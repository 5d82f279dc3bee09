package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;

/**
 * A deployment's {@code model}: a registered version named as {@code name:version} (Azure's
 * {@code azureml:name:version} too) or {@code {"name": ..., "version": ...}}. Whether it is
 * registered is the registry's to say.
 */
public record ModelName(String name, String version) {
  public static final String FIELD = "model";

  public static ModelName parse(Object value) {
    if (value instanceof String s) {
      String ref = s.startsWith("azureml:") ? s.substring("azureml:".length()) : s;
      int colon = ref.lastIndexOf(':');
      if (colon <= 0 || colon == ref.length() - 1) {
        throw new InferbusException(FailureKind.BAD_INPUT, "model '" + s
            + "' must name a registered version as name:version, e.g. german-credit-bad-risk:1", FIELD);
      }
      return new ModelName(ref.substring(0, colon), ref.substring(colon + 1));
    }
    if (value instanceof JsonObject o && o.getString("name") != null && o.getValue("version") != null) {
      return new ModelName(o.getString("name"), String.valueOf(o.getValue("version")));
    }
    String takes = "\"name:version\" of a registered model, or {\"name\": ..., \"version\": ...}";
    throw new InferbusException(FailureKind.BAD_INPUT, value == null ? "model is required: " + takes
        : "model is " + value + "; it must be " + takes, FIELD); // not text here: JSON, a number or true
  }

  @Override
  public String toString() {
    return name + ":" + version;
  }
}
