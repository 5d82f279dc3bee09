package io.inferbus.deployment.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.deployment.admission.InstanceScheduler;
import io.inferbus.deployment.admission.InstanceSchedulerTest;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The node's runner threads under many instances that each admit many requests. */
class ModelRunnersTest {

  @Test
  void threadsStayAtTheRunnersHoweverManyInstancesAndAdmittedRequests() throws Exception {
    int instances = 200;
    int perInstance = 64;
    Set<String> threadsSeen = ConcurrentHashMap.newKeySet();
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(instances * perInstance);
    try (ModelRunners runners = new ModelRunners(2)) {
      for (int i = 0; i < instances; i++) {
        InstanceScheduler<InstanceSchedulerTest.Job> scheduler = new InstanceScheduler<>(
            new InstanceScheduler.Settings(64, runners.threads(), 1024, TimeUnit.SECONDS.toNanos(60), 0, () -> 1),
            runners, runners::schedule, System::nanoTime,
            batch -> {
              threadsSeen.add(Thread.currentThread().getName());
              int now = concurrent.incrementAndGet();
              maxConcurrent.accumulateAndGet(now, Math::max);
              busy(20_000);
              concurrent.decrementAndGet();
              batch.forEach(j -> done.countDown());
            },
            (jobs, running, waiting) -> jobs.forEach(j -> done.countDown()));
        for (int k = 0; k < perInstance; k++) {
          assertEquals(InstanceScheduler.Admission.QUEUED,
              scheduler.submit(new InstanceSchedulerTest.Job("r" + k, null, 1, Long.MAX_VALUE)));
        }
      }
      assertTrue(done.await(60, TimeUnit.SECONDS), "every admitted request ran");
    }
    assertEquals(2, threadsSeen.size(), "12 800 admitted requests of 200 instances ran on the 2 runner threads: "
        + threadsSeen);
    assertTrue(threadsSeen.stream().allMatch(n -> n.startsWith(ModelRunners.THREAD_PREFIX)), threadsSeen.toString());
    assertTrue(maxConcurrent.get() <= 2, "at most 2 at once, was " + maxConcurrent.get());
  }

  /** Spins for about {@code nanos}, like a short model run. */
  private static void busy(long nanos) {
    long until = System.nanoTime() + nanos;
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }
}
