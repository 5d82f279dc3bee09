package io.inferbus.controlplane.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferbus.controlplane.store.Store.RollupRow;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.stats.WindowStats;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bundle as a function of what the store holds: the window, desired instance-hours from the
 * audit log's instance counts, revisions and rollbacks, key regenerations, figures per deployment and
 * revision from the rollups, and no key material even when a record carried some.
 */
class EvidenceBundleTest {
  private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  private static final long HOUR = 3_600_000;

  private static JsonObject audit(long seq, Instant at, String action, String target, JsonObject after) {
    return new JsonObject().put("seq", seq).put("at", at.toEpochMilli()).put("time", at.toString())
        .put("actor", "alice").put("action", action).put("target", target).put("request_id", "req-" + seq)
        .put("before", null).put("after", after);
  }

  private static JsonObject deployment(int instances) {
    return new JsonObject().put("name", "blue").put("instance_count", instances)
        .put("model", new JsonObject().put("name", "credit").put("version", "1").put("sha256", "ab12"))
        .put("request_settings", new JsonObject().put("request_timeout_ms", 5000));
  }

  private static JsonObject revision(long n, Instant at, JsonObject traffic, Long rolledBackTo) {
    JsonObject r = new JsonObject().put("revision", n).put("traffic", traffic).put("mirror_traffic", new JsonObject())
        .put("actor", "bob").put("time", at.toString()).put("request_id", "rev-" + n);
    return rolledBackTo == null ? r : r.put("rolled_back_to", rolledBackTo);
  }

  @Test
  void sinceIsDaysHoursMinutesOrAnInstant() {
    assertEquals(T0.minusSeconds(30L * 86_400), Since.parse("30d", T0));
    assertEquals(T0.minusSeconds(2 * 3600), Since.parse("2h", T0));
    assertEquals(T0.minusSeconds(90 * 60), Since.parse("90m", T0));
    assertEquals(T0.minusSeconds(600), Since.parse("600s", T0), "seconds, as the traffic log's since takes them");
    assertEquals(Instant.parse("2025-12-01T00:00:00Z"), Since.parse("2025-12-01T00:00:00Z", T0));
    for (String bad : new String[] {"", "30", "0d", "-1d", "30w", "yesterday", "2027-01-01T00:00:00Z"}) {
      InferbusException e = assertThrows(InferbusException.class, () -> Since.parse(bad, T0), bad);
      assertEquals("since", e.target(), bad);
    }
  }

  @Test
  void instanceHoursIntegrateTheCountSetByEachChange() {
    long since = T0.toEpochMilli();
    // 2 instances from before the window, 4 after one hour, deleted after two: 2 + 4 = 6 over three hours
    List<long[]> counts = List.of(new long[] {since - HOUR, 2}, new long[] {since + HOUR, 4},
        new long[] {since + 2 * HOUR, 0});
    assertEquals(6.0, EvidenceBundle.instanceHours(counts, since, since + 3 * HOUR), 1e-9);
    assertEquals(0.0, EvidenceBundle.instanceHours(List.of(), since, since + HOUR), 1e-9);
    // created half-way through the window with 1 instance
    assertEquals(0.5, EvidenceBundle.instanceHours(List.<long[]>of(new long[] {since + HOUR / 2, 1}), since,
        since + HOUR), 1e-9);
  }

