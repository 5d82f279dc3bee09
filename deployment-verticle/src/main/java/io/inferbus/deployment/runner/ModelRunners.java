package io.inferbus.deployment.runner;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's threads that decode, run ONNX Runtime, encode and reply, shared by every instance on
 * the node: as many as the cores the node gives its models, however many instances and admitted
 * requests there are (each instance's {@link io.inferbus.deployment.admission.InstanceScheduler}
 * hands them its work). Tasks are taken in the order they were handed over, so a busy instance does
 * not starve the others. One more thread runs the instances' timers (batching delays, queue-wait
 * limits).
 */
public final class ModelRunners implements Executor, AutoCloseable {
  /** The runner threads' names start with this. */
  public static final String THREAD_PREFIX = "inferbus-model-run-";
  private static final Logger LOG = LoggerFactory.getLogger(ModelRunners.class);

  private final ThreadPoolExecutor pool;
  private final ScheduledThreadPoolExecutor timer;
  private final int threads;

  /** @param threads runner threads (the node's cores for models, at least 1) */
  public ModelRunners(int threads) {
    this.threads = Math.max(1, threads);
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(this.threads, this.threads, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), task -> {
          Thread t = new Thread(task, THREAD_PREFIX + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread t = new Thread(task, THREAD_PREFIX + "timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  public int threads() {
    return threads;
  }

  @Override
  public void execute(Runnable task) {
    pool.execute(() -> {
      try {
        task.run();
      } catch (Throwable t) { // a bug: the runner thread lives on
        LOG.error("a model run task failed unexpectedly", t);
      }
    });
  }

  /** Runs a short task (it must not block) after {@code delayNanos}, on the timer thread. */
  public void schedule(long delayNanos, Runnable task) {
    timer.schedule(() -> {
      try {
        task.run();
      } catch (Throwable t) {
        LOG.error("a model timer task failed unexpectedly", t);
      }
    }, delayNanos, TimeUnit.NANOSECONDS);
  }

  /** Stops the threads once the tasks handed over are done (the instances have drained first). */
  @Override
  public void close() {
    pool.shutdown();
    timer.shutdown();
  }
}
