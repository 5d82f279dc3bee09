package io.inferbus.controlplane.endpoints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traffic history over a real SQLite store: numbering, what an entry shows, which revision a
 * rollback picks, and the rollback requests it refuses. Bad inputs tried: {@code to_revision} of
 * 0, -1, -9223372036854775808, 2.5, "2", "", null, true, an object, an array, a number beyond
 * 64 bits; an unknown field next to it; rollback with no earlier revision, to revision 0 of a new
 * endpoint, to a revision past the last one; and revisions whose live or mirror traffic names a
 * deployment deleted since.
 */
class TrafficHistoryTest {
  private static final Actor ALICE = new Actor("alice", "req-1");
  private static final String T0 = "2026-01-31T12:00:00Z";

  @TempDir
  Path dataDir;
  private Store store;
  private TrafficHistory history;

  @BeforeEach
  void open() throws Exception {
    store = Store.open(dataDir);
    history = new TrafficHistory(store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static JsonObject weights(String json) {
    return new JsonObject(json);
  }

  private void record(long revision, String traffic, String mirror) {
    history.record("credit", revision, weights(traffic), weights(mirror), ALICE, null, T0);
  }

  private static InferbusException refused(FailureKind kind, Executable call, String... fragments) {
    InferbusException e = assertThrows(InferbusException.class, call);
    assertEquals(kind, e.kind(), e.getMessage());
    assertEquals("to_revision", e.target(), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message should contain '" + f + "': " + e.getMessage());
    }
    return e;
  }

  // ------------------------------------------------------------ entries

  @Test
  void anEntryShowsRevisionWeightsWhoAndWhen() {
    JsonObject shown = history.record("credit", 1, weights("{\"blue\": 90, \"green\": 10}"),
        weights("{\"red\": 20}"), ALICE, null, T0);
    JsonObject expected = new JsonObject()
        .put("revision", 1L)
        .put("traffic", weights("{\"blue\": 90, \"green\": 10}"))
        .put("mirror_traffic", weights("{\"red\": 20}"))
        .put("actor", "alice")
        .put("time", T0)
        .put("request_id", "req-1");
    assertEquals(expected, shown);
    assertEquals(List.of(expected), history.entries("credit"));
    assertEquals(Optional.of(expected), history.entry("credit", 1));
    assertFalse(shown.containsKey("rolled_back_to"), "only a rollback names the revision it re-applied");
  }

  @Test
  void aRollbackEntryNamesTheRevisionItReapplied() {
    record(1, "{}", "{}");
    JsonObject shown = history.record("credit", 2, weights("{}"), weights("{}"), ALICE, 1L, T0);
    assertEquals(1L, shown.getLong("rolled_back_to"));
    assertEquals(1L, history.entry("credit", 2).orElseThrow().getLong("rolled_back_to"));
  }

  @Test
  void entriesAreInRevisionOrderPerEndpoint() {
    for (long rev : List.of(10L, 2L, 1L, 11L, 3L)) {
      record(rev, "{\"blue\": 100}", "{}");
    }
    history.record("fraud", 1, weights("{}"), weights("{}"), ALICE, null, T0);
    assertEquals(List.of(1L, 2L, 3L, 10L, 11L),
        history.entries("credit").stream().map(e -> e.getLong("revision")).toList());
    assertEquals(1, history.entries("fraud").size());
    assertEquals(List.of(), history.entries("nosuch"));
  }

  @Test
  void entriesSurviveReopeningTheStore() throws Exception {
    record(1, "{\"blue\": 100}", "{}");
    store.close();
    store = Store.open(dataDir);
    history = new TrafficHistory(store);
    assertEquals(100, history.entry("credit", 1).orElseThrow().getJsonObject("traffic").getInteger("blue"));
  }

  @Test
  void rowsWrittenBeforeRollbackExistedReadTheSame() {
    // The row as the control plane wrote it before this change: time in "at", no rolled_back_to.
    store.put(Table.TRAFFIC_REVISIONS, new JsonObject()
        .put("revision", 2L)
        .put("traffic", weights("{\"blue\": 100}"))
        .put("mirror_traffic", weights("{}"))
        .put("actor", "inferbus")
        .putNull("request_id")
        .put("at", T0), "credit", "000000000002");
    JsonObject entry = history.entry("credit", 2).orElseThrow();
    assertEquals(T0, entry.getString("time"));
    assertEquals("inferbus", entry.getString("actor"));
    assertFalse(entry.containsKey("request_id"), "an unknown request id is left out, not null");
    assertFalse(entry.containsKey("at"));
    Instant.parse(entry.getString("time"));
  }

  @Test
  void deleteAllForgetsOneEndpointOnly() {
    record(1, "{}", "{}");
    history.record("fraud", 1, weights("{}"), weights("{}"), ALICE, null, T0);
    history.deleteAll("credit");
    assertEquals(List.of(), history.entries("credit"));
    assertEquals(1, history.entries("fraud").size());
  }

  // ------------------------------------------------------------ which revision a rollback re-applies

  @Test
  void withoutToRevisionTheRevisionBeforeTheCurrentOneIsChosen() {
    record(1, "{}", "{}");
    record(2, "{\"blue\": 100}", "{}");
    record(3, "{\"blue\": 90, \"green\": 10}", "{}");
    assertEquals(2L, history.rollbackTarget("credit", 3, null).getLong("revision"));
    assertEquals(1L, history.rollbackTarget("credit", 2, null).getLong("revision"));
  }

  @Test
  void aGivenRevisionIsChosenEvenTheCurrentOne() {
    record(1, "{}", "{}");
    record(2, "{\"blue\": 100}", "{}");
    assertEquals(1L, history.rollbackTarget("credit", 2, 1L).getLong("revision"));
    assertEquals(2L, history.rollbackTarget("credit", 2, 2L).getLong("revision"));
  }

  @Test
  void rollbackWithoutAnEarlierRevisionIsAConflict() {
    record(1, "{}", "{}");
    refused(FailureKind.CONFLICT, () -> history.rollbackTarget("credit", 1, null),
        "endpoint 'credit' is at traffic revision 1, its first", "no previous revision");
    refused(FailureKind.CONFLICT, () -> history.rollbackTarget("credit", 0, null), "no previous revision");
  }

  @Test
  void rollbackToARevisionTheEndpointDoesNotHaveIsNotFound() {
    record(1, "{}", "{}");
    record(2, "{\"blue\": 100}", "{}");
    refused(FailureKind.NOT_FOUND, () -> history.rollbackTarget("credit", 2, 3L),
        "endpoint 'credit' has no traffic revision 3", "its revisions are 1 to 2",
        "GET /endpoints/credit/traffic/history");
    refused(FailureKind.NOT_FOUND, () -> history.rollbackTarget("credit", 2, Long.MAX_VALUE),
        "no traffic revision " + Long.MAX_VALUE);
    refused(FailureKind.NOT_FOUND, () -> history.rollbackTarget("fraud", 0, 1L), "endpoint 'fraud'");
  }

  // ------------------------------------------------------------ the request body

  @Test
  void anEmptyBodyMeansThePreviousRevision() {
    assertNull(TrafficHistory.toRevision(new JsonObject()));
  }

  @Test
  void toRevisionIsAWholeNumberFromOne() {
    assertEquals(1L, TrafficHistory.toRevision(new JsonObject("{\"to_revision\": 1}")));
    assertEquals(4_000_000_000L, TrafficHistory.toRevision(new JsonObject("{\"to_revision\": 4000000000}")));
  }

  @Test
  void toRevisionThatIsNotAWholeNumberFromOneIsRefusedShowingTheRightForm() {
    for (String bad : List.of("0", "-1", "-9223372036854775808", "2.5", "\"2\"", "\"\"", "null", "true", "{}",
        "[2]", "123456789012345678901234567890")) {
      InferbusException e = refused(FailureKind.BAD_INPUT,
          () -> TrafficHistory.toRevision(new JsonObject("{\"to_revision\": " + bad + "}")),
          "to_revision is ", "whole number from 1 up", "GET /endpoints/{e}/traffic/history",
          "leave it out to roll back to the previous revision");
      assertTrue(e.getMessage().startsWith("to_revision is "), e.getMessage());
    }
  }

  @Test
  void fieldsOtherThanToRevisionAreRefused() {
    InferbusException e = assertThrows(InferbusException.class,
        () -> TrafficHistory.toRevision(new JsonObject("{\"revision\": 2}")));
    assertEquals(FailureKind.BAD_INPUT, e.kind());
    assertEquals("revision", e.target());
    assertTrue(e.getMessage().contains("{\"to_revision\": n}"), e.getMessage());
    assertThrows(InferbusException.class,
        () -> TrafficHistory.toRevision(new JsonObject("{\"to_revision\": 2, \"traffic\": {}}")));
  }

  // ------------------------------------------------------------ re-applying the weights

  @Test
  void weightsAreReappliedAsTheyWere() {
    JsonObject target = history.record("credit", 3, weights("{\"blue\": 90, \"green\": 10}"),
        weights("{\"red\": 20}"), ALICE, null, T0);
    assertEquals(new JsonObject()
            .put("traffic", weights("{\"blue\": 90, \"green\": 10}"))
            .put("mirror_traffic", weights("{\"red\": 20}")),
        TrafficHistory.weightsToReapply("credit", target, Set.of("blue", "green", "red")));
  }

  @Test
  void aDeploymentDeletedSinceAtZeroPercentIsLeftOut() {
    JsonObject target = history.record("credit", 3, weights("{\"blue\": 100, \"green\": 0}"),
        weights("{}"), ALICE, null, T0);
    assertEquals(weights("{\"blue\": 100}"),
        TrafficHistory.weightsToReapply("credit", target, Set.of("blue")).getJsonObject("traffic"));
  }

  @Test
  void aDeploymentDeletedSinceWithLiveTrafficIsRefusedByName() {
    JsonObject target = history.record("credit", 3, weights("{\"blue\": 90, \"green\": 10}"), weights("{}"),
        ALICE, null, T0);
    refused(FailureKind.BAD_INPUT, () -> TrafficHistory.weightsToReapply("credit", target, Set.of("blue")),
        "traffic revision 3 of endpoint 'credit' sends 10 % of live traffic to deployment 'green'",
        "deleted since", "recreate 'green' first, or roll back to another revision");
  }

  @Test
  void aDeploymentDeletedSinceWithMirrorTrafficIsRefusedByName() {
    JsonObject target = history.record("credit", 4, weights("{\"blue\": 100}"), weights("{\"green\": 20}"),
        ALICE, null, T0);
    refused(FailureKind.BAD_INPUT, () -> TrafficHistory.weightsToReapply("credit", target, Set.of("blue")),
        "traffic revision 4 of endpoint 'credit' mirrors 20 % of traffic to deployment 'green'", "deleted since");
  }
}
