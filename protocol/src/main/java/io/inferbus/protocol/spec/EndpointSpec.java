package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.net.NetworkAccess;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.SpecFields;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator says of an endpoint (Azure's {@code managedOnlineEndpoint} names): how callers
 * authenticate, from which networks ({@code public_network_access}, {@code allowed_networks}), a
 * description and tags. Its traffic is a {@link TrafficSpec}, checked against the
 * endpoint's deployments. {@code ignoredFields} are the body's fields Inferbus does not serve,
 * reported back as {@code ignored_fields} as for deployments.
 */
public record EndpointSpec(String name, String authMode, String description, Map<String, String> tags,
    NetworkAccess networkAccess, List<String> ignoredFields) {
  public static final String AUTH_MODE = "auth_mode";
  public static final String DESCRIPTION = "description";
  public static final String TAGS = "tags";

  public EndpointSpec {
    tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    ignoredFields = List.copyOf(ignoredFields);
  }

  /** The body of {@code PUT /endpoints/{name}}: every field given or its default. */
  public static EndpointSpec parse(String name, JsonObject body) {
    Names.endpoint(name);
    SpecValues.samePathName(body, "name", name);
    return new EndpointSpec(name, authMode(body.getValue(AUTH_MODE)),
        SpecValues.text(body.getValue(DESCRIPTION), DESCRIPTION, ""), SpecValues.strings(body.getValue(TAGS), TAGS),
        NetworkAccess.parse(body.getValue(NetworkAccess.PUBLIC_NETWORK_ACCESS),
            body.getValue(NetworkAccess.ALLOWED_NETWORKS)),
        SpecValues.unknownFields(body, SpecFields.ENDPOINT));
  }

  /** Refuses a PATCH body that names a field PATCH cannot change (before anything is read). */
  public static void checkPatch(JsonObject body) {
    SpecValues.onlyPatchable(body, SpecFields.ENDPOINT_PATCH, "traffic, mirror_traffic, description and tags");
  }

  /** Writes a PATCH body's description and tags, where it gives them, into a stored endpoint document. */
  public static void patch(JsonObject doc, JsonObject body) {
    checkPatch(body);
    if (body.containsKey(DESCRIPTION)) {
      doc.put(DESCRIPTION, SpecValues.text(body.getValue(DESCRIPTION), DESCRIPTION, ""));
    }
    if (body.containsKey(TAGS)) {
      doc.put(TAGS, new JsonObject(new LinkedHashMap<String, Object>(SpecValues.strings(body.getValue(TAGS), TAGS))));
    }
  }

  /** Writes the spec's fields into an endpoint document. */
  public JsonObject writeTo(JsonObject doc) {
    doc.put(AUTH_MODE, authMode).put(DESCRIPTION, description)
        .put(TAGS, new JsonObject(new LinkedHashMap<String, Object>(tags)));
    // a public endpoint's document stays as it was before network access existed
    doc.remove(NetworkAccess.PUBLIC_NETWORK_ACCESS);
    doc.remove(NetworkAccess.ALLOWED_NETWORKS);
    return networkAccess.equals(NetworkAccess.PUBLIC) ? doc : doc.mergeIn(networkAccess.toJson());
  }

  /** key (the default), aml_token or aad_token. */
  static String authMode(Object value) {
    if (value == null) {
      return EndpointState.AUTH_KEY;
    }
    if (!(value instanceof String mode) || !EndpointState.AUTH_MODES.contains(mode)) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "auth_mode '" + value + "' is not one of key, aml_token, aad_token", AUTH_MODE);
    }
    return mode;
  }
}
