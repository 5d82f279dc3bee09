package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.SpecFields;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator says of a deployment (Azure's {@code managedOnlineDeployment} names, and
 * Inferbus's {@code batching}): which registered model, how many instances, the request settings,
 * a description and tags. {@code ignoredFields} are the body's fields Inferbus does not serve,
 * reported back as {@code ignored_fields}.
 */
public record DeploymentSpec(String endpoint, String name, ModelName model, int instanceCount,
    RequestSettings requestSettings, BatchingSettings batching, String description, Map<String, String> tags,
    List<String> ignoredFields) {
  public static final int MAX_INSTANCE_COUNT = 64;
  public static final String INSTANCE_COUNT = "instance_count";
  public static final String REQUEST_SETTINGS = "request_settings";
  public static final String BATCHING = "batching";
  public static final String DESCRIPTION = "description";
  public static final String TAGS = "tags";
  /** The fields whose change makes new instances (the next generation); the others keep them. */
  public static final List<String> INSTANCE_FIELDS = List.of(ModelName.FIELD, REQUEST_SETTINGS, BATCHING);

  public DeploymentSpec {
    tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    ignoredFields = List.copyOf(ignoredFields);
  }

  /** The body of {@code PUT /endpoints/{endpoint}/deployments/{name}}: every field given or its default. */
  public static DeploymentSpec parse(String endpoint, String name, JsonObject body) {
    checkNames(endpoint, name, body);
    return new DeploymentSpec(endpoint, name, ModelName.parse(body.getValue(ModelName.FIELD)),
        instanceCount(body.getValue(INSTANCE_COUNT)),
        RequestSettings.parse(body.getValue(REQUEST_SETTINGS), RequestSettings.DEFAULTS),
        BatchingSettings.parse(body.getValue(BATCHING)),
        SpecValues.text(body.getValue(DESCRIPTION), DESCRIPTION, ""), SpecValues.strings(body.getValue(TAGS), TAGS),
        SpecValues.unknownFields(body, SpecFields.DEPLOYMENT));
  }

  /** The deployment's name is valid, and the body's names, where it gives them, are the path's. */
  public static JsonObject checkNames(String endpoint, String name, JsonObject body) {
    Names.deployment(name);
    SpecValues.samePathName(body, "name", name);
    SpecValues.samePathName(body, "endpoint_name", endpoint);
    return body;
  }

  /** Refuses a PATCH body that names a field PATCH cannot change (before anything is read). */
  public static void checkPatch(JsonObject body) {
    SpecValues.onlyPatchable(body, SpecFields.DEPLOYMENT_PATCH, "instance_count and request_settings");
  }

  /**
   * Writes a PATCH body's instance count and request settings, where it gives them, into a stored
   * deployment document; request settings the body leaves out keep their current values.
   */
  public static void patch(JsonObject doc, JsonObject body) {
    checkPatch(body);
    if (body.containsKey(INSTANCE_COUNT)) {
      if (body.getValue(INSTANCE_COUNT) == null) { // a PATCH that says null means no count, not the default
        throw new InferbusException(FailureKind.BAD_INPUT, "instance_count is null; use a whole number from 0 to "
            + MAX_INSTANCE_COUNT, INSTANCE_COUNT);
      }
      doc.put(INSTANCE_COUNT, instanceCount(body.getValue(INSTANCE_COUNT)));
    }
    if (body.containsKey(REQUEST_SETTINGS)) {
      doc.put(REQUEST_SETTINGS, RequestSettings.parse(body.getValue(REQUEST_SETTINGS),
          RequestSettings.fromJson(doc.getJsonObject(REQUEST_SETTINGS))).toJson());
    }
  }

  /** Writes the spec's fields into a deployment document, with the model as registered (its hash). */
  public JsonObject writeTo(JsonObject doc, ModelRef registered) {
    return doc.put(ModelName.FIELD, registered.toJson())
        .put(INSTANCE_COUNT, instanceCount)
        .put(REQUEST_SETTINGS, requestSettings.toJson())
        .put(BATCHING, batching == null ? null : batching.toJson())
        .put(DESCRIPTION, description)
        .put(TAGS, new JsonObject(new LinkedHashMap<String, Object>(tags)));
  }

  private static int instanceCount(Object value) {
    return SpecValues.wholeNumber(value, INSTANCE_COUNT, 1, 0, MAX_INSTANCE_COUNT);
  }
}
