package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import io.inferbus.protocol.state.SpecFields;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator says of a deployment (Azure's {@code managedOnlineDeployment} names, and
 * Inferbus's {@code batching}): which registered model, how many instances, the request settings,
 * a description and tags, and the autoscaling ({@code scale_settings}, Azure's Kubernetes name; null
 * for {@code type: default}, a fixed count). {@code ignoredFields} are the body's fields Inferbus
 * does not serve, reported back as {@code ignored_fields}.
 */
public record DeploymentSpec(String endpoint, String name, ModelName model, int instanceCount,
    RequestSettings requestSettings, BatchingSettings batching, String description, Map<String, String> tags,
    ScaleSettings scaleSettings, List<String> ignoredFields) {
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
        ScaleSettings.parse(body.getValue(ScaleSettings.FIELD), null),
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
    SpecValues.onlyPatchable(body, SpecFields.DEPLOYMENT_PATCH, "instance_count, request_settings and scale_settings");
  }

  /**
   * Writes a PATCH body's instance count, request settings and scale settings, where it gives them,
   * into a stored deployment document; request and scale settings the body leaves out keep their
   * current values. While the deployment is autoscaled the autoscaler owns {@code instance_count}: a
   * PATCH of it is refused (CONFLICT), and a change of the bounds brings the count within them.
   */
  public static void patch(JsonObject doc, JsonObject body) {
    checkPatch(body);
    ScaleSettings scale = patchScaleSettings(doc, body);
    if (body.containsKey(INSTANCE_COUNT)) {
      if (scale != null) {
        throw new InferbusException(FailureKind.CONFLICT, "instance_count is set by the autoscaler while"
            + " scale_settings.type is target_utilization; change scale_settings.min_instances or max_instances,"
            + " or set scale_settings.type to default for a fixed count", INSTANCE_COUNT);
      }
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

  /**
   * Writes the spec's fields into a deployment document, with the model as registered (its hash).
   * An autoscaled spec's {@code instance_count} is only where the autoscaler starts from (see
   * {@link #writeScaleSettings}).
   */
  public JsonObject writeTo(JsonObject doc, ModelRef registered) {
    int count = startingCount(doc);
    writeScaleSettings(doc, scaleSettings);
    return doc.put(ModelName.FIELD, registered.toJson())
        .put(INSTANCE_COUNT, count)
        .put(REQUEST_SETTINGS, requestSettings.toJson())
        .put(BATCHING, batching == null ? null : batching.toJson())
        .put(DESCRIPTION, description)
        .put(TAGS, new JsonObject(new LinkedHashMap<String, Object>(tags)));
  }

  // ------------------------------------------------------------ scale_settings (autoscaling)

  /**
   * The instance count a PUT writes into {@code doc} (the stored document, before this spec is
   * written): the spec's own, or, when autoscaled, the count the autoscaler had reached if the
   * stored deployment was autoscaled already (a PUT of the same YAML must not undo its work), else
   * the spec's; in either case brought within {@code [min_instances, max_instances]}.
   */
  private int startingCount(JsonObject doc) {
    if (scaleSettings == null) {
      return instanceCount;
    }
    boolean wasAutoscaled = ScaleSettings.fromJson(doc.getJsonObject(ScaleSettings.FIELD)) != null;
    Integer reached = doc.getInteger(INSTANCE_COUNT);
    return scaleSettings.startingCount(wasAutoscaled && reached != null ? reached : instanceCount);
  }

  /** A PATCH's {@code scale_settings} merged over the stored ones and written; the resulting settings (null: fixed). */
  private static ScaleSettings patchScaleSettings(JsonObject doc, JsonObject body) {
    ScaleSettings current = ScaleSettings.fromJson(doc.getJsonObject(ScaleSettings.FIELD));
    if (!body.containsKey(ScaleSettings.FIELD)) {
      return current;
    }
    if (body.getValue(ScaleSettings.FIELD) == null) {
      throw new InferbusException(FailureKind.BAD_INPUT, "scale_settings is null; send {\"type\": \"default\"} for a"
          + " fixed instance_count", ScaleSettings.FIELD);
    }
    ScaleSettings patched = ScaleSettings.parse(body.getValue(ScaleSettings.FIELD), current);
    writeScaleSettings(doc, patched);
    if (patched != null) {
      doc.put(INSTANCE_COUNT, patched.startingCount(doc.getInteger(INSTANCE_COUNT, 1)));
    }
    return patched;
  }

  /** Autoscaled documents hold {@code scale_settings}; fixed ones (type default) have none, as before autoscaling existed. */
  private static void writeScaleSettings(JsonObject doc, ScaleSettings settings) {
    if (settings == null) {
      doc.remove(ScaleSettings.FIELD);
    } else {
      doc.put(ScaleSettings.FIELD, settings.toJson());
    }
  }

  private static int instanceCount(Object value) {
    return SpecValues.wholeNumber(value, INSTANCE_COUNT, 1, 0, MAX_INSTANCE_COUNT);
  }
}
