package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A release evidence bundle ({@code GET /endpoints/{e}/evidence}) as a markdown page a compliance
 * reviewer attaches to a change ticket: the window and when it was generated, what the figures are,
 * then one section per kind of evidence, each a table. Only the bundle's fields are shown, so a page
 * holds no more than the JSON does (no key material).
 */
public final class EvidenceMarkdown {
  /** Document fields that are bookkeeping, not the change: left out of an audit row's summary. */
  private static final Set<String> BOOKKEEPING = Set.of("created_at", "created_by", "updated_at", "updated_by",
      "generation", "last_modified_at", "last_modified_by");
  private static final int MAX_SUMMARY = 300;

  private EvidenceMarkdown() {}

  public static String render(JsonNode b) {
    StringBuilder md = new StringBuilder();
    JsonNode spec = b.path("spec");
    JsonNode window = b.path("window");
    md.append("# Release evidence: endpoint `").append(b.path("endpoint").asText()).append("`\n\n");
    table(md, List.of("", ""), List.of(
        List.of("Window", text(window.path("since")) + " to " + text(window.path("until"))),
        List.of("Generated at", text(b.path("generated_at"))),
        List.of("Auth mode", text(spec.path("auth_mode"))),
        List.of("Public network access", text(spec.path("public_network_access"))),
        List.of("Allowed networks", list(spec.path("allowed_networks"))),
        List.of("Traffic now", TrafficString.format(spec.get("traffic"))),
        List.of("Mirror traffic now", TrafficString.format(nonZero(spec.path("mirror_traffic")))),
        List.of("Traffic revision now", text(spec.path("traffic_revision")))));
    JsonNode stats = b.path("statistics");
    md.append("**What the figures are.** ").append(stats.path("note").asText()).append(" Resolution: ")
        .append(stats.path("resolution").asText()).append(".");
    if (!stats.path("missing_gateways").isEmpty()) {
      md.append(" Gateways that did not answer when this was generated: ").append(list(stats.path("missing_gateways")))
          .append(" (their answers since the last collection are missing).");
    }
    md.append(" No key, key hash or token appears on this page.\n\n");

    md.append("## Deployments\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode d : b.path("deployments")) {
      JsonNode now = d.path("current");
      rows.add(List.of(d.path("name").asText(), now.isMissingNode() || now.isNull() ? "(deleted)" : model(now),
          now.isMissingNode() || now.isNull() ? "" : "`" + now.path("model").path("sha256").asText() + "`",
          text(now.path("instance_count")), settings(now.path("request_settings")), text(d.path("instance_hours"))));
    }
    table(md, List.of("Deployment", "Model", "SHA-256", "Instances now", "Request settings",
        "Instance-hours (desired)"), rows);

    md.append("### Deployment changes in the window\n\n");
    rows = new ArrayList<>();
    for (JsonNode d : b.path("deployments")) {
      JsonNode start = d.path("at_window_start");
      if (!start.isMissingNode() && !start.isNull()) {
        rows.add(List.of("(at window start)", "", d.path("name").asText(), "", model(start),
            "`" + start.path("model").path("sha256").asText() + "`", text(start.path("instance_count")),
            settings(start.path("request_settings")), ""));
      }
      for (JsonNode c : d.path("changes")) {
        boolean deleted = c.path("model").isMissingNode();
        rows.add(List.of(text(c.path("time")), text(c.path("actor")), d.path("name").asText(), text(c.path("action")),
            deleted ? "" : model(c), deleted ? "" : "`" + c.path("model").path("sha256").asText() + "`",
            text(c.path("instance_count")), settings(c.path("request_settings")), text(c.path("request_id"))));
      }
    }
    table(md, List.of("Time", "Actor", "Deployment", "Action", "Model", "SHA-256", "Instances", "Request settings",
        "Request id"), rows);

    md.append("## Traffic revisions\n\n");
    if (!b.path("revision_at_window_start").isNull() && !b.path("revision_at_window_start").isMissingNode()) {
      md.append("In force when the window opened: revision ").append(b.path("revision_at_window_start").asText())
          .append(".\n\n");
    }
    rows = new ArrayList<>();
    for (JsonNode r : b.path("traffic_revisions")) {
      rows.add(List.of(text(r.path("revision")), text(r.path("time")), text(r.path("actor")),
          TrafficString.format(r.get("traffic")), TrafficString.format(nonZero(r.path("mirror_traffic"))),
          text(r.path("rolled_back_to")), text(r.path("request_id"))));
    }
    table(md, List.of("Revision", "Time", "Actor", "Traffic", "Mirror", "Rolls back to", "Request id"), rows);

    md.append("### Rollbacks\n\n");
    rows = new ArrayList<>();
    for (JsonNode r : b.path("rollbacks")) {
      rows.add(List.of(text(r.path("revision")), text(r.path("rolled_back_to")), text(r.path("time")),
          text(r.path("actor")), text(r.path("request_id"))));
    }
    table(md, List.of("New revision", "Re-applies revision", "Time", "Actor", "Request id"), rows);

    md.append("## Key regenerations\n\n");
    rows = new ArrayList<>();
    for (JsonNode r : b.path("key_regenerations")) {
      rows.add(List.of(text(r.path("time")), text(r.path("actor")), text(r.path("key_type")),
          text(r.path("request_id"))));
    }
    table(md, List.of("Time", "Actor", "Key", "Request id"), rows);

    md.append("## Requests, errors and latency per deployment and traffic revision\n\n");
    rows = new ArrayList<>();
    for (JsonNode d : stats.path("deployments")) {
      for (JsonNode r : d.path("revisions")) {
        JsonNode p = r.path("period");
        rows.add(figures(d.path("deployment").asText(), r.path("revision").asText(),
            p.isMissingNode() ? "" : text(p.path("from")) + " to " + text(p.path("to")), r));
      }
      rows.add(figures(d.path("deployment").asText(), "all", "the window", d));
    }
    table(md, List.of("Deployment", "Revision", "Period", "Requests", "Error rate", "Errors by code", "p50 ms",
        "p95 ms", "p99 ms"), rows);

    md.append("## Audit log\n\n");
    rows = new ArrayList<>();
    for (JsonNode r : b.path("audit")) {
      rows.add(List.of(text(r.path("seq")), text(r.path("time")), text(r.path("actor")), text(r.path("action")),
          text(r.path("target")), summary(r.path("before"), r.path("after")), text(r.path("request_id"))));
    }
    table(md, List.of("#", "Time", "Actor", "Action", "Target", "Change", "Request id"), rows);
    md.append("The JSON form (`-o json`) holds each record's full before and after.\n");
    return md.toString();
  }

