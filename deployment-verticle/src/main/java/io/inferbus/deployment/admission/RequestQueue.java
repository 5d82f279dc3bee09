package io.inferbus.deployment.admission;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * An instance's admission control and its queue, as plain logic (no threads, no Vert.x): at most
 * {@code maxConcurrent} runs at once, at most {@code capacity} requests waiting. Batches are planned
 * from the queue: the oldest request and the next ones of the same batch key, up to a row limit.
 * Not thread-safe: its owner calls it from one thread or under one lock.
 *
 * @param <J> the queued job
 */
public final class RequestQueue<J extends RequestQueue.Queued> {
  /** What the queue needs to know of a job. */
  public interface Queued {
    /** Requests with equal keys may share a run; null: never batched. */
    String batchKey();

    /** Rows the request contributes to a batch. */
    long rows();
  }

  /** How far past the head to look for requests that can join its batch. */
  static final int SCAN_LIMIT = 256;

  private final int maxConcurrent;
  private final int capacity;
  private final ArrayDeque<J> waiting = new ArrayDeque<>();
  private int running;

  public RequestQueue(int maxConcurrent, int capacity) {
    this.maxConcurrent = maxConcurrent;
    this.capacity = capacity;
  }

  public boolean hasFreeSlot() {
    return running < maxConcurrent;
  }

  public int running() {
    return running;
  }

  public int waiting() {
    return waiting.size();
  }

  /** Queues a job; false when the queue is full (the caller refuses it as overloaded). */
  public boolean enqueue(J job) {
    if (waiting.size() >= capacity) {
      return false;
    }
    waiting.addLast(job);
    return true;
  }

  /** The oldest waiting job, or null. */
  public J peek() {
    return waiting.peekFirst();
  }

  /** Removes a job still waiting (its wait expired); false if it already left the queue. */
  public boolean remove(J job) {
    return waiting.remove(job);
  }

  /** Rows waiting with the same batch key as the head, up to {@code limit} (for "is a batch full?"). */
  public long rowsReadyForHead(long limit) {
    J head = waiting.peekFirst();
    if (head == null) {
      return 0;
    }
    long rows = 0;
    int scanned = 0;
    for (J job : waiting) {
      if (scanned++ >= SCAN_LIMIT || rows >= limit) {
        break;
      }
      if (job == head || (head.batchKey() != null && head.batchKey().equals(job.batchKey()))) {
        rows += job.rows();
      }
    }
    return rows;
  }

  /**
   * Takes the next batch and counts it as running: the oldest job, then younger jobs of the same
   * batch key while the rows stay within {@code maxRows}. Empty when no slot is free or nothing waits.
   */
  public List<J> takeBatch(long maxRows) {
    List<J> batch = new ArrayList<>();
    J head = waiting.pollFirst();
    if (head == null || running >= maxConcurrent) {
      if (head != null) {
        waiting.addFirst(head);
      }
      return batch;
    }
    batch.add(head);
    long rows = head.rows();
    String key = head.batchKey();
    if (key != null && maxRows > 1) {
      Iterator<J> it = waiting.iterator();
      int scanned = 0;
      while (it.hasNext() && rows < maxRows && scanned++ < SCAN_LIMIT) {
        J job = it.next();
        if (key.equals(job.batchKey()) && rows + job.rows() <= maxRows) {
          batch.add(job);
          rows += job.rows();
          it.remove();
        }
      }
    }
    running++;
    return batch;
  }

  /** Counts a job that runs without queueing. */
  public void startDirect() {
    running++;
  }

  /** A run ended: its slot is free. */
  public void finished() {
    running--;
  }

  /** Empties the queue (the instance stops); returns what was waiting. */
  public List<J> drain() {
    List<J> all = new ArrayList<>(waiting);
    waiting.clear();
    return all;
  }
}
