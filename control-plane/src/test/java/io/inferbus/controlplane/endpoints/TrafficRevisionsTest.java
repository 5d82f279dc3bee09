package io.inferbus.controlplane.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.testing.ControlPlaneTestBase;
import io.inferbus.controlplane.testing.ServiceFixture;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Traffic revisions through the control-plane service, with a real SQLite store in a temporary
 * directory and a real Hazelcast member holding the table gateways route by: every traffic or mirror
 * change is a numbered revision with who and when; a rollback re-applies an earlier revision as a
 * new one, durably, audited, and published the way a PATCH is. Bad inputs tried: rollback with no
 * earlier revision, to a revision past the last, to_revision -1, 0, 1.5, "1" and null, an unknown
 * body field, an unknown endpoint, and rollbacks to revisions whose live or mirror traffic names a
 * deployment deleted since; each is refused without a revision, an audit record or a publication.
 */
class TrafficRevisionsTest extends ControlPlaneTestBase {
  private static final Actor ALICE = new Actor("alice", "req-alice");
  private static final Actor BOB = new Actor("bob", "req-bob");
  private JsonObject rollback(String endpoint, JsonObject body, Actor actor) throws Exception {
    return cp.expect(200, () -> cp.endpoints().rollbackTraffic(endpoint, body, actor));
  }

  private static JsonObject to(long revision) {
    return new JsonObject().put("to_revision", revision);
  }

  private static List<Long> revisions(List<JsonObject> history) {
    return history.stream().map(e -> e.getLong("revision")).toList();
  }

