package io.inferbus.protocol.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
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
 * A local, event-loop-owned copy of one of the cluster's JSON-valued Hazelcast maps, kept current by
 * entry events. Changes are applied on the given Vert.x context, then {@code onChange} runs there,
 * so its owner never locks and never blocks on Hazelcast.
 *
 * @param <V> the decoded value type
 */
public final class ClusterMapView<V> {
  private final IMap<String, String> map;
  private final Context context;
  private final Function<JsonObject, V> decoder;
  private final Runnable onChange;
  private final Map<String, V> entries = new HashMap<>();
  /** Keys events changed while the initial copy was being read (context only); null once it is applied. */
  private Set<String> changedWhileLoading = new HashSet<>();
  private boolean clearedWhileLoading;
  private UUID listenerId;

  public ClusterMapView(HazelcastInstance hazelcast, String mapName, Context context,
      Function<JsonObject, V> decoder, Runnable onChange) {
    this.map = hazelcast.getMap(mapName);
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
                entries.put(key, decoder.apply(new JsonObject(json)));
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
        entries.remove(key);
      } else {
        entries.put(key, decoder.apply(new JsonObject(json)));
      }
      onChange.run();
    });
  }

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
        onChange.run();
      });
    }
  }
}
