package io.inferbus.controlplane.operations;

import io.vertx.core.json.JsonObject;

/** An answer of the management API: status and JSON body. */
public record ApiResult(int status, JsonObject body) {
  public static ApiResult ok(JsonObject body) {
    return new ApiResult(200, body);
  }

  public static ApiResult created(JsonObject body) {
    return new ApiResult(201, body);
  }
}
