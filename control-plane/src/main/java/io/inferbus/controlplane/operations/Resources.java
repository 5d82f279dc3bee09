package io.inferbus.controlplane.operations;

import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reading the store's endpoint and deployment documents (on the store thread) with the not-found
 * answers every service gives, and the bookkeeping every change writes.
 */
public final class Resources {
  /** Fields a change writes that are not part of what the operator said. */
  private static final List<String> BOOKKEEPING = List.of("updated_at", "updated_by", "ignored_fields");

  private Resources() {}

  public static JsonObject endpoint(Store store, String name) {
    return store.get(Table.ENDPOINTS, name)
        .orElseThrow(() -> InferbusException.notFound("no endpoint named '" + name + "'"));
  }

  public static JsonObject deployment(Store store, String endpoint, String name) {
    endpoint(store, endpoint);
    return store.get(Table.DEPLOYMENTS, endpoint, name)
        .orElseThrow(() -> InferbusException.notFound("endpoint '" + endpoint + "' has no deployment '" + name + "'"));
  }

  /** The endpoint's deployment names, in the store's order. */
  public static Set<String> deploymentNames(Store store, String endpoint) {
    return store.list(Table.DEPLOYMENTS, endpoint).stream()
        .map(d -> d.getString("name")).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  /** Two documents are the same spec when they differ at most in bookkeeping fields. */
  public static boolean sameSpec(JsonObject a, JsonObject b) {
    JsonObject x = a.copy();
    JsonObject y = b.copy();
    for (String f : BOOKKEEPING) {
      x.remove(f);
      y.remove(f);
    }
    return x.equals(y);
  }

  /** Marks a document as changed now by the actor. */
  public static JsonObject touched(JsonObject doc, Actor actor) {
    return doc.put("updated_at", now()).put("updated_by", actor.subject());
  }

  /** A new document's creation fields. */
  public static JsonObject created(JsonObject doc, Actor actor) {
    return doc.put("created_at", now()).put("created_by", actor.subject());
  }

  /** The API's list shape: {@code {"value": [...]}}. */
  public static JsonObject list(List<JsonObject> items) {
    return new JsonObject().put("value", new JsonArray(new ArrayList<>(items)));
  }

  /** A shown resource with the body's fields Inferbus does not serve, as {@code ignored_fields}. */
  public static JsonObject withIgnored(JsonObject shown, List<String> ignored) {
    return ignored.isEmpty() ? shown : shown.put("ignored_fields", new JsonArray(new ArrayList<>(ignored)));
  }

  public static String now() {
    return Instant.now().toString();
  }
}