  /** credit with blue and green; revision 2: blue 100; revision 3: blue 90, green 10. */
  private void creditAtRevision3() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue", "green");
    cp.traffic("credit", "{\"blue\": 100}", null, ALICE);
    cp.traffic("credit", "{\"blue\": 90, \"green\": 10}", null, BOB);
  }

  // ------------------------------------------------------------ history

  @Test
  void creatingAnEndpointIsRevision1WithItsTraffic() throws Exception {
    JsonObject created = cp.expect(201, () -> cp.endpoints().put("credit", new JsonObject(), ALICE));
    assertEquals(1L, created.getLong("traffic_revision"));
    List<JsonObject> history = cp.history("credit");
    assertEquals(1, history.size());
    JsonObject first = history.get(0);
    assertEquals(1L, first.getLong("revision"));
    assertEquals(new JsonObject(), first.getJsonObject("traffic"));
    assertEquals(new JsonObject(), first.getJsonObject("mirror_traffic"));
    assertEquals("alice", first.getString("actor"));
    assertEquals("req-alice", first.getString("request_id"));
    Instant.parse(first.getString("time"));
    assertFalse(first.containsKey("rolled_back_to"));
    assertEquals(1L, cp.published("credit").trafficRevision());
  }

  @Test
  void everyTrafficOrMirrorChangeIsARevisionAndNothingElseIs() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue", "green");
    cp.traffic("credit", "{\"blue\": 100}", null, ALICE);                        // 2
    cp.traffic("credit", null, "{\"green\": 10}", BOB);                          // 3: mirror only
    cp.traffic("credit", "{\"blue\": 100, \"green\": 0}", null, BOB);            // same weights
    cp.expect(200, () -> cp.endpoints().patch("credit", new JsonObject().put("description", "x"), BOB));
    cp.expect(200, () -> cp.endpoints().put("credit", new JsonObject().put("description", "y"), ALICE));
    cp.traffic("credit", null, "{\"green\": 0}", ALICE);                         // 4: mirror off

    List<JsonObject> history = cp.history("credit");
    assertEquals(List.of(1L, 2L, 3L, 4L), revisions(history));
    assertEquals(new JsonObject().put("blue", 100), history.get(1).getJsonObject("traffic"));
    assertEquals(new JsonObject().put("green", 10), history.get(2).getJsonObject("mirror_traffic"));
    assertEquals(new JsonObject().put("blue", 100), history.get(2).getJsonObject("traffic"),
        "a mirror change keeps the live weights in its revision");
    assertEquals(new JsonObject(), history.get(3).getJsonObject("mirror_traffic"));
    assertEquals(List.of("alice", "alice", "bob", "alice"), history.stream().map(e -> e.getString("actor")).toList());
    for (JsonObject e : history) {
      Instant.parse(e.getString("time"));
    }
    assertEquals(4L, cp.endpoint("credit").getLong("traffic_revision"));
    assertEquals(4L, cp.published("credit").trafficRevision());
  }

  @Test
  void historyOfAnUnknownEndpointIsNotFound() throws Exception {
    cp.refused(FailureKind.NOT_FOUND, () -> cp.endpoints().trafficHistory("nosuch"), "no endpoint named 'nosuch'");
  }

  // ------------------------------------------------------------ rollback

  @Test
  void rollbackWithoutBodyReappliesThePreviousRevisionAsANewOne() throws Exception {
    creditAtRevision3();

    JsonObject shown = rollback("credit", new JsonObject(), ALICE);

    assertEquals(4L, shown.getLong("traffic_revision"));
    assertEquals(100, shown.getJsonObject("traffic").getInteger("blue"));
    assertEquals(0, shown.getJsonObject("traffic").getInteger("green"));
    List<JsonObject> history = cp.history("credit");
    assertEquals(List.of(1L, 2L, 3L, 4L), revisions(history), "history is appended to, never rewritten");
    JsonObject latest = history.get(3);
    assertEquals(2L, latest.getLong("rolled_back_to"));
    assertEquals(new JsonObject().put("blue", 100), latest.getJsonObject("traffic"));
    assertEquals("alice", latest.getString("actor"));
    assertEquals(new JsonObject().put("blue", 90).put("green", 10), history.get(2).getJsonObject("traffic"),
        "the revision rolled back from is kept as it was");

    EndpointState published = cp.published("credit");
    assertEquals(4L, published.trafficRevision());
    assertEquals(Map.of("blue", 100), published.traffic(), "gateways route by the rolled-back weights");
  }

  @Test
  void rollingBackTwiceWithoutBodyGoesBackAndForth() throws Exception {
    creditAtRevision3();
    rollback("credit", new JsonObject(), ALICE);
    JsonObject again = rollback("credit", new JsonObject(), ALICE);
    assertEquals(5L, again.getLong("traffic_revision"));
    assertEquals(90, again.getJsonObject("traffic").getInteger("blue"));
    assertEquals(3L, cp.history("credit").get(4).getLong("rolled_back_to"));
  }

  @Test
  void rollbackToAGivenRevision() throws Exception {
    creditAtRevision3();
    cp.traffic("credit", "{\"green\": 100}", null, BOB);                          // 4

    JsonObject shown = rollback("credit", to(2), ALICE);

    assertEquals(5L, shown.getLong("traffic_revision"));
    assertEquals(100, shown.getJsonObject("traffic").getInteger("blue"));
    assertEquals(2L, cp.history("credit").get(4).getLong("rolled_back_to"));
    assertEquals(Map.of("blue", 100), cp.published("credit").traffic());

    JsonObject off = rollback("credit", to(1), ALICE);
    assertEquals(6L, off.getLong("traffic_revision"));
    assertEquals(0, off.getJsonObject("traffic").getInteger("blue"), "revision 1 had no traffic at all");
    assertEquals(Map.of(), cp.published("credit").traffic());
  }

  @Test
  void rollbackRestoresTheMirrorOfThatRevision() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue", "green");
    cp.traffic("credit", "{\"blue\": 100}", "{\"green\": 20}", ALICE);            // 2
    cp.traffic("credit", "{\"blue\": 50, \"green\": 50}", "{\"green\": 0}", ALICE); // 3

    JsonObject shown = rollback("credit", new JsonObject(), BOB);

    assertEquals(new JsonObject().put("green", 20), shown.getJsonObject("mirror_traffic"));
    assertEquals(Map.of("green", 20), cp.published("credit").mirrorTraffic());
    assertEquals(new JsonObject().put("green", 20), cp.history("credit").get(3).getJsonObject("mirror_traffic"));
  }

  @Test
  void rollbackToTheWeightsInForceChangesNothingSoARetryIsHarmless() throws Exception {
    creditAtRevision3();
    rollback("credit", to(2), ALICE);                                             // 4
    int auditRecords = cp.audit().size();

    JsonObject retried = rollback("credit", to(2), ALICE);
    JsonObject current = rollback("credit", to(4), ALICE);

    assertEquals(4L, retried.getLong("traffic_revision"));
    assertEquals(4L, current.getLong("traffic_revision"));
    assertEquals(List.of(1L, 2L, 3L, 4L), revisions(cp.history("credit")));
    assertEquals(auditRecords, cp.audit().size(), "a rollback that changes nothing is not a change");
  }

  @Test
  void rollbackIsAuditedWithWhoWhatBeforeAfterAndRequestId() throws Exception {
    creditAtRevision3();

    rollback("credit", to(2), new Actor("carol", "req-rollback-1"));

    JsonObject record = cp.audit().stream().filter(r -> "req-rollback-1".equals(r.getString("request_id")))
        .findFirst().orElseThrow(() -> new AssertionError("no audit record of the rollback"));
    assertEquals("carol", record.getString("actor"));
    assertEquals("endpoint.traffic-rollback", record.getString("action"));
    assertEquals("endpoints/credit", record.getString("target"));
    assertEquals(2L, record.getLong("rolled_back_to"));
    assertEquals(3L, record.getJsonObject("before").getLong("traffic_revision"));
    assertEquals(new JsonObject().put("blue", 90).put("green", 10),
        record.getJsonObject("before").getJsonObject("traffic"));
    assertEquals(4L, record.getJsonObject("after").getLong("traffic_revision"));
    assertEquals(new JsonObject().put("blue", 100), record.getJsonObject("after").getJsonObject("traffic"));
    Instant.parse(record.getString("time"));
    assertFalse(record.getJsonObject("before").containsKey("keys"), "no key material in the audit log");
    assertFalse(record.getJsonObject("after").containsKey("keys"), "no key material in the audit log");
  }

  @Test
  void aPatchOfTheTrafficIsAuditedToo() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue");
    cp.traffic("credit", "{\"blue\": 100}", null, new Actor("dave", "req-traffic-1"));
    JsonObject record = cp.audit().stream().filter(r -> "req-traffic-1".equals(r.getString("request_id")))
        .findFirst().orElseThrow();
    assertEquals("endpoint.traffic", record.getString("action"));
    assertEquals(1L, record.getJsonObject("before").getLong("traffic_revision"));
    assertEquals(2L, record.getJsonObject("after").getLong("traffic_revision"));
    assertNull(record.getValue("rolled_back_to"));
  }

  @Test
  void rollbackIsDurableWhenAcknowledged() throws Exception {
    creditAtRevision3();
    rollback("credit", to(2), ALICE);
    // another connection to the same file sees the rollback the moment it is answered
    try (Store other = Store.open(dataDir)) {
      JsonObject doc = other.get(Table.ENDPOINTS, "credit").orElseThrow();
      assertEquals(4L, doc.getLong("traffic_revision"));
      assertEquals(new JsonObject().put("blue", 100), doc.getJsonObject("traffic"));
      assertEquals(2L, new TrafficHistory(other).entry("credit", 4).orElseThrow().getLong("rolled_back_to"));
    }
  }

  @Test
  void historyAndAuditSurviveARestartAndNumberingGoesOn() throws Exception {
    creditAtRevision3();
    rollback("credit", new JsonObject(), ALICE);
    List<JsonObject> historyBefore = cp.history("credit");
    List<JsonObject> auditBefore = cp.audit();

    cp.restart();

    assertEquals(historyBefore, cp.history("credit"));
    assertEquals(auditBefore, cp.audit());
    JsonObject shown = rollback("credit", new JsonObject(), BOB);
    assertEquals(5L, shown.getLong("traffic_revision"));
    assertEquals(3L, cp.history("credit").get(4).getLong("rolled_back_to"));
  }

  @Test
  void deletingTheEndpointForgetsItsHistoryAndARecreatedOneStartsAt1() throws Exception {
    creditAtRevision3();
    cp.expect(200, () -> cp.endpoints().delete("credit", ALICE));
    cp.refused(FailureKind.NOT_FOUND, () -> cp.endpoints().trafficHistory("credit"), "no endpoint named 'credit'");
    cp.expect(201, () -> cp.endpoints().put("credit", new JsonObject(), ALICE));
    assertEquals(List.of(1L), revisions(cp.history("credit")));
    cp.refused(FailureKind.CONFLICT, () -> cp.endpoints().rollbackTraffic("credit", new JsonObject(), ALICE),
        "no previous revision");
  }

  @Test
  void anEndpointWrittenBeforeRollbackExistedCanBeRolledBack() throws Exception {
    // An endpoint and its revisions as the control plane stored them before this change (time in "at").
    cp.registerModel(ALICE);
    cp.expect(201, () -> cp.endpoints().put("legacy", new JsonObject(), ALICE));
    cp.expect(201, () -> cp.deployments().put("legacy", "blue",
        new JsonObject().put("model", "credit-model:1"), ALICE));
    cp.traffic("legacy", "{\"blue\": 100}", null, ALICE);
    cp.close();
    try (Store old = Store.open(dataDir)) {
      for (long rev = 1; rev <= 2; rev++) {
        old.put(Table.TRAFFIC_REVISIONS, new JsonObject()
            .put("revision", rev)
            .put("traffic", rev == 1 ? new JsonObject() : new JsonObject().put("blue", 100))
            .put("mirror_traffic", new JsonObject())
            .put("actor", "admin")
            .put("request_id", "old-" + rev)
            .put("at", "2026-01-0" + rev + "T00:00:00Z"), "legacy", String.format("%012d", rev));
      }
    }
    cp = ServiceFixture.start(dataDir, hazelcast);

    assertEquals("2026-01-02T00:00:00Z", cp.history("legacy").get(1).getString("time"));
    JsonObject shown = rollback("legacy", new JsonObject(), ALICE);
    assertEquals(3L, shown.getLong("traffic_revision"));
    assertEquals(1L, cp.history("legacy").get(2).getLong("rolled_back_to"));
  }

  @Test
  void concurrentChangesGetConsecutiveRevisionsAndTheClusterEndsOnTheLast() throws Exception {
    creditAtRevision3();
    // Fire PATCHes and rollbacks without waiting for each other: the store thread queues them.
    List<CompletableFuture<ServiceFixture.Outcome>> calls = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      int n = i;
      calls.add(CompletableFuture.supplyAsync(() -> {
        try {
          return cp.call(() -> switch (n % 3) {
            case 0 -> cp.endpoints().patch("credit", new JsonObject().put("traffic",
                new JsonObject().put("blue", 100 - n).put("green", n)), BOB);
            case 1 -> cp.endpoints().rollbackTraffic("credit", new JsonObject(), ALICE);
            default -> cp.endpoints().rollbackTraffic("credit", to(2), ALICE);
          });
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    for (CompletableFuture<ServiceFixture.Outcome> c : calls) {
      assertEquals(200, c.get(60, TimeUnit.SECONDS).status());
    }

    List<JsonObject> history = cp.history("credit");
    long last = history.get(history.size() - 1).getLong("revision");
    assertEquals(LongStream.rangeClosed(1, last).boxed().toList(), revisions(history),
        "revisions are consecutive, none lost or doubled");
    JsonObject endpoint = cp.endpoint("credit");
    assertEquals(last, endpoint.getLong("traffic_revision"));
    EndpointState published = cp.published("credit");
    assertEquals(last, published.trafficRevision(), "the cluster holds the last change, not an earlier one");
    assertEquals(EndpointState.weightsFromJson(history.get(history.size() - 1).getJsonObject("traffic")),
        published.traffic());
  }

  // ------------------------------------------------------------ refusals

  @Test
  void rollbackOfANewEndpointIsAConflictNamingTheReason() throws Exception {
    cp.expect(201, () -> cp.endpoints().put("credit", new JsonObject(), ALICE));
    cp.refused(FailureKind.CONFLICT, () -> cp.endpoints().rollbackTraffic("credit", new JsonObject(), ALICE),
        "endpoint 'credit' is at traffic revision 1, its first", "no previous revision to roll back to");
  }

  @Test
  void rollbackToARevisionTheEndpointNeverHadIsNotFound() throws Exception {
    creditAtRevision3();
    cp.refused(FailureKind.NOT_FOUND, () -> cp.endpoints().rollbackTraffic("credit", to(4), ALICE),
        "endpoint 'credit' has no traffic revision 4", "its revisions are 1 to 3");
    cp.refused(FailureKind.NOT_FOUND, () -> cp.endpoints().rollbackTraffic("credit", to(99), ALICE),
        "no traffic revision 99");
  }

  @Test
  void rollbackOfAnUnknownEndpointIsNotFound() throws Exception {
    cp.refused(FailureKind.NOT_FOUND, () -> cp.endpoints().rollbackTraffic("nosuch", new JsonObject(), ALICE),
        "no endpoint named 'nosuch'");
  }

  @Test
  void malformedRollbackRequestsAreRefused() throws Exception {
    creditAtRevision3();
    for (Object bad : new Object[] {-1, 0, 1.5, "1"}) {
      cp.refused(FailureKind.BAD_INPUT,
          () -> cp.endpoints().rollbackTraffic("credit", new JsonObject().put("to_revision", bad), ALICE),
          "to_revision is", "whole number from 1 up");
    }
    cp.refused(FailureKind.BAD_INPUT,
        () -> cp.endpoints().rollbackTraffic("credit", new JsonObject().putNull("to_revision"), ALICE),
        "to_revision is null");
    cp.refused(FailureKind.BAD_INPUT,
        () -> cp.endpoints().rollbackTraffic("credit", new JsonObject().put("revision", 2), ALICE),
        "field 'revision' is not a rollback field");
    assertUnchangedAtRevision3();
  }

  @Test
  void rollbackToLiveTrafficOnADeploymentDeletedSinceIsRefusedNamingIt() throws Exception {
    creditAtRevision3();
    cp.traffic("credit", "{\"blue\": 100, \"green\": 0}", null, ALICE);          // 4
    cp.traffic("credit", "{\"blue\": 0}", null, ALICE);                          // 5: all off
    cp.expect(200, () -> cp.deployments().delete("credit", "green", ALICE));
    int auditRecords = cp.audit().size();

    cp.refused(FailureKind.BAD_INPUT, () -> cp.endpoints().rollbackTraffic("credit", to(3), ALICE),
        "traffic revision 3", "sends 10 % of live traffic to deployment 'green'", "deleted since");

    assertEquals(5L, cp.endpoint("credit").getLong("traffic_revision"));
    assertEquals(auditRecords, cp.audit().size());
    // revision 4 named green at 0 %: it can still be re-applied, without green
    JsonObject shown = rollback("credit", new JsonObject(), ALICE);
    assertEquals(6L, shown.getLong("traffic_revision"));
    assertEquals(new JsonObject().put("blue", 100), cp.history("credit").get(5).getJsonObject("traffic"));
    assertEquals(Map.of("blue", 100), cp.published("credit").traffic());
  }

  @Test
  void rollbackToAMirrorOfADeploymentDeletedSinceIsRefusedNamingIt() throws Exception {
    cp.endpointWithDeployments("credit", ALICE, "blue", "green");
    cp.traffic("credit", "{\"blue\": 100}", "{\"green\": 10}", ALICE);           // 2
    cp.traffic("credit", null, "{\"green\": 0}", ALICE);                         // 3
    cp.expect(200, () -> cp.deployments().delete("credit", "green", ALICE));

    cp.refused(FailureKind.BAD_INPUT, () -> cp.endpoints().rollbackTraffic("credit", new JsonObject(), ALICE),
        "traffic revision 2", "mirrors 10 % of traffic to deployment 'green'", "deleted since");
  }

  private void assertUnchangedAtRevision3() throws Exception {
    assertEquals(List.of(1L, 2L, 3L), revisions(cp.history("credit")));
    assertEquals(3L, cp.published("credit").trafficRevision());
    assertTrue(cp.audit().stream().noneMatch(r -> "endpoint.traffic-rollback".equals(r.getString("action"))),
        "a refused rollback leaves no audit record");
  }
}
