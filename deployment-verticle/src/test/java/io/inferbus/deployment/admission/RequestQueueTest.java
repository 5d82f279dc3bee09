package io.inferbus.deployment.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An instance's admission and batch planning as plain logic: capacity, the concurrency limit, FIFO
 * order, and which queued requests share a batch (same key, within the row limit). Edge inputs
 * tried: a full queue, no free slot, an empty queue, a head larger than the row limit, jobs without
 * a batch key, a row limit of 1, a job removed twice, same-key jobs hidden behind more than
 * {@link RequestQueue#SCAN_LIMIT} others.
 */
class RequestQueueTest {

  /** A queued request (the scheduler test's); identity matters: two with equal fields are two requests. */
  private static final class Job extends InstanceSchedulerTest.Job {
    Job(String id, String key, long rows) {
      super(id, key, rows, Long.MAX_VALUE);
    }
  }

  private static Job job(String id, String key, long rows) {
    return new Job(id, key, rows);
  }

  private static List<String> ids(List<Job> jobs) {
    return jobs.stream().map(j -> j.name).toList();
  }

  // ---------------------------------------------------------------- capacity and concurrency

  @Test
  void refusesAJobOnceCapacityJobsWait() {
    RequestQueue<Job> q = new RequestQueue<>(1, 3);
    assertTrue(q.enqueue(job("a", "k", 1)));
    assertTrue(q.enqueue(job("b", "k", 1)));
    assertTrue(q.enqueue(job("c", "k", 1)));
    assertFalse(q.enqueue(job("d", "k", 1)), "a fourth job in a queue of capacity 3 is refused (the caller answers 429)");
    assertEquals(3, q.waiting());
  }

  @Test
  void aJobTakenFromAFullQueueMakesRoomForAnother() {
    RequestQueue<Job> q = new RequestQueue<>(1, 2);
    q.enqueue(job("a", null, 1));
    q.enqueue(job("b", null, 1));
    assertFalse(q.enqueue(job("c", null, 1)));
    assertEquals(List.of("a"), ids(q.takeBatch(1)));
    assertTrue(q.enqueue(job("c", null, 1)), "capacity counts waiting jobs, not running ones");
    assertEquals(2, q.waiting());
  }

  @Test
  void runningJobsUpToMaxConcurrentThenNoFreeSlot() {
    RequestQueue<Job> q = new RequestQueue<>(2, 10);
    assertTrue(q.hasFreeSlot());
    assertEquals(0, q.running());
    q.startDirect();
    assertTrue(q.hasFreeSlot());
    q.startDirect();
    assertFalse(q.hasFreeSlot(), "two running with max_concurrent_requests_per_instance 2");
    assertEquals(2, q.running());
    q.finished();
    assertTrue(q.hasFreeSlot(), "a finished run frees its slot");
    assertEquals(1, q.running());
  }

  @Test
  void noBatchIsTakenWhileEverySlotIsBusyAndTheHeadKeepsItsPlace() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.startDirect();
    q.enqueue(job("a", "k", 1));
    q.enqueue(job("b", "k", 1));
    assertTrue(q.takeBatch(8).isEmpty(), "no free slot: nothing starts");
    assertEquals(2, q.waiting());
    assertEquals(1, q.running(), "an empty take counts no run");
    q.finished();
    assertEquals(List.of("a", "b"), ids(q.takeBatch(8)), "the head is still first once a slot is free");
  }

  @Test
  void anEmptyQueueGivesAnEmptyBatchAndCountsNoRun() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    assertTrue(q.takeBatch(8).isEmpty());
    assertEquals(0, q.running());
    assertTrue(q.hasFreeSlot());
  }

  @Test
  void takingABatchCountsItAsOneRunningRequest() {
    RequestQueue<Job> q = new RequestQueue<>(2, 10);
    q.enqueue(job("a", "k", 1));
    q.enqueue(job("b", "k", 1));
    q.enqueue(job("c", "k", 1));
    assertEquals(3, q.takeBatch(8).size());
    assertEquals(1, q.running(), "a batch is one ONNX Runtime run, one slot");
    assertTrue(q.hasFreeSlot());
  }

  // ---------------------------------------------------------------- order

  @Test
  void withoutBatchingJobsLeaveInArrivalOrderOneAtATime() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    for (String id : List.of("a", "b", "c", "d")) {
      q.enqueue(job(id, "k", 1));
    }
    List<String> order = new ArrayList<>();
    while (q.waiting() > 0) {
      List<Job> batch = q.takeBatch(1);
      assertEquals(1, batch.size(), "max rows 1: no batching");
      order.add(batch.get(0).name);
      q.finished();
    }
    assertEquals(List.of("a", "b", "c", "d"), order);
  }

  @Test
  void aBatchKeepsArrivalOrderAndOthersKeepTheirPlaces() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("a1", "A", 1));
    q.enqueue(job("b1", "B", 1));
    q.enqueue(job("a2", "A", 1));
    q.enqueue(job("b2", "B", 1));
    q.enqueue(job("a3", "A", 1));
    assertEquals(List.of("a1", "a2", "a3"), ids(q.takeBatch(8)), "the head and the younger jobs of its key, in order");
    q.finished();
    assertEquals(List.of("b1", "b2"), ids(q.takeBatch(8)), "the other key is next, its order unchanged");
    assertEquals(0, q.waiting());
  }

  // ---------------------------------------------------------------- batch composition

  @Test
  void differentKeysNeverShareABatch() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("a", "features:FP32:7,;", 1));
    q.enqueue(job("b", "features:FP32:6,;", 1));
    q.enqueue(job("c", "features:FP64:7,;", 1));
    assertEquals(List.of("a"), ids(q.takeBatch(64)));
    q.finished();
    assertEquals(List.of("b"), ids(q.takeBatch(64)));
    q.finished();
    assertEquals(List.of("c"), ids(q.takeBatch(64)));
  }

  @Test
  void jobsWithoutAKeyAlwaysRunAlone() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("x", null, 1));
    q.enqueue(job("y", null, 1));
    q.enqueue(job("k1", "k", 1));
    assertEquals(List.of("x"), ids(q.takeBatch(64)), "a null key never batches, not even with another null key");
    q.finished();
    assertEquals(List.of("y"), ids(q.takeBatch(64)));
    q.finished();
    q.enqueue(job("z", null, 1));
    assertEquals(List.of("k1"), ids(q.takeBatch(64)), "a keyed head does not take a job without a key");
    q.finished();
    assertEquals(List.of("z"), ids(q.takeBatch(64)));
  }

  @Test
  void aBatchStaysWithinMaxRows() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("a", "k", 3));
    q.enqueue(job("b", "k", 3));
    q.enqueue(job("c", "k", 3));
    List<Job> batch = q.takeBatch(8);
    assertEquals(List.of("a", "b"), ids(batch), "3 + 3 rows fit in 8; a third 3-row job would make 9");
    assertEquals(1, q.waiting());
  }

  @Test
  void aBatchFillsExactlyToMaxRows() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    for (int i = 0; i < 6; i++) {
      q.enqueue(job("j" + i, "k", 2));
    }
    List<Job> batch = q.takeBatch(8);
    assertEquals(8, batch.stream().mapToLong(Job::rows).sum());
    assertEquals(List.of("j0", "j1", "j2", "j3"), ids(batch));
    q.finished();
    assertEquals(List.of("j4", "j5"), ids(q.takeBatch(8)), "the rest form the next batch");
  }

  @Test
  void aJobTooBigForTheRestOfTheBatchWaitsForTheNextOneFirstInLine() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("a", "k", 5));
    q.enqueue(job("big", "k", 4));
    q.enqueue(job("small", "k", 3));
    List<Job> batch = q.takeBatch(8);
    assertTrue(batch.stream().mapToLong(Job::rows).sum() <= 8, "rows of " + ids(batch));
    assertEquals("a", batch.get(0).name);
    assertFalse(ids(batch).contains("big"), "5 + 4 rows exceed 8");
    q.finished();
    assertEquals("big", q.takeBatch(8).get(0).name, "the job that did not fit heads the next batch");
  }

  @Test
  void aHeadLargerThanMaxRowsStillRunsAlone() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("huge", "k", 100));
    q.enqueue(job("b", "k", 1));
    assertEquals(List.of("huge"), ids(q.takeBatch(32)), "a request over max_batch_size is not starved");
    q.finished();
    assertEquals(List.of("b"), ids(q.takeBatch(32)));
  }

  @Test
  void maxRowsOfOneMeansNoBatching() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("a", "k", 1));
    q.enqueue(job("b", "k", 1));
    assertEquals(List.of("a"), ids(q.takeBatch(1)));
  }

  @Test
  void sameKeyJobsFurtherThanTheScanLimitBehindTheHeadAreNotJoined() {
    RequestQueue<Job> q = new RequestQueue<>(1, RequestQueue.SCAN_LIMIT + 10);
    q.enqueue(job("head", "A", 1));
    for (int i = 0; i < RequestQueue.SCAN_LIMIT; i++) {
      q.enqueue(job("other" + i, "B", 1));
    }
    q.enqueue(job("far", "A", 1));
    assertEquals(List.of("head"), ids(q.takeBatch(64)), "planning a batch looks at most SCAN_LIMIT jobs ahead");
    assertEquals(RequestQueue.SCAN_LIMIT + 1, q.waiting());
  }

  // ---------------------------------------------------------------- rows ready, remove, drain

  @Test
  void rowsReadyForHeadCountsTheHeadsKeyOnly() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    assertEquals(0, q.rowsReadyForHead(32), "nothing waits");
    q.enqueue(job("a", "A", 2));
    q.enqueue(job("b", "B", 5));
    q.enqueue(job("c", "A", 3));
    assertEquals(5, q.rowsReadyForHead(32), "2 + 3 rows of key A; B's 5 rows do not count");
  }

  @Test
  void rowsReadyForHeadReachesTheLimitWhenABatchIsFull() {
    RequestQueue<Job> q = new RequestQueue<>(1, 100);
    for (int i = 0; i < 40; i++) {
      q.enqueue(job("j" + i, "k", 1));
    }
    assertTrue(q.rowsReadyForHead(32) >= 32, "a full batch waits: " + q.rowsReadyForHead(32));
  }

  @Test
  void rowsReadyForAHeadWithoutKeyAreItsOwn() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    q.enqueue(job("a", null, 3));
    q.enqueue(job("b", null, 4));
    assertEquals(3, q.rowsReadyForHead(32));
  }

  @Test
  void removeTakesAWaitingJobOutOnce() {
    RequestQueue<Job> q = new RequestQueue<>(1, 10);
    Job a = job("a", "k", 1);
    Job twin = job("a", "k", 1);
    q.enqueue(a);
    q.enqueue(twin);
    assertTrue(q.remove(twin), "the expired job leaves the queue");
    assertFalse(q.remove(twin), "a second removal finds nothing");
    assertEquals(List.of(a), q.takeBatch(8), "the other job with equal fields is still there");
    assertFalse(q.remove(a), "a job already taken cannot be removed (its wait timer lost the race)");
  }

  @Test
  void drainReturnsEverythingWaitingInOrderAndLeavesRunningAlone() {
    RequestQueue<Job> q = new RequestQueue<>(2, 10);
    q.startDirect();
    q.enqueue(job("a", "k", 1));
    q.enqueue(job("b", null, 1));
    q.enqueue(job("c", "j", 1));
    assertEquals(List.of("a", "b", "c"), ids(q.drain()));
    assertEquals(0, q.waiting());
    assertEquals(1, q.running(), "a running request finishes on its own");
    assertTrue(q.takeBatch(8).isEmpty());
    assertTrue(q.drain().isEmpty());
  }
}
