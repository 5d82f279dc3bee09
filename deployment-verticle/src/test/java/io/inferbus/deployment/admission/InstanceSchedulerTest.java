package io.inferbus.deployment.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.deployment.admission.InstanceScheduler.Admission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The scheduler with its threads taken out: the runners are a queue of tasks this test runs by hand,
 * the timers a list it fires by hand, the clock a number it moves. So each test says exactly which
 * requests run together, when, and which are refused.
 */
public class InstanceSchedulerTest {
  private static final long MS = 1_000_000L;

  /** A job: its name, batch key and rows. */
  public static class Job implements InstanceScheduler.Job {
    final String name;
    final String key;
    final long rows;
    final long deadline;
    long enqueued;

    public Job(String name, String key, long rows, long deadline) {
      this.name = name;
      this.key = key;
      this.rows = rows;
      this.deadline = deadline;
    }

    @Override
    public String batchKey() {
      return key;
    }

    @Override
    public long rows() {
      return rows;
    }

    @Override
    public void enqueued(long nanos) {
      enqueued = nanos;
    }

    @Override
    public long enqueuedNanos() {
      return enqueued;
    }

    @Override
    public long deadlineNanos() {
      return deadline;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private record Timer(long due, Runnable task) {
  }

  /** A scheduler with hand-run runners, timers and clock. */
  final class Harness {
    final ArrayDeque<Runnable> runnerTasks = new ArrayDeque<>();
    final List<Timer> timers = new ArrayList<>();
    final List<List<String>> runs = new ArrayList<>();
    final List<String> expired = new ArrayList<>();
    final List<int[]> expiredLoad = new ArrayList<>();
    long now = 1_000 * MS;
    boolean rejecting;
    Runnable duringRun = () -> { };
    final InstanceScheduler<Job> scheduler;

    Harness(int maxConcurrent, int threads, int capacity, long maxQueueWaitMs, long delayMs, long maxRows) {
      scheduler = new InstanceScheduler<>(
          new InstanceScheduler.Settings(maxConcurrent, threads, capacity, maxQueueWaitMs * MS, delayMs * MS,
              () -> maxRows),
          task -> {
            if (rejecting) {
              throw new RejectedExecutionException("shut down");
            }
            runnerTasks.add(task);
          },
          (delay, task) -> timers.add(new Timer(now + delay, task)),
          () -> now,
          batch -> {
            runs.add(batch.stream().map(j -> j.name).toList());
            duringRun.run();
          },
          (jobs, running, waiting) -> {
            jobs.forEach(j -> expired.add(j.name));
            expiredLoad.add(new int[] {running, waiting});
          });
    }

    Admission submit(String name) {
      return submit(name, null, 1);
    }

    Admission submit(String name, String key, long rows) {
      return scheduler.submit(new Job(name, key, rows, now + 5_000 * MS));
    }

    /** Runs the runner tasks handed over so far (and those they hand over), oldest first. */
    void runAll() {
      while (!runnerTasks.isEmpty()) {
        runnerTasks.poll().run();
      }
    }

    void runOne() {
      runnerTasks.poll().run();
    }

    /** Moves the clock and fires the timers due by then, in order. */
    void advance(long ms) {
      now += ms * MS;
      while (true) {
        Timer next = timers.stream().filter(t -> t.due <= now).min(Comparator.comparingLong(Timer::due)).orElse(null);
        if (next == null) {
          return;
        }
        timers.remove(next);
        next.task.run();
      }
    }
  }

  @Test
  void anInstanceHandsTheRunnersNoMoreTasksThanItsConcurrencyAndTheThreads() {
    Harness one = new Harness(1, 2, 100, 500, 0, 1);
    one.submit("a");
    one.submit("b");
    one.submit("c");
    assertEquals(1, one.runnerTasks.size(), "max_concurrent_requests_per_instance 1: one task at a time");
    one.runAll();
    assertEquals(List.of(List.of("a"), List.of("b"), List.of("c")), one.runs, "one by one, in arrival order");

    Harness many = new Harness(64, 2, 100, 500, 0, 1);
    for (int i = 0; i < 10; i++) {
      many.submit("r" + i);
    }
    assertEquals(2, many.runnerTasks.size(), "64 admitted, but no more tasks than the node's 2 runner threads");
    assertEquals(10, many.scheduler.waiting());
    many.runAll();
    assertEquals(10, many.runs.size());
    assertEquals("r0", many.runs.get(0).get(0));
    assertEquals("r9", many.runs.get(9).get(0));
    assertEquals(0, many.scheduler.waiting());
    assertEquals(0, many.scheduler.running());
  }

  @Test
  void aBatchIsPlannedWhenARunnerStartsSoRequestsThatQueuedMeanwhileRunTogether() {
    Harness h = new Harness(1, 2, 100, 500, 0, 8);
    h.submit("a", "k", 1);
    h.submit("b", "k", 2);
    h.submit("other", "x", 1);
    h.submit("c", "k", 1);
    h.runAll();
    assertEquals(List.of(List.of("a", "b", "c"), List.of("other")), h.runs);
  }

  @Test
  void aBatchNeverExceedsItsRows() {
    Harness h = new Harness(1, 2, 100, 500, 0, 4);
    h.submit("a", "k", 3);
    h.submit("b", "k", 2); // 5 rows: does not fit
    h.submit("c", "k", 1);
    h.runAll();
    assertEquals(List.of(List.of("a", "c"), List.of("b")), h.runs);
  }

  @Test
  void withADelayABatchWaitsForCompanyByATimerNotAThread() {
    Harness h = new Harness(1, 2, 100, 500, 5, 4);
    h.submit("a", "k", 1);
    h.runAll();
    assertTrue(h.runs.isEmpty(), "alone and within max_batch_delay_ms: it waits");
    assertTrue(h.runnerTasks.isEmpty(), "no runner thread is held while it waits");
    assertEquals(2, h.timers.size(), "the batch's delay, and the queue-wait limit");
    h.advance(2);
    h.submit("b", "k", 1);
    h.runAll();
    assertTrue(h.runs.isEmpty());
    assertEquals(2, h.timers.size(), "one timer for the batch, not one per request");
    h.advance(3); // 5 ms after a arrived
    h.runAll();
    assertEquals(List.of(List.of("a", "b")), h.runs);
  }

  @Test
  void aFullBatchRunsAtOnceWithoutWaitingForItsDelay() {
    Harness h = new Harness(1, 2, 100, 500, 50, 3);
    h.submit("a", "k", 1);
    h.submit("b", "k", 1);
    h.runAll();
    assertTrue(h.runs.isEmpty());
    h.submit("c", "k", 1);
    h.runAll();
    assertEquals(List.of(List.of("a", "b", "c")), h.runs);
  }

  @Test
  void theDelayNeverRunsPastTheRequestsDeadlineOrItsQueueWait() {
    Harness h = new Harness(1, 2, 100, 500, 100, 4);
    h.scheduler.submit(new Job("a", "k", 1, h.now + 10 * MS)); // 10 ms left
    h.runAll();
    assertTrue(h.runs.isEmpty());
    h.advance(8);
    h.runAll();
    assertTrue(h.runs.isEmpty(), "still 2 ms before its deadline");
    h.advance(1); // 1 ms before the deadline: it must run now
    h.runAll();
    assertEquals(List.of(List.of("a")), h.runs);

    Harness q = new Harness(1, 2, 100, 20, 100, 4);
    q.submit("a", "k", 1);
    q.runAll();
    q.advance(17);
    q.runAll();
    assertTrue(q.runs.isEmpty());
    q.advance(1); // nine tenths of max_queue_wait_ms 20: the rest is for a runner to start it
    q.runAll();
    assertEquals(List.of(List.of("a")), q.runs);
    assertTrue(q.expired.isEmpty());
  }

  @Test
  void requestsThatWaitPastMaxQueueWaitAreRefusedWithTheLoadTheyMet() {
    Harness h = new Harness(1, 2, 100, 500, 0, 1);
    h.duringRun = () -> {
      // while a runs: b and c arrive and wait behind it past max_queue_wait_ms
      h.submit("b");
      h.advance(100);
      h.submit("c");
      h.advance(450); // b waited 550 ms, c 450 ms
    };
    h.submit("a");
    h.runOne();
    assertEquals(List.of("b"), h.expired);
    assertEquals(1, h.expiredLoad.get(0)[0], "one running");
    assertEquals(1, h.expiredLoad.get(0)[1], "c still waiting");
    h.duringRun = () -> { };
    h.advance(50);
    assertEquals(List.of("b", "c"), h.expired, "c once it too waited 500 ms");
    h.runAll();
    assertEquals(List.of(List.of("a")), h.runs, "neither ran late");
  }

  @Test
  void aFullQueueRefusesAndSoDoesAClosedScheduler() {
    Harness h = new Harness(1, 2, 2, 500, 0, 1);
    assertEquals(Admission.QUEUED, h.submit("a"));
    assertEquals(Admission.QUEUED, h.submit("b"));
    assertEquals(Admission.FULL, h.submit("c"));
    CompletableFuture<Void> drained = h.scheduler.close();
    assertEquals(Admission.CLOSED, h.submit("d"));
    assertFalse(drained.isDone(), "a and b are still queued");
    h.runOne();
    assertFalse(drained.isDone());
    h.runAll();
    assertTrue(drained.isDone(), "drained once what was admitted ran");
    assertEquals(List.of(List.of("a"), List.of("b")), h.runs);
  }

  @Test
  void closingDoesNotWaitForABatchsCompany() {
    Harness h = new Harness(1, 2, 100, 500, 50, 4);
    h.submit("a", "k", 1);
    h.runAll();
    CompletableFuture<Void> drained = h.scheduler.close();
    h.runAll();
    assertEquals(List.of(List.of("a")), h.runs);
    assertTrue(drained.isDone());
    assertTrue(new Harness(1, 1, 1, 1, 0, 1).scheduler.close().isDone(), "an idle scheduler drains at once");
  }

  @Test
  void runnersThatRefuseTasksLeaveRequestsToTheQueueWaitLimit() {
    Harness h = new Harness(1, 2, 100, 500, 0, 1);
    h.rejecting = true;
    assertEquals(Admission.QUEUED, h.submit("a"), "the caller is not thrown at");
    h.advance(501);
    assertEquals(List.of("a"), h.expired);
  }
}
