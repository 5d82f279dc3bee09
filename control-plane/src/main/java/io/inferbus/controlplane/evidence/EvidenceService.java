package io.inferbus.controlplane.evidence;

import io.inferbus.controlplane.endpoints.TrafficHistory;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.rollups.MinuteRollups;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /endpoints/{e}/evidence?since=}: brings the rollups up to now (every gateway is asked for
 * the last minutes), then builds the {@link EvidenceBundle} from the store on its thread.
 */
public final class EvidenceService {
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceService.class);
  /** The window when {@code since} is not given. */
  public static final String DEFAULT_SINCE = "30d";

  private final StoreThread storeThread;
  private final MinuteRollups rollups;
  private final LongSupplier clockMillis;

  public EvidenceService(StoreThread storeThread, MinuteRollups rollups, LongSupplier clockMillis) {
    this.storeThread = storeThread;
    this.rollups = rollups;
    this.clockMillis = clockMillis;
  }

  /** Call on the control plane's event loop. 400 naming {@code since} for a bad window, 404 for an unknown endpoint. */
  public Future<ApiResult> bundle(String endpoint, String since) {
    Instant until = Instant.ofEpochMilli(clockMillis.getAsLong());
    Instant from;
    try {
      from = Since.parse(since == null ? DEFAULT_SINCE : since, until);
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
    // unknown endpoint first, so a 404 does not wait on the gateways
    return storeThread.read(() -> Resources.endpoint(storeThread.store(), endpoint))
        // a failed collection still gives the bundle of what is stored; the log says why
        .compose(exists -> rollups.collect().map(MinuteRollups.Collected::missingGateways)
            .otherwise(e -> {
              LOG.warn("evidence of {}: rollup collection failed, built from the stored rollups: {}", endpoint,
                  e.getMessage());
              return List.of();
            }))
        .compose(missing -> storeThread.read(() -> {
          Store store = storeThread.store();
          JsonObject doc = Resources.endpoint(store, endpoint);
          List<JsonObject> audit = touching(store.audit(0, Integer.MAX_VALUE), endpoint);
          // the window's end is when the store is read: nothing after it is in the bundle
          Instant end = Instant.ofEpochMilli(Math.max(until.toEpochMilli(), clockMillis.getAsLong()));
          JsonObject bundle = EvidenceBundle.build(doc, store.list(Table.DEPLOYMENTS, endpoint),
              new TrafficHistory(store).entries(endpoint), audit,
              store.rollups(endpoint, Math.floorDiv(from.toEpochMilli(), MinuteRollups.MINUTE_MS) * MinuteRollups.MINUTE_MS,
                  end.toEpochMilli()),
              from, end, missing);
          return ApiResult.ok(bundle);
        }));
  }

  /** The records whose target is the endpoint or something of it (deployments, keys). */
  static List<JsonObject> touching(List<JsonObject> records, String endpoint) {
    String self = "endpoints/" + endpoint;
    return records.stream().filter(r -> {
      String target = r.getString("target", "");
      return target.equals(self) || target.startsWith(self + "/");
    }).toList();
  }
}
