package io.inferbus.controlplane.operations;

import io.inferbus.controlplane.store.Store;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;

/**
 * The one worker thread that owns the store: every read and write of every service runs here, so
 * operations never interleave and never block an event loop. A write is one store transaction, its
 * audit record included.
 */
public final class StoreThread {
  private final Store store;
  private final WorkerExecutor worker;

  public StoreThread(Store store, WorkerExecutor worker) {
    this.store = store;
    this.worker = worker;
  }

  /** The store, for work already on this thread. */
  public Store store() {
    return store;
  }

  /** Runs a read on the store thread. */
  public <T> Future<T> read(Callable<T> work) {
    return worker.executeBlocking(work, true);
  }

  /** Runs a change on the store thread, in one transaction: all of its writes are durable together, or none. */
  public <T> Future<T> write(Callable<T> work) {
    return worker.executeBlocking(() -> store.transaction(work), true);
  }
}
