package io.inferbus.cli.operator.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.cli.operator.Json;
import org.junit.jupiter.api.Test;

/**
 * The markdown page of an evidence bundle: the window and generated-at at the top, the line saying
 * what the figures are, one table per section with a row per item, "(none in the window)" for an
 * empty section, and cells that cannot break a table (a pipe in a description).
 */
class EvidenceMarkdownTest {
  private static final String BUNDLE = """
      {"endpoint": "credit", "generated_at": "2026-01-02T10:00:00Z",
       "window": {"since": "2026-01-01T10:00:00Z", "until": "2026-01-02T10:00:00Z"},
       "spec": {"name": "credit", "auth_mode": "key", "public_network_access": "disabled",
                "allowed_networks": ["10.0.0.0/8"], "traffic": {"blue": 90, "green": 10}, "mirror_traffic": {},
                "traffic_revision": 3},
       "deployments": [{"name": "blue", "current": {"model": {"name": "credit", "version": "2", "sha256": "ab12"},
                        "instance_count": 2, "request_settings": {"request_timeout_ms": 5000}},
                        "at_window_start": null,
                        "changes": [{"time": "2026-01-01T11:00:00Z", "actor": "alice", "action": "deployment.update",
                                     "request_id": "r-1", "model": {"name": "credit", "version": "2", "sha256": "ab12"},
                                     "instance_count": 2, "request_settings": {"request_timeout_ms": 5000}}],
                        "instance_hours": 47.5}],
       "revision_at_window_start": 1,
       "traffic_revisions": [{"revision": 2, "time": "2026-01-01T12:00:00Z", "actor": "bob", "request_id": "r-2",
                              "traffic": {"blue": 90, "green": 10}, "mirror_traffic": {}}],
       "rollbacks": [],
       "key_regenerations": [{"time": "2026-01-01T13:00:00Z", "actor": "carol", "key_type": "primary",
                              "request_id": "r-3"}],
       "audit": [{"seq": 7, "time": "2026-01-01T11:00:00Z", "actor": "alice", "action": "endpoint.update",
                  "target": "endpoints/credit", "request_id": "r-4",
                  "before": {"description": "old", "updated_at": "x"},
                  "after": {"description": "a | b", "updated_at": "y"}}],
       "statistics": {"note": "Live scoring answers.", "resolution": "1m", "missing_gateways": [],
                      "deployments": [{"deployment": "blue", "requests": 10, "errors": {"503": 1},
                                       "error_rate": 0.1, "latency_ms": {"p50": 2.0, "p95": 3.5, "p99": 4.0},
                                       "revisions": [{"revision": 2, "requests": 10, "errors": {"503": 1},
                                                      "error_rate": 0.1,
                                                      "latency_ms": {"p50": 2.0, "p95": 3.5, "p99": 4.0},
                                                      "period": {"from": "2026-01-01T12:00:00Z",
                                                                 "to": "2026-01-02T10:00:00Z"}}]}]}}
      """;

  @Test
  void aPageWithTheWindowTheNoteAndATablePerSection() throws Exception {
    JsonNode bundle = Json.MAPPER.readTree(BUNDLE);
    String md = EvidenceMarkdown.render(bundle);
    assertTrue(md.startsWith("# Release evidence: endpoint `credit`\n"), md);
    assertTrue(md.contains("| Window | 2026-01-01T10:00:00Z to 2026-01-02T10:00:00Z |"), md);
    assertTrue(md.contains("| Generated at | 2026-01-02T10:00:00Z |"), md);
    assertTrue(md.contains("| Public network access | disabled |"), md);
    assertTrue(md.contains("| Allowed networks | 10.0.0.0/8 |"), md);
    assertTrue(md.contains("**What the figures are.** Live scoring answers."), md);
    assertTrue(md.contains("| blue | credit:2 | `ab12` | 2 | request_timeout_ms=5000 | 47.5 |"), md);
    assertTrue(md.contains("| 2 | 2026-01-01T12:00:00Z | bob | blue=90 green=10 |  |  | r-2 |"), md);
    assertTrue(md.contains("In force when the window opened: revision 1."), md);
    assertTrue(md.contains("### Rollbacks\n\n(none in the window)\n"), md);
    assertTrue(md.contains("| 2026-01-01T13:00:00Z | carol | primary | r-3 |"), md);
    assertTrue(md.contains("| blue | 2 | 2026-01-01T12:00:00Z to 2026-01-02T10:00:00Z | 10 | 10.00 % | 503: 1 | 2.0 | 3.5"
        + " | 4.0 |"), md);
    assertTrue(md.contains("| blue | all | the window | 10 | 10.00 % |"), md);
    // the pipe in the description is escaped, the bookkeeping field left out of the change
    assertTrue(md.contains("| description: old → a \\| b |"), md);
  }

  @Test
  void cellsCannotBreakTheTable() {
    assertEquals("a \\| b c", EvidenceMarkdown.cell("a | b\nc"));
    assertEquals("created", EvidenceMarkdown.summary(null, Json.object().put("x", 1)));
    assertEquals("deleted", EvidenceMarkdown.summary(Json.object().put("x", 1), null));
    assertEquals("instance_count: 1 → 2",
        EvidenceMarkdown.summary(Json.object().put("instance_count", 1), Json.object().put("instance_count", 2)));
  }
}
