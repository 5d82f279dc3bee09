package io.inferbus.controlplane.audit;

import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The audit log: one record per change (who, what, which resource, before and after, the request
 * id), appended in the change's own store transaction so that a change without its record cannot
 * be durable. Key material never enters it.
 */
public final class AuditLog {
  private final StoreThread storeThread;

  public AuditLog(StoreThread storeThread) {
    this.storeThread = storeThread;
  }

  /** Appends a record (store thread, inside the change's transaction). */
  public void record(Actor actor, String action, String target, JsonObject before, JsonObject after) {
    record(actor, action, target, before, after, null);
  }

  /** Appends a record with {@code detail}'s fields added to it (store thread, inside the change's transaction). */
  public void record(Actor actor, String action, String target, JsonObject before, JsonObject after,
      JsonObject detail) {
    JsonObject record = new JsonObject()
        .put("at", System.currentTimeMillis())
        .put("time", Resources.now())
        .put("actor", actor.subject())
        .put("action", action)
        .put("target", target)
        .put("before", before)
        .put("after", after)
        .put("request_id", actor.requestId());
    if (detail != null) {
      record.mergeIn(detail);
    }
    storeThread.store().appendAudit(record);
  }

  /** {@code GET /audit}: records at or after {@code sinceMillis}, oldest first, at most {@code limit}. */
  public Future<ApiResult> query(long sinceMillis, int limit) {
    return storeThread.read(() -> ApiResult.ok(Resources.list(storeThread.store().audit(sinceMillis, limit))));
  }

  /** An endpoint document without its keys, as the audit log holds it. */
  public static JsonObject withoutKeys(JsonObject endpointDoc) {
    if (endpointDoc == null) {
      return null;
    }
    JsonObject copy = endpointDoc.copy();
    copy.remove("keys");
    return copy;
  }
}
