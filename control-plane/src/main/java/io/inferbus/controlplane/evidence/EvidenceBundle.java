package io.inferbus.controlplane.evidence;

import io.inferbus.controlplane.store.Store.RollupRow;
import io.inferbus.protocol.net.NetworkAccess;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The release evidence bundle of one endpoint over a window, built from what the store holds: the
 * endpoint's document, its deployments, its traffic revisions, the audit records touching it and the
 * per-minute rollups. A pure function of those, so that a test builds it without a node; the JSON is
 * documented field by field in docs/management-api.md ("Release evidence").
 *
 * <p>Key material never enters it: the store's audit records hold none (key regenerations are
 * records without keys, endpoint documents are logged without their keys), and {@link #scrub} drops
 * any field that could carry a key, a key's hash or a token all the same.
 */
public final class EvidenceBundle {
  /** Fields that hold key material in the store's documents or the API's answers: never in a bundle. */
  static final Set<String> SECRET_FIELDS = Set.of("keys", "key_hashes", "primaryKey", "secondaryKey",
      "primary_key", "secondary_key", "accessToken", "access_token", "token");
  /** What the statistics are, stated in every bundle. */
  public static final String STATISTICS_NOTE = "Live scoring answers counted by the gateways and kept by the"
      + " control plane as per-minute rollups, attributed to the traffic revision whose routing table routed"
      + " each request; errors count every answer with status 400 or more, the error rate only the service's"
      + " failures (5xx, 408, 429); latencies are gateway-measured"
      + " (request head to answer) and the quantiles read from merged histograms (within 4 %)."
      + " Instance-hours are desired instance-hours: instance_count as configured, over time.";

  private EvidenceBundle() {}

  /**
   * @param endpoint the endpoint's stored document (keys are dropped)
   * @param deployments its deployments' stored documents now
   * @param revisions every traffic revision of the endpoint ({@code TrafficHistory.entries}), oldest first
   * @param audit every audit record touching the endpoint (all time: instance-hours need the state at
   *     the window's start), oldest first
   * @param rollups the endpoint's rollup rows of minutes in the window
   */
  public static JsonObject build(JsonObject endpoint, List<JsonObject> deployments, List<JsonObject> revisions,
      List<JsonObject> audit, List<RollupRow> rollups, Instant since, Instant until, List<String> missingGateways) {
    long sinceMs = since.toEpochMilli();
    long untilMs = until.toEpochMilli();
    String name = endpoint.getString("name");
    JsonObject bundle = new JsonObject()
        .put("endpoint", name)
        .put("generated_at", until.toString())
        .put("window", new JsonObject().put("since", since.toString()).put("until", until.toString()))
        .put("spec", spec(endpoint));

    List<JsonObject> inWindow = audit.stream().filter(r -> r.getLong("at", 0L) >= sinceMs).toList();
    bundle.put("deployments", deploymentEvidence(name, deployments, audit, rollups, sinceMs, untilMs));

    JsonArray revisionsJson = new JsonArray();
    JsonArray rollbacks = new JsonArray();
    Long inForceAtStart = null;
    for (JsonObject r : revisions) {
      long at = Instant.parse(r.getString("time")).toEpochMilli();
      if (at < sinceMs) {
        inForceAtStart = r.getLong("revision");
        continue;
      }
      revisionsJson.add(r.copy());
      if (r.getValue("rolled_back_to") != null) {
        rollbacks.add(new JsonObject().put("revision", r.getLong("revision"))
            .put("rolled_back_to", r.getLong("rolled_back_to")).put("time", r.getString("time"))
            .put("actor", r.getString("actor")).put("request_id", r.getString("request_id")));
      }
    }
    bundle.put("revision_at_window_start", inForceAtStart);
    bundle.put("traffic_revisions", revisionsJson);
    bundle.put("rollbacks", rollbacks);

    JsonArray regenerations = new JsonArray();
    JsonArray auditJson = new JsonArray();
    for (JsonObject r : inWindow) {
      auditJson.add(auditRecord(r));
      if ("endpoint.regenerate-key".equals(r.getString("action"))) {
        String target = r.getString("target", "");
        regenerations.add(new JsonObject().put("time", r.getString("time")).put("actor", r.getString("actor"))
            .put("key_type", target.substring(target.lastIndexOf('/') + 1)).put("request_id", r.getString("request_id")));
      }
    }
    bundle.put("key_regenerations", regenerations);
    bundle.put("audit", auditJson);
    bundle.put("statistics", statistics(revisions, rollups, sinceMs, untilMs, missingGateways));
    return scrub(bundle);
  }

  /** The endpoint as it is now: auth mode, network access, traffic; never its keys. */
  static JsonObject spec(JsonObject doc) {
    return new JsonObject()
        .put("name", doc.getString("name"))
        .put("auth_mode", doc.getString("auth_mode"))
        .mergeIn(NetworkAccess.fromJson(doc).toJson())
        .put("traffic", doc.getJsonObject("traffic", new JsonObject()))
        .put("mirror_traffic", doc.getJsonObject("mirror_traffic", new JsonObject()))
        .put("traffic_revision", doc.getLong("traffic_revision"))
        .put("description", doc.getString("description", ""))
        .put("tags", doc.getJsonObject("tags", new JsonObject()))
        .put("created_at", doc.getString("created_at"))
        .put("updated_at", doc.getString("updated_at"));
  }

  private static JsonArray deploymentEvidence(String endpoint, List<JsonObject> current, List<JsonObject> audit,
      List<RollupRow> rollups, long sinceMs, long untilMs) {
    String prefix = "endpoints/" + endpoint + "/deployments/";
    TreeMap<String, JsonObject> now = new TreeMap<>();
    current.forEach(d -> now.put(d.getString("name"), d));
    TreeMap<String, List<JsonObject>> records = new TreeMap<>();
    for (JsonObject r : audit) {
      String target = r.getString("target", "");
      if (target.startsWith(prefix)) {
        records.computeIfAbsent(target.substring(prefix.length()), k -> new ArrayList<>()).add(r);
      }
    }
    TreeSet<String> names = new TreeSet<>(now.keySet());
    records.forEach((d, rs) -> {
      if (rs.stream().anyMatch(r -> r.getLong("at", 0L) >= sinceMs)) {
        names.add(d);
      }
    });
    rollups.forEach(r -> names.add(r.deployment()));
    JsonArray out = new JsonArray();
    for (String d : names) {
      List<JsonObject> rs = records.getOrDefault(d, List.of());
      JsonObject atStart = null;
      JsonArray changes = new JsonArray();
      List<long[]> counts = new ArrayList<>(); // {at, instance_count}
      for (JsonObject r : rs) {
        JsonObject after = r.getJsonObject("after");
        long at = r.getLong("at", 0L);
        counts.add(new long[] {at, after == null ? 0 : after.getInteger("instance_count", 0)});
        if (at < sinceMs) {
          atStart = after == null ? null : deploymentState(after);
        } else {
          JsonObject change = new JsonObject().put("time", r.getString("time")).put("actor", r.getString("actor"))
              .put("action", r.getString("action")).put("request_id", r.getString("request_id"));
          if (after != null) {
            change.mergeIn(deploymentState(after));
          }
          changes.add(change);
        }
      }
      JsonObject doc = now.get(d);
      out.add(new JsonObject()
          .put("name", d)
          .put("current", doc == null ? null : deploymentState(doc))
          .put("at_window_start", atStart)
          .put("changes", changes)
          .put("instance_hours", round(instanceHours(counts, sinceMs, untilMs), 6)));
    }
    return out;
  }

  /** What a deployment's evidence shows of its spec: the model with its sha256, the instance count, request settings. */
  static JsonObject deploymentState(JsonObject doc) {
    JsonObject model = doc.getJsonObject("model", new JsonObject());
    return new JsonObject()
        .put("model", new JsonObject().put("name", model.getString("name")).put("version", model.getString("version"))
            .put("sha256", model.getString("sha256")))
        .put("instance_count", doc.getInteger("instance_count"))
        .put("request_settings", doc.getJsonObject("request_settings"));
  }

  /**
   * Desired instance-hours over {@code [sinceMs, untilMs)}: the instance count set by each change
   * ({@code {at, count}}, oldest first; a deletion sets 0), held until the next, integrated over the
   * window. The count in force at the window's start is the last one set before it.
   */
  static double instanceHours(List<long[]> counts, long sinceMs, long untilMs) {
    double ms = 0;
    long count = 0;
    long from = sinceMs;
    for (long[] c : counts) {
      if (c[0] <= sinceMs) {
        count = c[1];
        continue;
      }
      if (c[0] >= untilMs) {
        break;
      }
      ms += (double) count * (c[0] - from);
      from = c[0];
      count = c[1];
    }
    ms += (double) count * (untilMs - from);
    return ms / 3_600_000.0;
  }

  private static JsonObject auditRecord(JsonObject r) {
    JsonObject out = new JsonObject()
        .put("seq", r.getValue("seq"))
        .put("time", r.getString("time"))
        .put("actor", r.getString("actor"))
        .put("action", r.getString("action"))
        .put("target", r.getString("target"))
        .put("request_id", r.getString("request_id"))
        .put("before", r.getValue("before"))
        .put("after", r.getValue("after"));
    if (r.getValue("rolled_back_to") != null) {
      out.put("rolled_back_to", r.getValue("rolled_back_to"));
    }
    return out;
  }

  private static JsonObject statistics(List<JsonObject> revisions, List<RollupRow> rollups, long sinceMs,
      long untilMs, List<String> missingGateways) {
    // each revision's period: from its time (or the window's start) to the next revision's
    TreeMap<Long, long[]> periods = new TreeMap<>();
    for (int i = 0; i < revisions.size(); i++) {
      long from = Instant.parse(revisions.get(i).getString("time")).toEpochMilli();
      long to = i + 1 < revisions.size() ? Instant.parse(revisions.get(i + 1).getString("time")).toEpochMilli() : untilMs;
      periods.put(revisions.get(i).getLong("revision"), new long[] {Math.max(from, sinceMs), to});
    }
    TreeMap<String, TreeMap<Long, WindowStats>> byDeployment = new TreeMap<>();
    for (RollupRow row : rollups) {
      byDeployment.computeIfAbsent(row.deployment(), k -> new TreeMap<>())
          .merge(row.revision(), WindowStats.fromJson(row.stats()), WindowStats::merge);
    }
    JsonArray deployments = new JsonArray();
    byDeployment.forEach((d, byRevision) -> {
      WindowStats total = WindowStats.EMPTY;
      JsonArray revisionsJson = new JsonArray();
      for (Map.Entry<Long, WindowStats> e : byRevision.entrySet()) {
        total = total.merge(e.getValue());
        JsonObject r = figures(e.getValue()).put("revision", e.getKey());
        long[] period = periods.get(e.getKey());
        if (period != null) {
          r.put("period", new JsonObject().put("from", Instant.ofEpochMilli(period[0]).toString())
              .put("to", Instant.ofEpochMilli(period[1]).toString()));
        }
        revisionsJson.add(r);
      }
      deployments.add(figures(total).put("deployment", d).put("revisions", revisionsJson));
    });
    return new JsonObject()
        .put("note", STATISTICS_NOTE)
        .put("resolution", "1m")
        .put("missing_gateways", new JsonArray(List.copyOf(missingGateways)))
        .put("deployments", deployments);
  }

  /**
   * requests, errors by status, error rate (the service's failures, 5xx, 408 and 429, over requests,
   * 0 without requests: the same rule as the recent statistics), p50/p95/p99 in ms.
   */
  static JsonObject figures(WindowStats w) {
    JsonObject errors = new JsonObject();
    w.errors().forEach((status, n) -> errors.put(Integer.toString(status), n));
    return new JsonObject()
        .put("requests", w.requests())
        .put("errors", errors)
        .put("error_rate", round(w.errorRate(), 4))
        .put("latency_ms", new JsonObject()
            .put("p50", quantile(w, 0.50)).put("p95", quantile(w, 0.95)).put("p99", quantile(w, 0.99)));
  }

  private static Double quantile(WindowStats w, double q) {
    OptionalDouble v = w.latency().quantileMs(q);
    return v.isPresent() ? round(v.getAsDouble(), 3) : null;
  }

  private static double round(double v, int places) {
    double f = Math.pow(10, places);
    return Math.round(v * f) / f;
  }

  /** {@code json} without any field named in {@link #SECRET_FIELDS}, at any depth. */
  static JsonObject scrub(JsonObject json) {
    for (String field : List.copyOf(json.fieldNames())) {
      Object v = json.getValue(field);
      if (SECRET_FIELDS.contains(field)) {
        json.remove(field);
      } else if (v instanceof JsonObject o) {
        scrub(o);
      } else if (v instanceof JsonArray a) {
        a.forEach(e -> {
          if (e instanceof JsonObject o) {
            scrub(o);
          }
        });
      }
    }
    return json;
  }
}
