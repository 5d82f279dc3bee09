package io.inferbus.gateway.scoring;

import io.inferbus.gateway.routing.DeploymentRoute;
import io.inferbus.gateway.routing.InstanceRoute;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringHeaders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Mirror traffic: a copy of an unpinned request goes to the endpoint's shadow deployment too
 * ({@code inferbus_gateway_mirror_sent_total{endpoint, deployment}}). Its answer is measured
 * ({@code inferbus_gateway_mirror_requests_total{endpoint, deployment, outcome}} and
 * {@code inferbus_gateway_mirror_latency_seconds}) and discarded; nothing about it, neither
 * failure nor slowness, reaches the caller, who is answered by the live deployment alone.
 */
public final class Mirroring {
  /** Header on a mirrored copy, so instances and logs can tell shadow work from live work. */
  public static final String MIRROR_HEADER = "inferbus-mirror";

  private final Vertx vertx;
  private final MeterRegistry registry;

  public Mirroring(Vertx vertx, MeterRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  /** One shadow deployment's meters, built once rather than looked up per mirrored request. */
  private final class ShadowMeters {
    final Counter sent;
    final Timer latency;
    final java.util.Map<String, Counter> byOutcome = new ConcurrentHashMap<>();
    final String endpoint;
    final String deployment;

    ShadowMeters(String endpoint, String deployment) {
      this.endpoint = endpoint;
      this.deployment = deployment;
      sent = Counter.builder("inferbus.gateway.mirror.sent").tag("endpoint", endpoint).tag("deployment", deployment)
          .description("requests copied to the shadow deployment").register(registry);
      latency = Timer.builder("inferbus.gateway.mirror.latency").tag("endpoint", endpoint)
          .tag("deployment", deployment).description("time to the shadow deployment's answer").register(registry);
    }

    void count(String outcome) {
      byOutcome.computeIfAbsent(outcome, o -> Counter.builder("inferbus.gateway.mirror.requests")
          .tag("endpoint", endpoint).tag("deployment", deployment).tag("outcome", o)
          .description("mirrored requests by the shadow deployment's outcome").register(registry)).increment();
    }
  }

  private final ConcurrentHashMap<String, ShadowMeters> meters = new ConcurrentHashMap<>();

  /** Sends the copy; returns at once. {@code live} are the live request's delivery options. */
  void send(String endpoint, DeploymentRoute shadow, Buffer body, DeliveryOptions live) {
    ShadowMeters m = meters.computeIfAbsent(endpoint + "/" + shadow.name(), k -> new ShadowMeters(endpoint, shadow.name()));
    m.sent.increment();
    InstanceRoute instance = shadow.pickInstance();
    if (instance == null) {
      m.count("unavailable");
      return;
    }
    int timeoutMs = shadow.deployment().requestSettings().requestTimeoutMs();
    DeliveryOptions copy = new DeliveryOptions().setSendTimeout(timeoutMs);
    live.getHeaders().forEach(h -> copy.addHeader(h.getKey(), h.getValue()));
    copy.getHeaders().set(ScoringHeaders.TIMEOUT_MS, Integer.toString(timeoutMs));
    copy.addHeader(MIRROR_HEADER, "true");
    long started = System.nanoTime();
    instance.sent();
    vertx.eventBus().request(instance.state().address(), body, copy).onComplete(ar -> {
      instance.answered();
      m.count(ar.succeeded() ? "ok" : outcome(ar.cause()));
      m.latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    });
  }

  private static String outcome(Throwable cause) {
    if (cause instanceof ReplyException r) {
      if (r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        return FailureKind.fromEventBusCode(r.failureCode()).name().toLowerCase(Locale.ROOT);
      }
      return r.failureType().name().toLowerCase(Locale.ROOT); // timeout, no_handlers
    }
    return "internal";
  }
}
