package io.inferbus.protocol.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One of the cluster's maps as signed records ({@link ClusterRecords}): writes seal, reads return
 * only records that verify.
 *
 * <p>A writer that owns entries (the control plane its tables, a node its own entry) can {@link
 * #guard} the map: it remembers what it wrote, and whatever else appears at those keys (a forged
 * record, garbage, a removal, a replay of its own older record) is written back at once. Records
 * that do not verify at keys it never wrote are removed. A valid record another credential wrote
 * (a second control plane) is left alone.
 */
public final class SignedMap {
  /** What the guard remembers for a key this node removed. */
  private static final Written REMOVED = new Written(null, null, 0);

  private final ClusterRecords records;
  private final String name;
  private final IMap<String, String> map;
  /** key → what this node last wrote there, or {@link #REMOVED}; only while guarded. */
  private final Map<String, Written> written = new ConcurrentHashMap<>();
  private volatile boolean guarded;
  private UUID listener;

  SignedMap(ClusterRecords records, String name) {
    this.records = records;
    this.name = name;
    this.map = records.hazelcast().getMap(name);
  }

  public String name() {
    return name;
  }

  /** Writes {@code record} at {@code key}, signed; completes on {@code context}. */
  public Future<Void> setAsync(String key, JsonObject record, Context context) {
    String sealed = records.seal(name, key, record);
    remember(key, new Written(sealed, record, 0));
    return Future.fromCompletionStage(map.setAsync(key, sealed), context);
  }

  /** Like {@link #setAsync(String, JsonObject, Context)}, the entry expiring after {@code ttlSeconds}. */
  public Future<Void> setAsync(String key, JsonObject record, long ttlSeconds, Context context) {
    String sealed = records.seal(name, key, record);
    remember(key, new Written(sealed, record, System.currentTimeMillis() + ttlSeconds * 1000));
    return Future.fromCompletionStage(map.setAsync(key, sealed, ttlSeconds, TimeUnit.SECONDS), context);
  }

  /** Blocking: call from a worker. */
  public void set(String key, JsonObject record) {
    String sealed = records.seal(name, key, record);
    remember(key, new Written(sealed, record, 0));
    map.set(key, sealed);
  }

  /** Blocking, the entry expiring after {@code ttlSeconds}. */
  public void set(String key, JsonObject record, long ttlSeconds) {
    String sealed = records.seal(name, key, record);
    remember(key, new Written(sealed, record, System.currentTimeMillis() + ttlSeconds * 1000));
    map.set(key, sealed, ttlSeconds, TimeUnit.SECONDS);
  }

  public Future<Void> removeAsync(String key, Context context) {
    remember(key, REMOVED);
    return Future.fromCompletionStage(map.removeAsync(key), context).mapEmpty();
  }

  /** Blocking: call from a worker. */
  public void delete(String key) {
    remember(key, REMOVED);
    map.delete(key);
  }

  /** The keys present, whatever their records. Blocking. */
  public Set<String> keySet() {
    return map.keySet();
  }

  /** The record at {@code key} if present and valid, else null (a rejection is logged). Blocking. */
  public JsonObject get(String key) {
    String stored = map.get(key);
    return stored == null ? null : openOrNull(key, stored, "ignored");
  }

  /** The record at {@code key} if present (else null), or why it is not valid; nothing is logged. Blocking. */
  public SealedRecord open(String key) throws RecordRejected {
    String stored = map.get(key);
    return stored == null ? null : records.open(name, key, stored);
  }

  /** Every valid record, by key (rejections are logged and left out). Blocking. */
  public Map<String, JsonObject> entries() {
    Map<String, JsonObject> valid = new HashMap<>();
    for (Map.Entry<String, String> e : map.entrySet()) {
      JsonObject body = openOrNull(e.getKey(), e.getValue(), "ignored");
      if (body != null) {
        valid.put(e.getKey(), body);
      }
    }
    return valid;
  }

