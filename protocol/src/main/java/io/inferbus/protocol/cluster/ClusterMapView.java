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
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * A local, event-loop-owned copy of one of the cluster's maps, of the records that verify ({@link
 * ClusterRecords}), kept current by entry events. Changes are applied on the given Vert.x context,
 * then {@code onChange} runs there, so its owner never locks and never blocks on Hazelcast.
 *
 * <p>A record that does not verify is ignored, logged and counted: the entry keeps the last valid
 * record (a garbled entry costs nothing until the writer puts its record back). A valid record of the
 * same credential that is not newer than the one held, or than one since removed, is a replay and
 * ignored too.
 *
 * @param <V> the decoded value type
 */
public final class ClusterMapView<V> {
  private final ClusterRecords records;
  private final String mapName;
  private final IMap<String, String> map;
  private final Context context;
  private final Function<JsonObject, V> decoder;
  private final Runnable onChange;
  private final Map<String, V> entries = new HashMap<>();
  /** key → the credential and time of the last valid record seen there, kept after a removal (context only). */
  private final Map<String, Seen> seen = new HashMap<>();
  /** Keys events changed while the initial copy was being read (context only); null once it is applied. */
  private Set<String> changedWhileLoading = new HashSet<>();
  private boolean clearedWhileLoading;
  private UUID listenerId;

  ClusterMapView(ClusterRecords records, String mapName, Context context,
      Function<JsonObject, V> decoder, Runnable onChange) {
    this.records = records;
    this.mapName = mapName;
    this.map = records.hazelcast().getMap(mapName);
    this.context = context;
    this.decoder = decoder;
    this.onChange = onChange;
  }

  /**
   * Starts listening, then loads the current content (on a worker); completes once loaded. Listening
   * first means no change is missed; an entry an event changed (or removed) while the copy was read
   * keeps what the event said, since the copy may be older than the event.
   */
  public Future<Void> start() {
    listenerId = map.addEntryListener(new Listener(), true);
    return context.executeBlocking(() -> new HashMap<>(map))
        .map(all -> {
          if (!clearedWhileLoading) {
            all.forEach((key, json) -> {
              if (!changedWhileLoading.contains(key)) {
                accept(key, json);
              }
            });
          }
          changedWhileLoading = null;
          onChange.run();
          return null;
        });
  }

  public void stop() {
    if (listenerId != null) {
      map.removeEntryListener(listenerId);
      listenerId = null;
    }
  }

  /** The current entries; read it on the owner's context only. */
  public Map<String, V> entries() {
    return Collections.unmodifiableMap(entries);
  }

  private void apply(String key, String json) {
    context.runOnContext(v -> {
      if (changedWhileLoading != null) {
        changedWhileLoading.add(key);
      }
      if (json == null) {
        Seen last = seen.get(key);
        if (last != null) {
          seen.put(key, new Seen(last.fingerprint, last.at, false));
        }
        if (entries.remove(key) != null) {
          onChange.run();
        }
      } else if (accept(key, json)) {
        onChange.run();
      }
    });
  }

  /** Takes the record at {@code key} if it verifies and is not a replay; whether it changed anything. */
  private boolean accept(String key, String json) {
    SealedRecord record;
    try {
      record = records.open(mapName, key, json);
    } catch (RecordRejected e) {
      records.rejected(mapName, key, e, entries.containsKey(key) ? "keeping the last valid one" : "ignored");
      return false;
    }
    Seen last = seen.get(key);
    if (last != null && last.fingerprint.equals(record.signer().fingerprint()) && record.at() <= last.at) {
      if (record.at() == last.at && last.present) {
        return false; // the same record again (written back by a guard, say)
      }
      records.rejected(mapName, key, new RecordRejected(RecordRejected.Reason.STALE, "an older record of node '"
          + record.signer().name() + "' put back"), "ignored");
      return false;
    }
    V value;
    try {
      value = decoder.apply(record.body());
    } catch (RuntimeException e) {
      records.rejected(mapName, key, new RecordRejected(RecordRejected.Reason.UNSIGNED, "signed, but not a valid "
          + "entry: " + e.getMessage()), "ignored");
      return false;
    }
    seen.put(key, new Seen(record.signer().fingerprint(), record.at(), true));
    entries.put(key, value);
    return true;
  }

  private record Seen(String fingerprint, long at, boolean present) {}

  /** Hazelcast calls these on its own threads. */
  private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String>, EntryEvictedListener<String, String>,
      EntryExpiredListener<String, String>, MapClearedListener {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      apply(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      apply(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      apply(event.getKey(), null);
    }

    @Override
    public void entryEvicted(EntryEvent<String, String> event) {
      apply(event.getKey(), null);
    }

    @Override
    public void entryExpired(EntryEvent<String, String> event) {
      apply(event.getKey(), null);
    }

    @Override
    public void mapCleared(com.hazelcast.map.MapEvent event) {
      context.runOnContext(v -> {
        if (changedWhileLoading != null) {
          clearedWhileLoading = true;
        }
        entries.clear();
        seen.replaceAll((key, last) -> new Seen(last.fingerprint, last.at, false));
        onChange.run();
      });
    }
  }
}
