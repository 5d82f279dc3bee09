package io.inferbus.deployment.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One instance's scheduler, as Triton's dynamic batcher sits in front of its model-instance threads:
 * admits requests into the instance's {@link RequestQueue} and hands the next request (or batch) to
 * the node's shared runner threads as they come free. A batch is planned when a runner thread starts
 * on it, not when the request arrives, so requests that queued while the runners were busy run
 * together.
 *
 * <p>Threads stay bounded by the node's runners, not by instances or admitted requests: an instance
 * has at most {@code min(max_concurrent_requests_per_instance, runner threads)} tasks with the
 * runners at any time (a task holds no request until it starts), and nothing blocks a thread to wait:
 * the batching delay and the queue-wait limit are timers.
 *
 * <p>Thread-safe: {@link #submit} is called from event loops, the runs from runner threads, the
 * timers from wherever {@link Timers} runs them.
 *
 * @param <J> the queued job
 */
public final class InstanceScheduler<J extends InstanceScheduler.Job> {
  /** What the scheduler needs of a job beyond what the queue needs. */
  public interface Job extends RequestQueue.Queued {
    /** Set by {@link #submit} to the clock's time. */
    void enqueued(long nanos);

    long enqueuedNanos();

    /** When the caller stops waiting (the clock's time): a batch never waits for company past it. */
    long deadlineNanos();
  }

  /** Runs a task after a delay, on any thread. */
  @FunctionalInterface
  public interface Timers {
    void schedule(long delayNanos, Runnable task);
  }

  /** Requests that waited longer than {@code max_queue_wait_ms}, with the load they met. */
  @FunctionalInterface
  public interface Expired<J> {
    void expired(List<J> jobs, int running, int waiting);
  }

  /** The answer to {@link #submit}. */
  public enum Admission {
    QUEUED,
    /** The queue holds its capacity already: refuse as overloaded. */
    FULL,
    /** {@link #close} was called: refuse as unavailable. */
    CLOSED
  }

  /**
   * @param maxConcurrent {@code max_concurrent_requests_per_instance}: requests running at once
   * @param runnerThreads the node's runner threads: no more tasks than that are handed over at once
   * @param capacity requests the queue holds waiting
   * @param maxQueueWaitNanos {@code max_queue_wait_ms}: a request that has not started by then is refused
   * @param maxBatchDelayNanos how long a batch may wait for company when nothing runs (0: never)
   * @param maxRows rows per run now (1: no batching), read as each run is planned
   */
  public record Settings(int maxConcurrent, int runnerThreads, int capacity, long maxQueueWaitNanos,
      long maxBatchDelayNanos, LongSupplier maxRows) {
    public Settings {
      if (maxConcurrent < 1 || runnerThreads < 1 || capacity < 1 || maxQueueWaitNanos < 0 || maxBatchDelayNanos < 0) {
        throw new IllegalArgumentException("invalid scheduler settings");
      }
    }
  }

  private static final long MILLI = 1_000_000L;

  private final Settings settings;
  private final int maxTasks;
  private final Executor runners;
  private final Timers timers;
  private final LongSupplier clock;
  private final Consumer<List<J>> run;
  private final Expired<J> expired;

  private final ReentrantLock lock = new ReentrantLock();
  /** Guarded by {@link #lock}, as is every field below. */
  private final RequestQueue<J> queue;
  /** Tasks handed to the runners and not finished. */
  private int tasks;
  /** Of those, the ones no runner thread has started yet. */
  private int unstarted;
  private boolean closing;
  private boolean delayArmed;
  private boolean expiryArmed;
  private final CompletableFuture<Void> drained = new CompletableFuture<>();

  /**
   * @param runners the node's runner threads
   * @param run runs a batch on the runner thread that calls it, and answers each of its jobs
   * @param expired answers requests that waited too long (called on a timer's thread, outside the lock)
   */
  public InstanceScheduler(Settings settings, Executor runners, Timers timers, LongSupplier clock, Consumer<List<J>> run,
      Expired<J> expired) {
    this.settings = settings;
    this.maxTasks = Math.min(settings.maxConcurrent(), settings.runnerThreads());
    this.runners = runners;
    this.timers = timers;
    this.clock = clock;
    this.run = run;
    this.expired = expired;
    this.queue = new RequestQueue<>(settings.maxConcurrent(), settings.capacity());
  }

  /** Queues a job for the runners; {@link Admission#FULL} or {@link Admission#CLOSED} when it is refused. */
  public Admission submit(J job) {
    job.enqueued(clock.getAsLong());
    boolean armExpiry;
    lock.lock();
    try {
      if (closing) {
        return Admission.CLOSED;
      }
      if (!queue.enqueue(job)) {
        return Admission.FULL;
      }
      dispatch();
      armExpiry = !expiryArmed;
      expiryArmed = true;
    } finally {
      lock.unlock();
    }
    if (armExpiry) {
      timers.schedule(settings.maxQueueWaitNanos(), this::sweep);
    }
    return Admission.QUEUED;
  }

  /** Requests running now (started, not finished). */
  public int running() {
    lock.lock();
    try {
      return queue.running();
    } finally {
      lock.unlock();
    }
  }

  /** Requests waiting for a runner. */
  public int waiting() {
    lock.lock();
    try {
      return queue.waiting();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops admitting; what is queued still runs (without waiting for company). The future completes,
   * on the thread that finished last, when nothing is queued or running.
   */
  public CompletableFuture<Void> close() {
    lock.lock();
    try {
      closing = true;
      dispatch();
      checkDrained();
    } finally {
      lock.unlock();
    }
    return drained;
  }

  /** Under the lock: hands the runners as many tasks as there are requests to start, up to the limit. */
  private void dispatch() {
    while (unstarted < queue.waiting() && tasks < maxTasks) {
      tasks++;
      unstarted++;
      try {
        runners.execute(this::turn);
      } catch (RejectedExecutionException e) { // the runners were shut down: the queue-wait sweep answers
        tasks--;
        unstarted--;
        return;
      }
    }
  }

  /** Under the lock, once closing: completes {@link #drained} when nothing is left. */
  private void checkDrained() {
    if (closing && tasks == 0 && queue.waiting() == 0 && queue.running() == 0) {
      drained.complete(null);
    }
  }

  /** A runner thread's turn for this instance: plans the next run and runs it, or waits for company by a timer. */
  private void turn() {
    List<J> batch;
    long delay = 0;
    lock.lock();
    try {
      unstarted--;
      if (queue.waiting() > 0 && queue.hasFreeSlot()) {
        delay = companyDelay(clock.getAsLong());
        batch = delay > 0 ? List.of() : queue.takeBatch(settings.maxRows().getAsLong());
      } else {
        batch = List.of();
      }
      if (batch.isEmpty()) {
        tasks--;
        if (delay > 0 && !delayArmed) {
          delayArmed = true;
        } else {
          delay = 0;
        }
        checkDrained();
      }
    } finally {
      lock.unlock();
    }
    if (batch.isEmpty()) {
      if (delay > 0) {
        timers.schedule(delay, this::delayOver);
      }
      return;
    }
    try {
      run.accept(batch);
    } finally {
      lock.lock();
      try {
        queue.finished();
        tasks--;
        dispatch();
        checkDrained();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Under the lock, with a request waiting: how long its batch should wait for company, 0 to run now.
   * A batch waits only when the instance batches with a delay, nothing of it runs and the batch is not
   * full; up to max_batch_delay_ms from the oldest request's arrival, and never past its deadline or
   * nine tenths of its max_queue_wait_ms (the rest is for a runner thread to start the batch before
   * the queue-wait limit refuses it).
   */
  private long companyDelay(long now) {
    long maxRows = settings.maxRows().getAsLong();
    if (maxRows <= 1 || settings.maxBatchDelayNanos() == 0 || closing || queue.running() > 0) {
      return 0;
    }
    J head = queue.peek();
    if (head.batchKey() == null || queue.rowsReadyForHead(maxRows) >= maxRows) {
      return 0;
    }
    // a tenth of max_queue_wait_ms (at least 1 ms) is left for a runner thread to start the batch
    long margin = Math.max(MILLI, settings.maxQueueWaitNanos() / 10);
    long until = Math.min(head.enqueuedNanos() + settings.maxBatchDelayNanos(),
        Math.min(head.enqueuedNanos() + settings.maxQueueWaitNanos() - margin, head.deadlineNanos() - MILLI));
    return Math.max(0, until - now);
  }

  private void delayOver() {
    lock.lock();
    try {
      delayArmed = false;
      dispatch();
    } finally {
      lock.unlock();
    }
  }

  /** Refuses every request that waited max_queue_wait_ms without starting; re-arms for the next. */
  private void sweep() {
    List<J> late = new ArrayList<>();
    int running;
    int waiting;
    long next = -1;
    lock.lock();
    try {
      long now = clock.getAsLong();
      long limit = settings.maxQueueWaitNanos();
      for (J head = queue.peek(); head != null && now - head.enqueuedNanos() >= limit; head = queue.peek()) {
        queue.remove(head);
        late.add(head);
      }
      running = queue.running();
      waiting = queue.waiting();
      J head = queue.peek();
      if (head != null) {
        next = head.enqueuedNanos() + limit - now;
      }
      expiryArmed = head != null;
      checkDrained();
    } finally {
      lock.unlock();
    }
    if (!late.isEmpty()) {
      expired.expired(late, running, waiting);
    }
    if (next >= 0) {
      timers.schedule(next, this::sweep);
    }
  }
}
