package io.inferbus.protocol.state;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What gateways need to know of an endpoint: how callers authenticate, and the current traffic
 * revision. Published by the control plane; key material appears only as SHA-256 hashes.
 */
public record EndpointState(
    String name,
    String authMode,
    Map<String, Integer> traffic,
    Map<String, Integer> mirrorTraffic,
    long trafficRevision,
    List<String> keyHashes) {

  public static final String AUTH_KEY = "key";
  public static final String AUTH_AML_TOKEN = "aml_token";
  public static final String AUTH_AAD_TOKEN = "aad_token";

  public EndpointState {
    traffic = Collections.unmodifiableMap(new LinkedHashMap<>(traffic));
    mirrorTraffic = Collections.unmodifiableMap(new LinkedHashMap<>(mirrorTraffic));
    keyHashes = List.copyOf(keyHashes);
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("name", name)
        .put("auth_mode", authMode)
        .put("traffic", weightsToJson(traffic))
        .put("mirror_traffic", weightsToJson(mirrorTraffic))
        .put("traffic_revision", trafficRevision)
        .put("key_hashes", new JsonArray(keyHashes));
  }

  public static EndpointState fromJson(JsonObject json) {
    return new EndpointState(
        json.getString("name"),
        json.getString("auth_mode", AUTH_KEY),
        weightsFromJson(json.getJsonObject("traffic")),
        weightsFromJson(json.getJsonObject("mirror_traffic")),
        json.getLong("traffic_revision", 0L),
        json.getJsonArray("key_hashes", new JsonArray()).stream().map(String::valueOf).toList());
  }

  public static JsonObject weightsToJson(Map<String, Integer> weights) {
    JsonObject o = new JsonObject();
    weights.forEach(o::put);
    return o;
  }

  public static Map<String, Integer> weightsFromJson(JsonObject json) {
    Map<String, Integer> m = new LinkedHashMap<>();
    if (json != null) {
      json.forEach(e -> m.put(e.getKey(), ((Number) e.getValue()).intValue()));
    }
    return m;
  }
}
