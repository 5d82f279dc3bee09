package io.inferbus.testing;

import io.inferbus.gateway.scoring.ScoringHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A closed-loop load on one scoring URL: each caller sends its next request as soon as its last one
 * was answered, and every answer is recorded with its status and how long it took, as a caller
 * measures it, with the deployment that answered it ({@code azureml-model-deployment}). A request
 * that got no HTTP answer (connection refused, reset, client timeout) is recorded with status -1.
 */
public final class ScoringLoad implements AutoCloseable {
  /**
   * One request: when it was sent ({@link System#nanoTime()}), how long it took, its status (-1: no
   * answer), the answer's body when it was not a 200, and the deployment the gateway named in its
   * answer (null when it named none).
   */
  public record Outcome(long sentNanos, long tookNanos, int status, String failure, String deployment) {
    public long tookMs() {
      return tookNanos / 1_000_000;
    }

    /** When the answer arrived ({@link System#nanoTime()}). */
    public long answeredNanos() {
      return sentNanos + tookNanos;
    }
  }

  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService callers;

  private ScoringLoad(int callerCount) {
    this.callers = Executors.newFixedThreadPool(callerCount);
  }

  /** Starts {@code callerCount} callers posting {@code body} to {@code url} with {@code key}. */
  public static ScoringLoad start(Https https, String url, String key, byte[] body, int callerCount) {
    ScoringLoad load = new ScoringLoad(callerCount);
    for (int i = 0; i < callerCount; i++) {
      load.callers.execute(() -> {
        while (load.running.get()) {
          long sent = System.nanoTime();
          int status;
          String failure = null;
          String deployment = null;
          try {
            var response = https.send("POST", url, key, "application/json", body);
            status = response.statusCode();
            deployment = response.headers().firstValue(ScoringHandler.DEPLOYMENT_HEADER).orElse(null);
            if (status != 200) {
              failure = response.body();
            }
          } catch (Exception e) {
            status = -1;
            failure = e.toString();
          }
          load.outcomes.add(new Outcome(sent, System.nanoTime() - sent, status, failure, deployment));
        }
      });
    }
    return load;
  }

  /** Requests answered so far. */
  public int count() {
    return outcomes.size();
  }

  /** The requests answered so far, in the order they were answered. */
  public List<Outcome> outcomes() {
    return new ArrayList<>(outcomes);
  }

  /**
   * Stops sending and waits for every caller's last request to be answered; fails if one is still
   * waiting after {@code timeout} (a request that hangs).
   */
  public List<Outcome> stop(Duration timeout) throws InterruptedException {
    running.set(false);
    callers.shutdown();
    if (!callers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      callers.shutdownNow();
      throw new AssertionError("a request was still unanswered " + timeout + " after the load stopped");
    }
    return outcomes();
  }

  @Override
  public void close() {
    running.set(false);
    callers.shutdownNow();
  }
}
