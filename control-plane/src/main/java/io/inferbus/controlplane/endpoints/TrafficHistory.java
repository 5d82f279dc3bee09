package io.inferbus.controlplane.endpoints;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An endpoint's traffic revisions: every change of its live or mirror weights is a numbered revision
 * with who and when, in the store's {@code traffic_revisions} table. History is never rewritten: a
 * rollback re-applies an earlier revision as a new one that names it in {@code rolled_back_to}.
 * Revision 1 is the endpoint's traffic at creation. Like the {@link Store}, called from the store
 * thread only.
 *
 * <p>Rows written before rollback existed keep their time in {@code at}; they read the same.
 */
public final class TrafficHistory {
  private final Store store;

  public TrafficHistory(Store store) {
    this.store = store;
  }

  /** Appends a revision; {@code rolledBackTo} is the revision a rollback re-applies, else null. */
  public JsonObject record(String endpoint, long revision, JsonObject traffic, JsonObject mirror, Actor actor,
      Long rolledBackTo, String time) {
    return record(endpoint, revision, traffic, mirror, actor, rolledBackTo, null, time);
  }

  /**
   * Appends a revision; {@code rolledBackTo} is the revision a rollback re-applies, else null;
   * {@code note} says why a service made it (a rollout's step), else null.
   */
  public JsonObject record(String endpoint, long revision, JsonObject traffic, JsonObject mirror, Actor actor,
      Long rolledBackTo, String note, String time) {
    JsonObject row = new JsonObject()
        .put("revision", revision)
        .put("traffic", traffic.copy())
        .put("mirror_traffic", mirror.copy())
        .put("actor", actor.subject())
        .put("time", time)
        .put("request_id", actor.requestId());
    if (rolledBackTo != null) {
      row.put("rolled_back_to", rolledBackTo);
    }
    if (note != null) {
      row.put("note", note);
    }
    store.put(Table.TRAFFIC_REVISIONS, row, endpoint, key(revision));
    return shown(row);
  }

  /** Every revision of the endpoint, oldest first. */
  public List<JsonObject> entries(String endpoint) {
    return store.list(Table.TRAFFIC_REVISIONS, endpoint).stream().map(TrafficHistory::shown).toList();
  }

  public Optional<JsonObject> entry(String endpoint, long revision) {
    return store.get(Table.TRAFFIC_REVISIONS, endpoint, key(revision)).map(TrafficHistory::shown);
  }

  public void deleteAll(String endpoint) {
    store.deleteAll(Table.TRAFFIC_REVISIONS, endpoint);
  }

  /**
   * The {@code to_revision} of a rollback request body: null for the previous revision. Refuses
   * anything but a whole number from 1 up, and fields other than {@code to_revision}.
   */
  public static Long toRevision(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!field.equals("to_revision")) {
        throw new InferbusException(FailureKind.BAD_INPUT, "field '" + field + "' is not a rollback field; send"
            + " {\"to_revision\": n} to roll back to revision n, or {} for the previous revision", field);
      }
    }
    if (!body.containsKey("to_revision")) {
      return null;
    }
    Object v = body.getValue("to_revision");
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1) {
      throw new InferbusException(FailureKind.BAD_INPUT, "to_revision is " + (v instanceof String ? "'" + v + "'" : v)
          + "; use a whole number from 1 up (a revision listed by GET /endpoints/{e}/traffic/history), or leave"
          + " it out to roll back to the previous revision", "to_revision");
    }
    return ((Number) v).longValue();
  }

  /**
   * The revision a rollback re-applies: {@code toRevision}, or the one before {@code current} when
   * null. 404 for a revision the endpoint does not have, 409 when there is no earlier revision.
   */
  public JsonObject rollbackTarget(String endpoint, long current, Long toRevision) {
    if (toRevision == null) {
      if (current <= 1) {
        throw new InferbusException(FailureKind.CONFLICT, "endpoint '" + endpoint + "' is at traffic revision "
            + current + ", its first: there is no previous revision to roll back to", "to_revision");
      }
      long previous = current - 1;
      return entry(endpoint, previous).orElseThrow(() -> missing(endpoint, previous, current));
    }
    return entry(endpoint, toRevision).orElseThrow(() -> missing(endpoint, toRevision, current));
  }

  /**
   * A rollback target's weights as a PATCH body over the deployments the endpoint has now. A
   * deployment deleted since the revision is dropped when its weight was 0, and refused (400, named)
   * when it had live or mirror traffic: re-applying the rest would silently send its share elsewhere.
   */
  public static JsonObject weightsToReapply(String endpoint, JsonObject target, Set<String> deployments) {
    long revision = target.getLong("revision");
    JsonObject traffic = new JsonObject();
    JsonObject mirror = new JsonObject();
    for (var e : target.getJsonObject("traffic", new JsonObject())) {
      int weight = ((Number) e.getValue()).intValue();
      if (deployments.contains(e.getKey())) {
        traffic.put(e.getKey(), weight);
      } else if (weight > 0) {
        throw deletedSince(endpoint, revision, "sends " + weight + " % of live traffic", e.getKey());
      }
    }
    for (var e : target.getJsonObject("mirror_traffic", new JsonObject())) {
      int weight = ((Number) e.getValue()).intValue();
      if (deployments.contains(e.getKey())) {
        mirror.put(e.getKey(), weight);
      } else if (weight > 0) {
        throw deletedSince(endpoint, revision, "mirrors " + weight + " % of traffic", e.getKey());
      }
    }
    return new JsonObject().put("traffic", traffic).put("mirror_traffic", mirror);
  }

  private static InferbusException deletedSince(String endpoint, long revision, String what, String deployment) {
    return new InferbusException(FailureKind.BAD_INPUT, "traffic revision " + revision + " of endpoint '" + endpoint
        + "' " + what + " to deployment '" + deployment + "', which has been deleted since; recreate '"
        + deployment + "' first, or roll back to another revision", "to_revision");
  }

  private static InferbusException missing(String endpoint, long revision, long current) {
    return new InferbusException(FailureKind.NOT_FOUND, "endpoint '" + endpoint + "' has no traffic revision "
        + revision + "; its revisions are 1 to " + current + " (GET /endpoints/" + endpoint + "/traffic/history)",
        "to_revision");
  }

  /** A row as the API shows it. */
  private static JsonObject shown(JsonObject row) {
    JsonObject entry = new JsonObject()
        .put("revision", row.getLong("revision"))
        .put("traffic", row.getJsonObject("traffic", new JsonObject()))
        .put("mirror_traffic", row.getJsonObject("mirror_traffic", new JsonObject()))
        .put("actor", row.getString("actor"))
        .put("time", row.getString("time", row.getString("at")));
    if (row.getString("request_id") != null) {
      entry.put("request_id", row.getString("request_id"));
    }
    if (row.getValue("rolled_back_to") != null) {
      entry.put("rolled_back_to", row.getLong("rolled_back_to"));
    }
    if (row.getString("note") != null) {
      entry.put("note", row.getString("note"));
    }
    return entry;
  }

  private static String key(long revision) {
    // zero-padded, so that the table's text key orders numerically (2 before 10)
    return String.format("%012d", revision);
  }
}
