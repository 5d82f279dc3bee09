package io.inferbus.gateway.scoring;

import io.inferbus.gateway.routing.DeploymentRoute;
import io.inferbus.gateway.routing.EndpointRoute;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.autoscale.WakeRequest;
import io.inferbus.protocol.state.DeploymentState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale to zero on the gateway: a request for an autoscaled deployment that has no ready instance
 * (scaled to zero, or its first instances still starting) waits here instead of being answered 503.
 * The first request to wait asks the control plane to wake the deployment
 * ({@link Addresses#AUTOSCALE_WAKE}; asked again every {@value #WAKE_RETRY_MS} ms while it cannot
 * be reached); every waiting request is released, on its own event loop, as soon as the routing
 * table shows a ready instance, and then routed as usual with what is left of its
 * {@code request_timeout_ms}. A request whose deadline passes first is answered 408; one beyond
 * {@code maxWaiting} for the same deployment is refused at once (429), since each holds its body in
 * memory; a deployment the control plane will not wake (deleted, or no longer autoscaled) fails
 * its requests with 503.
 *
 * <p>One per gateway node, used by every event loop: its state is behind one lock, taken only by
 * requests that wait, table changes, and wake answers (never on the path of a request whose
 * deployment has an instance). Nothing blocks: the wait is a timer and a callback.
 */
public final class ColdStartHold {
  private static final Logger LOG = LoggerFactory.getLogger(ColdStartHold.class);
  /** Requests one gateway holds per deployment; each holds its body (up to the body limit). */
  public static final int DEFAULT_MAX_WAITING = 256;
  /** How soon the wake is asked again when the control plane did not answer (it restarts, say). */
  static final long WAKE_RETRY_MS = 1000;
  /** How long a wake request may take: the control plane writes it durably first. */
  static final long WAKE_TIMEOUT_MS = 5000;

  private final Vertx vertx;
  private final String nodeId;
  private final ScoringMetrics metrics;
  private final Supplier<RoutingTable> table;
  private final int maxWaiting;
  /** deployment key → its wake in progress; guarded by {@code this}. */
  private final Map<String, Wake> wakes = new HashMap<>();

  ColdStartHold(Vertx vertx, String nodeId, ScoringMetrics metrics, Supplier<RoutingTable> table, int maxWaiting) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.table = table;
    this.maxWaiting = maxWaiting;
  }

  /** The requests waiting for one deployment, and since when the first of them waits. */
  private final class Wake {
    final String endpoint;
    final String deployment;
    final String key;
    final long sinceNanos = System.nanoTime();
    final List<Waiter> waiters = new ArrayList<>();
    int waitedInAll;
    boolean asked;

    Wake(String endpoint, String deployment, String key) {
      this.endpoint = endpoint;
      this.deployment = deployment;
      this.key = key;
    }
  }

  /** One waiting request: settled once, by an instance becoming ready, its deadline, or a refusal. */
  private final class Waiter {
    final Context context;
    final Promise<Void> released = Promise.promise();
    final long sinceNanos = System.nanoTime();
    long timer = -1;
    boolean settled;

    Waiter(Context context) {
      this.context = context;
    }
  }

  /**
   * Holds a request for {@code deployment} until the routing table shows one of its instances ready,
   * or until {@code deadlineNanos}. Call on the request's event loop; the future completes there:
   * succeeded when the request can be routed again, failed with an {@link InferbusException} to
   * answer (TIMED_OUT, OVERLOADED, UNAVAILABLE).
   */
  public Future<Void> await(String endpoint, DeploymentState deployment, long deadlineNanos) {
    Context context = vertx.getOrCreateContext();
    long leftMs = (deadlineNanos - System.nanoTime()) / 1_000_000;
    String name = deployment.name();
    if (leftMs < 1) {
      return Future.failedFuture(timedOut(name, deployment));
    }
    Waiter waiter = new Waiter(context);
    Wake wake;
    boolean ask;
    synchronized (this) {
      wake = wakes.computeIfAbsent(deployment.key(), k -> new Wake(endpoint, name, k));
      if (wake.waiters.size() >= maxWaiting) {
        metrics.waited(endpoint, name, ScoringMetrics.WAIT_REFUSED, 0);
        return Future.failedFuture(new InferbusException(FailureKind.OVERLOADED, "deployment '" + name
            + "' has no ready instance yet and " + maxWaiting + " requests already wait for one on this gateway;"
            + " try again shortly"));
      }
      wake.waiters.add(waiter);
      wake.waitedInAll++;
      ask = !wake.asked;
      wake.asked = true;
      // set under the lock, so a release or refusal that settles the waiter from another loop cancels it
      waiter.timer = vertx.setTimer(leftMs, t -> expired(wake, waiter, deployment));
    }
    if (ask) {
      LOG.info("deployment {} has no ready instance: holding its requests and asking the control plane to wake it",
          wake.key);
      askToWake(wake);
    }
    // the table may have shown an instance between the caller's look and this wait's registration
    releaseIfReady(wake.key, table.get());
    return waiter.released.future();
  }

  /** Whether requests wait for the deployment ({@code endpoint/deployment}), and how many. */
  public synchronized int waiting(String deploymentKey) {
    Wake wake = wakes.get(deploymentKey);
    return wake == null ? 0 : wake.waiters.size();
  }

  /** The routing table changed (on the gateway's loop): deployments with a ready instance now release their requests. */
  public void tableChanged(RoutingTable now) {
    List<String> keys;
    synchronized (this) {
      if (wakes.isEmpty()) {
        return;
      }
      keys = List.copyOf(wakes.keySet());
    }
    for (String key : keys) {
      releaseIfReady(key, now);
    }
  }

  private void releaseIfReady(String key, RoutingTable now) {
    Wake wake;
    List<Waiter> released;
    synchronized (this) {
      wake = wakes.get(key);
      if (wake == null) {
        return;
      }
      EndpointRoute endpoint = now.endpoint(wake.endpoint);
      DeploymentRoute route = endpoint == null ? null : endpoint.deployment(wake.deployment);
      if (route == null) {
        failAll(wake, new InferbusException(FailureKind.NOT_FOUND, "deployment '" + wake.deployment
            + "' was deleted while the request waited for an instance"), ScoringMetrics.WAIT_UNAVAILABLE);
        return;
      }
      if (route.readyInstances().isEmpty()) {
        return;
      }
      wakes.remove(key);
      released = settleAll(wake);
    }
    long waitedMs = (System.nanoTime() - wake.sinceNanos) / 1_000_000;
    LOG.info("deployment {} woke: an instance is ready {} ms after the first request waited; {} request(s) waited,"
        + " {} released now", key, waitedMs, wake.waitedInAll, released.size());
    for (Waiter w : released) {
      metrics.waited(wake.endpoint, wake.deployment, ScoringMetrics.WAIT_SERVED, System.nanoTime() - w.sinceNanos);
      w.context.runOnContext(v -> w.released.complete());
    }
  }

  /** Settles every waiter of a wake (under the lock) and returns those it settled. */
  private List<Waiter> settleAll(Wake wake) {
    List<Waiter> settled = new ArrayList<>();
    for (Waiter w : wake.waiters) {
      if (!w.settled) {
        w.settled = true;
        vertx.cancelTimer(w.timer);
        settled.add(w);
      }
    }
    wake.waiters.clear();
    return settled;
  }

  /** Fails every waiter of a wake with {@code failure} and forgets the wake (under the lock). */
  private void failAll(Wake wake, InferbusException failure, String outcome) {
    wakes.remove(wake.key);
    for (Waiter w : settleAll(wake)) {
      metrics.waited(wake.endpoint, wake.deployment, outcome, System.nanoTime() - w.sinceNanos);
      w.context.runOnContext(v -> w.released.fail(failure));
    }
  }

  /** A waiter's deadline passed (on its own loop): 408, as any request past its deadline. */
  private void expired(Wake wake, Waiter waiter, DeploymentState deployment) {
    synchronized (this) {
      if (waiter.settled) {
        return;
      }
      waiter.settled = true;
      wake.waiters.remove(waiter);
      if (wake.waiters.isEmpty() && wakes.get(wake.key) == wake) {
        wakes.remove(wake.key); // a later request starts a new wait, and asks again
      }
    }
    metrics.waited(wake.endpoint, wake.deployment, ScoringMetrics.WAIT_TIMED_OUT,
        System.nanoTime() - waiter.sinceNanos);
    waiter.released.fail(timedOut(deployment.name(), deployment));
  }

  private static InferbusException timedOut(String name, DeploymentState deployment) {
    return new InferbusException(FailureKind.TIMED_OUT, "deployment '" + name + "' had no ready instance within "
        + deployment.requestSettings().requestTimeoutMs() + " ms (request_timeout_ms) while it started");
  }

  /**
   * Asks the control plane to wake the deployment. An answer of 0 instances means it will not (the
   * deployment is gone or no longer autoscaled): its requests fail. No answer: asked again shortly,
   * while requests still wait.
   */
  private void askToWake(Wake wake) {
    int waiting;
    synchronized (this) {
      waiting = wake.waiters.size();
    }
    vertx.eventBus().<JsonObject>request(Addresses.AUTOSCALE_WAKE,
        new WakeRequest(wake.endpoint, wake.deployment, nodeId, waiting).toJson(),
        new DeliveryOptions().setSendTimeout(WAKE_TIMEOUT_MS)).onComplete(ar -> {
          if (ar.succeeded() && ar.result().body().getInteger("instance_count", 0) > 0) {
            return; // the instance starts; the table will show it
          }
          synchronized (this) {
            if (wakes.get(wake.key) != wake) {
              return; // released, or every request gave up, meanwhile
            }
            if (ar.succeeded()) {
              failAll(wake, new InferbusException(FailureKind.UNAVAILABLE, "deployment '" + wake.deployment
                  + "' has no ready instance and is not autoscaled"), ScoringMetrics.WAIT_UNAVAILABLE);
              return;
            }
          }
          LOG.warn("deployment {}: the control plane did not take the wake ({}); asking again in {} ms", wake.key,
              ar.cause().getMessage(), WAKE_RETRY_MS);
          vertx.setTimer(WAKE_RETRY_MS, t -> {
            synchronized (this) {
              if (wakes.get(wake.key) != wake) {
                return;
              }
            }
            askToWake(wake);
          });
        });
  }
}
