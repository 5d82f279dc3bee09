package io.inferbus.controlplane.store;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The control plane's durable store of desired state: one SQLite file in the data directory, in WAL
 * mode with {@code synchronous=FULL}, so a committed change survives a killed process and a power
 * cut. Each entity is a JSON document keyed by its natural id. Not thread-safe: the control plane
 * calls it from its single store thread only (see {@code ControlPlaneService}).
 */
public final class Store implements AutoCloseable {
  public static final String FILE_NAME = "inferbus.db";

  /** The tables and the columns of their keys. */
  public enum Table {
    MODELS("models", "name", "version"),
    ENDPOINTS("endpoints", "name"),
    DEPLOYMENTS("deployments", "endpoint", "name"),
    TRAFFIC_REVISIONS("traffic_revisions", "endpoint", "revision"),
    /** Operator tokens by id ({@code jti}): named tokens, and revoked admin tokens (never a token's text). */
    OPERATOR_TOKENS("operator_tokens", "id"),
    /** Nodes removed from the cluster by name: their credentials are refused ({@code NodeRemovals}). */
    REMOVED_NODES("removed_nodes", "name"),
    /**
     * Each endpoint's canary rollout, running or the last one ended ({@code rollout.RolloutService}).
     * New in the rollout release: a store written before it gets the table, empty, when it is opened.
     */
    ROLLOUTS("rollouts", "endpoint");

    final String sql;
    final String[] keys;

    Table(String sql, String... keys) {
      this.sql = sql;
      this.keys = keys;
    }
  }

  private final Connection connection;

  private Store(Connection connection) {
    this.connection = connection;
  }

