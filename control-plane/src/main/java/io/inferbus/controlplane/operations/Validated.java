package io.inferbus.controlplane.operations;

import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import java.util.function.Supplier;

/** A request body's check as a future: its refusal fails the future instead of throwing at the caller. */
public final class Validated {
  private Validated() {}

  public static <T> Future<T> of(Supplier<T> parse) {
    try {
      return Future.succeededFuture(parse.get());
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
  }
}
