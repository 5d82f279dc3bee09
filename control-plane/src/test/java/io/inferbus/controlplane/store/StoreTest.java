package io.inferbus.controlplane.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.store.Store.Table;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @TempDir
  Path dataDir;

  private Store store;

  @BeforeEach
  void open() throws Exception {
    store = Store.open(dataDir);
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private Store reopen() throws Exception {
    store.close();
    store = Store.open(dataDir);
    return store;
  }

  private static JsonObject doc(String name, int n) {
    return new JsonObject().put("name", name).put("n", n);
  }

  private static List<String> names(List<JsonObject> docs) {
    return docs.stream().map(d -> d.getString("name")).toList();
  }

  // ------------------------------------------------------------ put / get / delete per table

  @Test
  void endpointsPutGetReplaceDelete() {
    assertEquals(Optional.empty(), store.get(Table.ENDPOINTS, "credit"));

    store.put(Table.ENDPOINTS, doc("credit", 1), "credit");
    assertEquals(doc("credit", 1), store.get(Table.ENDPOINTS, "credit").orElseThrow());

    store.put(Table.ENDPOINTS, doc("credit", 2), "credit");
    assertEquals(doc("credit", 2), store.get(Table.ENDPOINTS, "credit").orElseThrow(),
        "a put on an existing key replaces the document");
    assertEquals(1, store.list(Table.ENDPOINTS, null).size(), "replacing must not add a second row");

    store.delete(Table.ENDPOINTS, "credit");
    assertEquals(Optional.empty(), store.get(Table.ENDPOINTS, "credit"));
    assertEquals(List.of(), store.list(Table.ENDPOINTS, null));
  }

  @Test
  void modelsAreKeyedByNameAndVersion() {
    store.put(Table.MODELS, new JsonObject().put("name", "credit").put("version", "1"), "credit", "1");
    store.put(Table.MODELS, new JsonObject().put("name", "credit").put("version", "2"), "credit", "2");
    store.put(Table.MODELS, new JsonObject().put("name", "fraud").put("version", "1"), "fraud", "1");

    assertEquals("2", store.get(Table.MODELS, "credit", "2").orElseThrow().getString("version"));
    assertEquals(Optional.empty(), store.get(Table.MODELS, "credit", "3"));
    assertEquals(Optional.empty(), store.get(Table.MODELS, "fraud", "2"));

    store.delete(Table.MODELS, "credit", "1");
    assertEquals(Optional.empty(), store.get(Table.MODELS, "credit", "1"));
    assertTrue(store.get(Table.MODELS, "credit", "2").isPresent(), "deleting one version keeps the others");
    assertTrue(store.get(Table.MODELS, "fraud", "1").isPresent());
  }

  @Test
  void deploymentsAreKeyedByEndpointAndName() {
    store.put(Table.DEPLOYMENTS, doc("blue", 1), "credit", "blue");
    store.put(Table.DEPLOYMENTS, doc("blue", 2), "fraud", "blue");

    assertEquals(1, store.get(Table.DEPLOYMENTS, "credit", "blue").orElseThrow().getInteger("n"));
    assertEquals(2, store.get(Table.DEPLOYMENTS, "fraud", "blue").orElseThrow().getInteger("n"),
        "the same deployment name under two endpoints is two rows");

    store.delete(Table.DEPLOYMENTS, "credit", "blue");
    assertEquals(Optional.empty(), store.get(Table.DEPLOYMENTS, "credit", "blue"));
    assertTrue(store.get(Table.DEPLOYMENTS, "fraud", "blue").isPresent());
  }

  @Test
  void trafficRevisionsPutGetDelete() {
    store.put(Table.TRAFFIC_REVISIONS, new JsonObject().put("revision", 1), "credit", "000000000001");
    assertEquals(1, store.get(Table.TRAFFIC_REVISIONS, "credit", "000000000001").orElseThrow().getInteger("revision"));
    store.delete(Table.TRAFFIC_REVISIONS, "credit", "000000000001");
    assertEquals(Optional.empty(), store.get(Table.TRAFFIC_REVISIONS, "credit", "000000000001"));
  }

  @Test
  void documentsRoundTripNestedJsonUnchanged() {
    JsonObject nested = new JsonObject()
        .put("traffic", new JsonObject().put("blue", 90).put("green", 10))
        .put("tags", new JsonObject().put("owner", "risk-team"))
        .put("description", "quotes \" and unicode é ✓")
        .putNull("nothing");
    store.put(Table.ENDPOINTS, nested, "credit");
    assertEquals(nested, store.get(Table.ENDPOINTS, "credit").orElseThrow());
  }

  // ------------------------------------------------------------ list and its order

  @Test
  void listReturnsAllRowsInKeyOrderRegardlessOfInsertionOrder() {
    for (String name : List.of("zeta", "alpha", "mid", "beta")) {
      store.put(Table.ENDPOINTS, doc(name, 0), name);
    }
    assertEquals(List.of("alpha", "beta", "mid", "zeta"), names(store.list(Table.ENDPOINTS, null)));
  }

  @Test
  void listByFirstKeyReturnsOnlyThatParentsRowsOrderedBySecondKey() {
    store.put(Table.DEPLOYMENTS, doc("green", 0), "credit", "green");
    store.put(Table.DEPLOYMENTS, doc("other", 0), "fraud", "other");
    store.put(Table.DEPLOYMENTS, doc("blue", 0), "credit", "blue");
    store.put(Table.DEPLOYMENTS, doc("amber", 0), "credit", "amber");
    store.put(Table.DEPLOYMENTS, doc("x", 0), "credit-2", "x");

    assertEquals(List.of("amber", "blue", "green"), names(store.list(Table.DEPLOYMENTS, "credit")));
    assertEquals(List.of("other"), names(store.list(Table.DEPLOYMENTS, "fraud")));
    assertEquals(List.of(), store.list(Table.DEPLOYMENTS, "nosuch"));
    assertEquals(List.of("amber", "blue", "green", "x", "other"), names(store.list(Table.DEPLOYMENTS, null)),
        "the whole table is ordered by the first key, then the second");
  }

  @Test
  void zeroPaddedRevisionKeysListInNumericOrder() {
    // The service keys revisions as %012d so that text order is numeric order (2 before 10).
    for (long rev : List.of(10L, 2L, 1L, 11L)) {
      store.put(Table.TRAFFIC_REVISIONS, new JsonObject().put("revision", rev), "credit", String.format("%012d", rev));
    }
    List<Long> revisions = store.list(Table.TRAFFIC_REVISIONS, "credit").stream()
        .map(d -> d.getLong("revision")).toList();
    assertEquals(List.of(1L, 2L, 10L, 11L), revisions);
  }

  // ------------------------------------------------------------ deleteAll

  @Test
  void deleteAllRemovesEveryRowOfTheFirstKeyAndNothingElse() {
    store.put(Table.DEPLOYMENTS, doc("blue", 0), "credit", "blue");
    store.put(Table.DEPLOYMENTS, doc("green", 0), "credit", "green");
    store.put(Table.DEPLOYMENTS, doc("blue", 0), "fraud", "blue");
    store.put(Table.DEPLOYMENTS, doc("blue", 0), "credit-2", "blue");
    store.put(Table.TRAFFIC_REVISIONS, new JsonObject(), "credit", "000000000001");

    store.deleteAll(Table.DEPLOYMENTS, "credit");

    assertEquals(List.of(), store.list(Table.DEPLOYMENTS, "credit"));
    assertEquals(List.of("blue"), names(store.list(Table.DEPLOYMENTS, "fraud")));
    assertEquals(List.of("blue"), names(store.list(Table.DEPLOYMENTS, "credit-2")),
        "a name that merely starts with the first key is another parent");
    assertEquals(1, store.list(Table.TRAFFIC_REVISIONS, "credit").size(), "other tables are untouched");
  }

  // ------------------------------------------------------------ transactions

  @Test
  void transactionCommitsAllWritesAndReturnsTheResult() throws Exception {
    String result = store.transaction(() -> {
      store.put(Table.ENDPOINTS, doc("credit", 1), "credit");
      store.put(Table.DEPLOYMENTS, doc("blue", 1), "credit", "blue");
      return "done";
    });
    assertEquals("done", result);
    reopen();
    assertTrue(store.get(Table.ENDPOINTS, "credit").isPresent());
    assertTrue(store.get(Table.DEPLOYMENTS, "credit", "blue").isPresent());
  }

  @Test
  void transactionThatThrowsLeavesNothingWrittenAndRethrowsTheSameException() throws Exception {
    store.put(Table.ENDPOINTS, doc("credit", 1), "credit");
    IllegalStateException boom = new IllegalStateException("boom");

    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> store.transaction(() -> {
      store.put(Table.ENDPOINTS, doc("credit", 2), "credit");
      store.put(Table.DEPLOYMENTS, doc("blue", 1), "credit", "blue");
      store.appendAudit(new JsonObject().put("action", "half-done"));
      store.delete(Table.ENDPOINTS, "credit");
      throw boom;
    }));

    assertSame(boom, thrown);
    assertEquals(1, store.get(Table.ENDPOINTS, "credit").orElseThrow().getInteger("n"), "the old document stays");
    assertEquals(Optional.empty(), store.get(Table.DEPLOYMENTS, "credit", "blue"));
    assertEquals(List.of(), store.audit(0, 100));
    reopen();
    assertEquals(1, store.get(Table.ENDPOINTS, "credit").orElseThrow().getInteger("n"));
    assertEquals(Optional.empty(), store.get(Table.DEPLOYMENTS, "credit", "blue"));
  }

  @Test
  void transactionInterruptedByAnErrorAlsoLeavesNothingWritten() throws Exception {
    // An Error (OutOfMemoryError, StackOverflowError, a failed assertion) half-way through must not
    // commit the writes made before it.
    AssertionError error = assertThrows(AssertionError.class, () -> store.transaction(() -> {
      store.put(Table.ENDPOINTS, doc("credit", 1), "credit");
      throw new AssertionError("interrupted");
    }));
    assertEquals("interrupted", error.getMessage());

    assertEquals(Optional.empty(), store.get(Table.ENDPOINTS, "credit"));
    reopen();
    assertEquals(Optional.empty(), store.get(Table.ENDPOINTS, "credit"));
  }

  @Test
  void writesAfterARolledBackTransactionAreCommittedOnTheirOwn() throws Exception {
    assertThrows(RuntimeException.class, () -> store.transaction(() -> {
      store.put(Table.ENDPOINTS, doc("lost", 1), "lost");
      throw new RuntimeException("boom");
    }));
    store.put(Table.ENDPOINTS, doc("kept", 1), "kept");
    reopen();
    assertEquals(List.of("kept"), names(store.list(Table.ENDPOINTS, null)));
  }

  // ------------------------------------------------------------ audit

  @Test
  void appendAuditReturnsIncreasingSequenceNumbersAndAuditReturnsThemOldestFirst() {
    long a = store.appendAudit(new JsonObject().put("at", 1000L).put("action", "a"));
    long b = store.appendAudit(new JsonObject().put("at", 2000L).put("action", "b"));
    long c = store.appendAudit(new JsonObject().put("at", 3000L).put("action", "c"));
    assertTrue(a > 0 && a < b && b < c, "sequence numbers must increase: " + a + ", " + b + ", " + c);

    List<JsonObject> all = store.audit(0, 100);
    assertEquals(List.of("a", "b", "c"), all.stream().map(r -> r.getString("action")).toList());
    assertEquals(List.of(a, b, c), all.stream().map(r -> r.getLong("seq")).toList(),
        "each record carries its sequence number");
  }

  @Test
  void auditFiltersByTimeInclusiveAndHonoursTheLimit() {
    for (long at : List.of(1000L, 2000L, 3000L, 4000L)) {
      store.appendAudit(new JsonObject().put("at", at).put("action", "at-" + at));
    }
    assertEquals(List.of("at-2000", "at-3000", "at-4000"), actions(store.audit(2000, 100)),
        "records at exactly 'since' are included");
    assertEquals(List.of("at-3000", "at-4000"), actions(store.audit(2500, 100)));
    assertEquals(List.of(), store.audit(4001, 100));
    assertEquals(List.of("at-1000", "at-2000"), actions(store.audit(0, 2)), "at most 'limit', oldest first");
  }

  @Test
  void auditRecordWithoutTimeIsStampedWithNow() {
    long before = System.currentTimeMillis();
    store.appendAudit(new JsonObject().put("action", "now"));
    long after = System.currentTimeMillis();
    assertEquals(List.of("now"), actions(store.audit(before, 10)));
    assertEquals(List.of(), store.audit(after + 1, 10));
  }

  private static List<String> actions(List<JsonObject> records) {
    return records.stream().map(r -> r.getString("action")).toList();
  }

  // ------------------------------------------------------------ durability and mode

  @Test
  void dataSurvivesCloseAndReopenOfTheSameDirectory() throws Exception {
    store.put(Table.ENDPOINTS, doc("credit", 7), "credit");
    store.put(Table.MODELS, new JsonObject().put("v", "1"), "credit", "1");
    store.put(Table.DEPLOYMENTS, doc("blue", 3), "credit", "blue");
    store.put(Table.TRAFFIC_REVISIONS, new JsonObject().put("revision", 1), "credit", "000000000001");
    long seq = store.appendAudit(new JsonObject().put("at", 5L).put("action", "create"));

    reopen();

    assertEquals(doc("credit", 7), store.get(Table.ENDPOINTS, "credit").orElseThrow());
    assertEquals("1", store.get(Table.MODELS, "credit", "1").orElseThrow().getString("v"));
    assertEquals(doc("blue", 3), store.get(Table.DEPLOYMENTS, "credit", "blue").orElseThrow());
    assertTrue(store.get(Table.TRAFFIC_REVISIONS, "credit", "000000000001").isPresent());
    assertEquals(List.of(seq), store.audit(0, 10).stream().map(r -> r.getLong("seq")).toList());

    long next = store.appendAudit(new JsonObject().put("at", 6L));
    assertTrue(next > seq, "sequence numbers keep increasing after a restart");
  }

  @Test
  void committedWriteIsVisibleToAnotherConnectionBeforeTheWriterCloses() throws Exception {
    store.put(Table.ENDPOINTS, doc("credit", 1), "credit");
    try (Store second = Store.open(dataDir)) {
      assertEquals(doc("credit", 1), second.get(Table.ENDPOINTS, "credit").orElseThrow());
    }
  }

  @Test
  void openCreatesAMissingDataDirectory() throws Exception {
    Path nested = dataDir.resolve("a").resolve("b");
    try (Store s = Store.open(nested)) {
      s.put(Table.ENDPOINTS, doc("x", 1), "x");
    }
    assertTrue(nested.resolve(Store.FILE_NAME).toFile().isFile());
  }

  @Test
  void databaseIsInWalJournalMode() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(Store.FILE_NAME));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      assertTrue(rs.next());
      assertEquals("wal", rs.getString(1).toLowerCase(java.util.Locale.ROOT));
    }
  }

  @Test
  void aStoreWrittenBeforeRolloutsOpensWithItsDataAndAnEmptyRolloutsTable() throws Exception {
    store.close();
    store = null;
    // the data directory of a release without the rollouts table: its endpoints and their revisions only
    Path old = dataDir.resolve("before-rollouts");
    java.nio.file.Files.createDirectories(old);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old.resolve(Store.FILE_NAME));
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE endpoints (name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (name))");
      s.execute("INSERT INTO endpoints (name, doc) VALUES ('credit', '{\"name\":\"credit\",\"n\":1}')");
    }
    store = Store.open(old);
    assertEquals(doc("credit", 1), store.get(Table.ENDPOINTS, "credit").orElseThrow());
    assertEquals(List.of(), store.list(Table.ROLLOUTS, null));
    store.put(Table.ROLLOUTS, doc("credit", 2), "credit");
    store.close();
    store = Store.open(old);
    assertEquals(doc("credit", 2), store.get(Table.ROLLOUTS, "credit").orElseThrow());
  }
}