  public static Store open(Path dataDir) throws SQLException {
    try {
      Files.createDirectories(dataDir);
    } catch (java.io.IOException e) {
      throw new SQLException("cannot create the data directory " + dataDir, e);
    }
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(FILE_NAME));
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      for (Table t : Table.values()) {
        String keyCols = String.join(", ", t.keys);
        s.execute("CREATE TABLE IF NOT EXISTS " + t.sql + " (" + String.join(" TEXT NOT NULL, ", t.keys)
            + " TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (" + keyCols + "))");
      }
      s.execute("CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
          + " doc TEXT NOT NULL)");
      // per-minute statistics (rollups.MinuteRollups); added in a later version: older stores gain it empty
      s.execute("CREATE TABLE IF NOT EXISTS rollups (endpoint TEXT NOT NULL, deployment TEXT NOT NULL,"
          + " revision INTEGER NOT NULL, minute INTEGER NOT NULL, requests INTEGER NOT NULL, stats TEXT NOT NULL,"
          + " PRIMARY KEY (endpoint, deployment, revision, minute))");
      s.execute("CREATE INDEX IF NOT EXISTS rollups_by_minute ON rollups (minute)");
    }
    return new Store(c);
  }

  public Optional<JsonObject> get(Table table, String... key) {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT doc FROM " + table.sql + " WHERE " + where(table))) {
      bind(ps, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(new JsonObject(rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** All documents of a table, or those whose first key column equals {@code firstKey}, in key order. */
  public List<JsonObject> list(Table table, String firstKey) {
    String sql = "SELECT doc FROM " + table.sql + (firstKey == null ? "" : " WHERE " + table.keys[0] + " = ?")
        + " ORDER BY " + String.join(", ", table.keys);
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      if (firstKey != null) {
        ps.setString(1, firstKey);
      }
      List<JsonObject> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new JsonObject(rs.getString(1)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  public void put(Table table, JsonObject doc, String... key) {
    String cols = String.join(", ", table.keys) + ", doc";
    String marks = "?, ".repeat(table.keys.length) + "?";
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT OR REPLACE INTO " + table.sql + " (" + cols + ") VALUES (" + marks + ")")) {
      bind(ps, key);
      ps.setString(key.length + 1, doc.encode());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  public void delete(Table table, String... key) {
    try (PreparedStatement ps = connection.prepareStatement("DELETE FROM " + table.sql + " WHERE " + where(table))) {
      bind(ps, key);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Deletes every row whose first key column equals {@code firstKey}. */
  public void deleteAll(Table table, String firstKey) {
    try (PreparedStatement ps = connection.prepareStatement(
        "DELETE FROM " + table.sql + " WHERE " + table.keys[0] + " = ?")) {
      ps.setString(1, firstKey);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Appends an audit record (built by {@code audit.AuditLog}); returns its sequence number. */
  public long appendAudit(JsonObject record) {
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO audit (at, doc) VALUES (?, ?)", Statement.RETURN_GENERATED_KEYS)) {
      ps.setLong(1, record.getLong("at", System.currentTimeMillis()));
      ps.setString(2, record.encode());
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        return keys.next() ? keys.getLong(1) : -1;
      }
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Audit records at or after {@code sinceMillis}, oldest first, at most {@code limit}. */
  public List<JsonObject> audit(long sinceMillis, int limit) {
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT seq, doc FROM audit WHERE at >= ? ORDER BY seq LIMIT ?")) {
      ps.setLong(1, sinceMillis);
      ps.setInt(2, limit);
      List<JsonObject> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new JsonObject(rs.getString(2)).put("seq", rs.getLong(1)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** One stored per-minute rollup row; {@code stats} is a {@code WindowStats} document. */
  public record RollupRow(String endpoint, String deployment, long revision, long minute, long requests,
      JsonObject stats) {}

  /**
   * Stores a minute's numbers unless the row already holds as many requests or more: a minute is
   * gathered again and again while it fills (and after), so the same numbers stored twice are stored
   * once, and a later answer missing a gateway that went away never lowers what was counted.
   * Returns whether the row was written.
   */
  public boolean upsertRollup(RollupRow row) {
    try (PreparedStatement ps = connection.prepareStatement(
        "INSERT INTO rollups (endpoint, deployment, revision, minute, requests, stats) VALUES (?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (endpoint, deployment, revision, minute) DO UPDATE SET requests = excluded.requests,"
            + " stats = excluded.stats WHERE excluded.requests > rollups.requests")) {
      ps.setString(1, row.endpoint());
      ps.setString(2, row.deployment());
      ps.setLong(3, row.revision());
      ps.setLong(4, row.minute());
      ps.setLong(5, row.requests());
      ps.setString(6, row.stats().encode());
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** An endpoint's rollup rows whose minute starts in {@code [fromMs, toMs)}, by minute. */
  public List<RollupRow> rollups(String endpoint, long fromMs, long toMs) {
    try (PreparedStatement ps = connection.prepareStatement("SELECT deployment, revision, minute, requests, stats"
        + " FROM rollups WHERE endpoint = ? AND minute >= ? AND minute < ? ORDER BY minute, deployment, revision")) {
      ps.setString(1, endpoint);
      ps.setLong(2, fromMs);
      ps.setLong(3, toMs);
      List<RollupRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new RollupRow(endpoint, rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
              new JsonObject(rs.getString(5))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /**
   * Deletes the rollup rows of minutes before {@code beforeMs}, then, while more than {@code maxRows}
   * remain, the oldest minutes' rows; returns how many rows went.
   */
  public long pruneRollups(long beforeMs, long maxRows) {
    try (PreparedStatement old = connection.prepareStatement("DELETE FROM rollups WHERE minute < ?");
        Statement s = connection.createStatement()) {
      old.setLong(1, beforeMs);
      long deleted = old.executeUpdate();
      long rows;
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM rollups")) {
        rows = rs.next() ? rs.getLong(1) : 0;
      }
      if (rows > maxRows) {
        try (PreparedStatement over = connection.prepareStatement(
            "DELETE FROM rollups WHERE rowid IN (SELECT rowid FROM rollups ORDER BY minute LIMIT ?)")) {
          over.setLong(1, rows - maxRows);
          deleted += over.executeUpdate();
        }
      }
      return deleted;
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** Runs {@code work} in one transaction: all of its writes are durable together, or none is. */
  public <T> T transaction(java.util.concurrent.Callable<T> work) throws Exception {
    connection.setAutoCommit(false);
    try {
      T result = work.call();
      connection.commit();
      return result;
    } catch (Throwable e) {
      // Throwable, not Exception: on an Error the finally below would otherwise re-enable auto-commit,
      // which commits the half-done transaction.
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  private static String where(Table table) {
    StringBuilder sb = new StringBuilder();
    for (String k : table.keys) {
      if (!sb.isEmpty()) {
        sb.append(" AND ");
      }
      sb.append(k).append(" = ?");
    }
    return sb.toString();
  }

  private static void bind(PreparedStatement ps, String... key) throws SQLException {
    for (int i = 0; i < key.length; i++) {
      ps.setString(i + 1, key[i]);
    }
  }

  /** A store failure: always a server-side problem, never the caller's. */
  public static final class StoreException extends RuntimeException {
    StoreException(SQLException e) {
      super("store: " + e.getMessage(), e);
    }
  }
}
