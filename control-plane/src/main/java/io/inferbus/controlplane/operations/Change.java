package io.inferbus.controlplane.operations;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * What a store write answers, and the document to publish to the cluster before answering; no
 * document when nothing changed (a repeated PUT), so nothing is published.
 */
public record Change(ApiResult result, JsonObject doc) {
  public static Change unchanged(ApiResult result) {
    return new Change(result, null);
  }

  /** Publishes the changed document (if any), then answers. */
  public Future<ApiResult> publish(Function<JsonObject, Future<Void>> publisher) {
    return doc == null ? Future.succeededFuture(result) : publisher.apply(doc).map(result);
  }
}