  private static List<String> figures(String deployment, String revision, String period, JsonNode f) {
    JsonNode latency = f.path("latency_ms");
    StringBuilder errors = new StringBuilder();
    f.path("errors").fields().forEachRemaining(e -> errors.append(errors.isEmpty() ? "" : ", ").append(e.getKey())
        .append(": ").append(e.getValue().asText()));
    return List.of(deployment, revision, period, text(f.path("requests")),
        String.format(java.util.Locale.ROOT, "%.2f %%", f.path("error_rate").asDouble() * 100), errors.toString(),
        text(latency.path("p50")), text(latency.path("p95")), text(latency.path("p99")));
  }

  /** The fields that differ between before and after, {@code field: old → new}; "created" or "deleted". */
  static String summary(JsonNode before, JsonNode after) {
    boolean hadBefore = before != null && before.isObject();
    boolean hasAfter = after != null && after.isObject();
    if (!hadBefore && !hasAfter) {
      return "";
    }
    if (!hadBefore) {
      return "created";
    }
    if (!hasAfter) {
      return "deleted";
    }
    TreeSet<String> fields = new TreeSet<>();
    before.fieldNames().forEachRemaining(fields::add);
    after.fieldNames().forEachRemaining(fields::add);
    StringBuilder out = new StringBuilder();
    for (String f : fields) {
      JsonNode a = before.path(f);
      JsonNode z = after.path(f);
      if (BOOKKEEPING.contains(f) || a.equals(z)) {
        continue;
      }
      out.append(out.isEmpty() ? "" : "; ").append(f).append(": ").append(compact(a)).append(" → ").append(compact(z));
    }
    String s = out.toString();
    return s.length() > MAX_SUMMARY ? s.substring(0, MAX_SUMMARY) + "…" : s;
  }

  private static String compact(JsonNode v) {
    return v.isMissingNode() || v.isNull() ? "—" : v.isTextual() ? v.asText() : v.toString();
  }

  private static String model(JsonNode state) {
    JsonNode m = state.path("model");
    return m.path("name").asText() + ":" + m.path("version").asText();
  }

  private static String settings(JsonNode s) {
    if (s == null || !s.isObject()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    s.fields().forEachRemaining(e -> out.append(out.isEmpty() ? "" : ", ").append(e.getKey()).append('=')
        .append(e.getValue().asText()));
    return out.toString();
  }

  private static String text(JsonNode v) {
    return v == null || v.isMissingNode() || v.isNull() ? "" : v.asText();
  }

  private static String list(JsonNode array) {
    List<String> items = new ArrayList<>();
    for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
      items.add(it.next().asText());
    }
    return items.isEmpty() ? "—" : String.join(", ", items);
  }

  private static JsonNode nonZero(JsonNode weights) {
    com.fasterxml.jackson.databind.node.ObjectNode kept = io.inferbus.cli.operator.Json.object();
    weights.fields().forEachRemaining(e -> {
      if (e.getValue().asInt() != 0) {
        kept.set(e.getKey(), e.getValue());
      }
    });
    return kept;
  }

  /** A markdown table; "(none in the window)" instead of an empty one. */
  private static void table(StringBuilder md, List<String> header, List<List<String>> rows) {
    if (rows.isEmpty()) {
      md.append("(none in the window)\n\n");
      return;
    }
    md.append('|');
    header.forEach(h -> md.append(' ').append(cell(h)).append(" |"));
    md.append("\n|");
    header.forEach(h -> md.append(" --- |"));
    md.append('\n');
    for (List<String> row : rows) {
      md.append('|');
      row.forEach(c -> md.append(' ').append(cell(c)).append(" |"));
      md.append('\n');
    }
    md.append('\n');
  }

  /** A cell's text with what would break the table escaped. */
  static String cell(String s) {
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
  }
}