  @Test
  void theBundleHoldsRevisionsRollbacksKeysAndFiguresPerRevisionWithoutKeyMaterial() {
    Instant until = T0.plusSeconds(3 * 3600);
    JsonObject endpoint = new JsonObject().put("name", "credit").put("auth_mode", "key")
        .put("keys", new JsonObject().put("primary", "SECRET-P").put("secondary", "SECRET-S"))
        .put("traffic", new JsonObject().put("blue", 100)).put("mirror_traffic", new JsonObject())
        .put("traffic_revision", 3L);
    List<JsonObject> revisions = List.of(
        revision(1, T0.minusSeconds(60), new JsonObject().put("blue", 100), null),
        revision(2, T0.plusSeconds(3600), new JsonObject().put("blue", 90).put("green", 10), null),
        revision(3, T0.plusSeconds(7200), new JsonObject().put("blue", 100), 1L));
    List<JsonObject> audit = List.of(
        audit(1, T0.minusSeconds(3600), "deployment.create", "endpoints/credit/deployments/blue", deployment(2)),
        audit(2, T0.plusSeconds(1800), "deployment.update", "endpoints/credit/deployments/blue", deployment(4)),
        audit(3, T0.plusSeconds(2000), "endpoint.regenerate-key", "endpoints/credit/keys/secondary", null),
        // a record that (wrongly) carried a key: the bundle drops it all the same
        audit(4, T0.plusSeconds(2100), "endpoint.update", "endpoints/credit",
            new JsonObject().put("keys", new JsonObject().put("primary", "SECRET-P"))));
    WindowStats rev1 = new WindowStats.Builder().record(200, 2_000_000).record(503, 4_000_000).build();
    WindowStats rev2 = new WindowStats.Builder().record(200, 3_000_000).build();
    List<RollupRow> rollups = List.of(
        new RollupRow("credit", "blue", 1, T0.toEpochMilli(), 2, rev1.toJson()),
        new RollupRow("credit", "blue", 2, T0.plusSeconds(3600).toEpochMilli(), 1, rev2.toJson()));

    JsonObject bundle = EvidenceBundle.build(endpoint, List.of(deployment(4)), revisions, audit, rollups, T0, until,
        List.of());

    assertEquals(T0.toString(), bundle.getJsonObject("window").getString("since"));
    assertEquals("key", bundle.getJsonObject("spec").getString("auth_mode"));
    assertEquals("enabled", bundle.getJsonObject("spec").getString("public_network_access"));
    assertEquals(1L, bundle.getLong("revision_at_window_start"));
    assertEquals(2, bundle.getJsonArray("traffic_revisions").size());
    JsonObject rollback = bundle.getJsonArray("rollbacks").getJsonObject(0);
    assertEquals(3L, rollback.getLong("revision"));
    assertEquals(1L, rollback.getLong("rolled_back_to"));
    assertEquals("bob", rollback.getString("actor"));
    JsonObject key = bundle.getJsonArray("key_regenerations").getJsonObject(0);
    assertEquals("secondary", key.getString("key_type"));
    assertEquals("alice", key.getString("actor"));
    assertEquals(3, bundle.getJsonArray("audit").size(), "the records in the window");

    JsonObject blue = bundle.getJsonArray("deployments").getJsonObject(0);
    assertEquals("ab12", blue.getJsonObject("current").getJsonObject("model").getString("sha256"));
    assertEquals(2, blue.getJsonObject("at_window_start").getInteger("instance_count"));
    assertEquals(4, blue.getJsonArray("changes").getJsonObject(0).getInteger("instance_count"));
    assertEquals(2 * 0.5 + 4 * 2.5, blue.getDouble("instance_hours"), 1e-9);

    JsonObject stats = bundle.getJsonObject("statistics").getJsonArray("deployments").getJsonObject(0);
    assertEquals(3L, stats.getLong("requests"));
    assertEquals(0.3333, stats.getDouble("error_rate"), 1e-9);
    JsonArray byRevision = stats.getJsonArray("revisions");
    assertEquals(2L, byRevision.getJsonObject(0).getLong("requests"));
    assertEquals(1L, byRevision.getJsonObject(0).getJsonObject("errors").getLong("503"));
    assertEquals(0.5, byRevision.getJsonObject(0).getDouble("error_rate"));
    assertEquals(T0.toString(), byRevision.getJsonObject(0).getJsonObject("period").getString("from"),
        "revision 1's period starts with the window");
    assertEquals(1L, byRevision.getJsonObject(1).getLong("requests"));
    assertEquals(3.0, byRevision.getJsonObject(1).getJsonObject("latency_ms").getDouble("p50"), 0.15);

    String text = bundle.encode();
    assertFalse(text.contains("SECRET"), text);
    assertFalse(text.contains("\"keys\""), text);
    assertNull(bundle.getJsonObject("spec").getValue("keys"));
  }
}
