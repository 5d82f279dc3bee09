package io.inferbus.protocol.state;

import io.inferbus.protocol.net.NetworkAccess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What gateways need to know of an endpoint: how callers authenticate, and the current traffic
 * revision. Published by the control plane; key material appears only as SHA-256 hashes.
 *
 * @param tokenKeys for an {@code aml_token} endpoint, the public keys (JWK objects) that sign its
 *     tokens: the cluster's signing key, so a gateway verifies tokens without being able to issue
 *     them; empty for the other modes (and in entries written before tokens existed)
 */
public record EndpointState(
    String name,
    String authMode,
    Map<String, Integer> traffic,
    Map<String, Integer> mirrorTraffic,
    long trafficRevision,
    List<String> keyHashes,
    List<JsonObject> tokenKeys,
    NetworkAccess networkAccess) {

  public static final String AUTH_KEY = "key";
  public static final String AUTH_AML_TOKEN = "aml_token";
  public static final String AUTH_AAD_TOKEN = "aad_token";
  /** Every auth mode an endpoint may have. */
  public static final Set<String> AUTH_MODES = Set.of(AUTH_KEY, AUTH_AML_TOKEN, AUTH_AAD_TOKEN);

  /**
   * The {@code aml_token} contract between the control plane (which issues) and gateways (which
   * verify): tokens carry issuer {@value #AML_TOKEN_ISSUER}, the endpoint's name as audience, and
   * the claim {@value #AML_TOKEN_USE_CLAIM} = {@value #AML_TOKEN_USE_SCORE}, which tells them apart
   * from the management tokens the same key signs.
   */
  public static final String AML_TOKEN_ISSUER = "inferbus";
  public static final String AML_TOKEN_USE_CLAIM = "token_use";
  public static final String AML_TOKEN_USE_SCORE = "score";

  public EndpointState {
    traffic = Collections.unmodifiableMap(new LinkedHashMap<>(traffic));
    mirrorTraffic = Collections.unmodifiableMap(new LinkedHashMap<>(mirrorTraffic));
    keyHashes = List.copyOf(keyHashes);
    List<JsonObject> keys = new ArrayList<>();
    for (JsonObject k : tokenKeys) {
      keys.add(k.copy());
    }
    tokenKeys = Collections.unmodifiableList(keys);
    networkAccess = networkAccess == null ? NetworkAccess.PUBLIC : networkAccess;
  }

  /** An endpoint open to every network (as every endpoint was before network access existed). */
  public EndpointState(String name, String authMode, Map<String, Integer> traffic, Map<String, Integer> mirrorTraffic,
      long trafficRevision, List<String> keyHashes, List<JsonObject> tokenKeys) {
    this(name, authMode, traffic, mirrorTraffic, trafficRevision, keyHashes, tokenKeys, NetworkAccess.PUBLIC);
  }

  /** An endpoint without token keys (key and aad_token modes). */
  public EndpointState(String name, String authMode, Map<String, Integer> traffic, Map<String, Integer> mirrorTraffic,
      long trafficRevision, List<String> keyHashes) {
    this(name, authMode, traffic, mirrorTraffic, trafficRevision, keyHashes, List.of());
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("name", name)
        .put("auth_mode", authMode)
        .put("traffic", weightsToJson(traffic))
        .put("mirror_traffic", weightsToJson(mirrorTraffic))
        .put("traffic_revision", trafficRevision)
        .put("key_hashes", new JsonArray(keyHashes));
    if (!tokenKeys.isEmpty()) {
      json.put("token_keys", new JsonArray(new ArrayList<>(tokenKeys)));
    }
    if (!networkAccess.publicAccess()) { // entries of public endpoints read the same as before
      json.mergeIn(networkAccess.toJson());
    }
    return json;
  }

  public static EndpointState fromJson(JsonObject json) {
    List<JsonObject> tokenKeys = new ArrayList<>();
    for (Object k : json.getJsonArray("token_keys", new JsonArray())) {
      if (k instanceof JsonObject o) {
        tokenKeys.add(o);
      }
    }
    return new EndpointState(
        json.getString("name"),
        json.getString("auth_mode", AUTH_KEY),
        weightsFromJson(json.getJsonObject("traffic")),
        weightsFromJson(json.getJsonObject("mirror_traffic")),
        json.getLong("traffic_revision", 0L),
        json.getJsonArray("key_hashes", new JsonArray()).stream().map(String::valueOf).toList(),
        tokenKeys, NetworkAccess.fromJson(json));
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