  /**
   * Starts guarding: from now on this node's writes are remembered and put back when anything
   * else replaces or removes them, and records that do not verify are removed. Blocking (it removes
   * what does not verify now): call from a worker.
   */
  public synchronized SignedMap guard() {
    if (listener != null) {
      return this;
    }
    guarded = true;
    listener = map.addEntryListener(new Guard(), true);
    for (Map.Entry<String, String> e : map.entrySet()) {
      check(e.getKey(), e.getValue());
    }
    return this;
  }

  public synchronized void stopGuarding() {
    guarded = false;
    if (listener != null) {
      map.removeEntryListener(listener);
      listener = null;
    }
    written.clear();
  }

  private void remember(String key, Written value) {
    if (guarded) {
      written.put(key, value);
    }
  }

  private JsonObject openOrNull(String key, String stored, String action) {
    try {
      return records.open(name, key, stored).body();
    } catch (RecordRejected e) {
      records.rejected(name, key, e, action);
      return null;
    }
  }

  /** What the guard does when the entry at {@code key} became {@code value} (null: removed). */
  private void check(String key, String value) {
    Written mine = written.get(key);
    if (mine == null) {
      if (value != null && openOrNull(key, value, "removing it") == null) {
        map.removeAsync(key);
        records.repaired(name, key, "removed: it did not verify");
      }
      return;
    }
    if (value == null ? mine == REMOVED : value.equals(mine.value)) {
      return;
    }
    // events may arrive late (one of this node's own earlier writes, say): act on what the entry holds now
    map.getAsync(key).thenAccept(current -> settle(key, mine, current));
  }

  private void settle(String key, Written mine, String current) {
    if (written.get(key) != mine || (current == null ? mine == REMOVED : current.equals(mine.value))) {
      return; // this node wrote it since, or it holds what this node wrote
    }
    SealedRecord valid = null;
    if (current != null) {
      try {
        valid = records.open(name, key, current);
      } catch (RecordRejected e) {
        records.rejected(name, key, e, mine == REMOVED ? "removing it" : "writing back ours");
      }
    }
    if (valid != null && !valid.signer().fingerprint().equals(records.self().fingerprint())) {
      written.remove(key, mine); // another node with the right to write it did: its record stands
      return;
    }
    if (mine == REMOVED) {
      map.removeAsync(key);
      records.repaired(name, key, "removed again: this node had removed it");
      return;
    }
    // sealed anew: readers that saw the entry removed refuse the very record they saw before (a replay)
    String again = records.seal(name, key, mine.record);
    long left = mine.expiresAt == 0 ? 0 : mine.expiresAt - System.currentTimeMillis();
    if (mine.expiresAt != 0 && left < 1000) {
      written.remove(key, mine); // its time is up anyway
      return;
    }
    if (!written.replace(key, mine, new Written(again, mine.record, mine.expiresAt))) {
      return; // this node wrote it meanwhile
    }
    if (mine.expiresAt == 0) {
      map.setAsync(key, again);
    } else {
      map.setAsync(key, again, left, TimeUnit.MILLISECONDS);
    }
    records.repaired(name, key, current == null ? "written back: it was removed" : "written back: it was replaced");
  }

  /** What this node wrote at a key: the record, as sealed (null: removed), and when it expires (0: never). */
  private record Written(String value, JsonObject record, long expiresAt) {}

  /** Hazelcast calls these on its event threads; they only start asynchronous writes. */
  private final class Guard implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String>, EntryEvictedListener<String, String>,
      EntryExpiredListener<String, String>, MapClearedListener {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      check(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      check(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      check(event.getKey(), null);
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> event) {
      check(event.getKey(), null);
    }

    @Override
    public void entryExpired(EntryEvent<String, String> event) {
      check(event.getKey(), null);
    }

    @Override
    public void mapCleared(com.hazelcast.map.MapEvent event) {
      for (String key : Set.copyOf(written.keySet())) {
        check(key, null);
      }
    }
  }
}
