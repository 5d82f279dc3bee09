package io.inferbus.gateway.scoring;

import io.inferbus.gateway.routing.DeploymentRoute;
import io.inferbus.gateway.routing.InstanceRoute;
import io.inferbus.gateway.statistics.RecentStatistics;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.inferbus.gateway.trafficlog.TrafficRecord;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.stats.TrafficKind;
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
 * {@code inferbus_gateway_mirror_latency_seconds}), written to the traffic log as a {@code mirror}
 * line, counted in the recent statistics as the shadow deployment's mirrored answer (apart from its
 * live ones), and discarded; nothing about it, neither failure nor slowness, reaches the caller, who
 * is answered by the live deployment alone.
 */
public final class Mirroring {

  private final Vertx vertx;
  private final MeterRegistry registry;
  private final TrafficLog trafficLog;
  private final RecentStatistics statistics;

  public Mirroring(Vertx vertx, MeterRegistry registry, TrafficLog trafficLog, RecentStatistics statistics) {
    this.vertx = vertx;
    this.registry = registry;
    this.trafficLog = trafficLog;
    this.statistics = statistics;
  }

  /** One shadow deployment's meters, built once rather than looked up per mirrored request. */
  private final class ShadowMeters {
    final Counter sent;
    final Timer latency;
    final java.util.Map<String, Counter> byOutcome = new ConcurrentHashMap<>();
    final java.util.List<io.micrometer.core.instrument.Meter> all = new java.util.concurrent.CopyOnWriteArrayList<>();
    final String endpoint;
    final String deployment;

    ShadowMeters(String endpoint, String deployment) {
      this.endpoint = endpoint;
      this.deployment = deployment;
      sent = Counter.builder("inferbus.gateway.mirror.sent").tag("endpoint", endpoint).tag("deployment", deployment)
          .description("requests copied to the shadow deployment").register(registry);
      latency = Timer.builder("inferbus.gateway.mirror.latency").tag("endpoint", endpoint)
          .tag("deployment", deployment).serviceLevelObjectives(ScoringMetrics.LATENCY_BUCKETS)
          .description("time to the shadow deployment's answer").register(registry);
      all.add(sent);
      all.add(latency);
    }

    void count(String outcome) {
      byOutcome.computeIfAbsent(outcome, o -> {
        Counter c = Counter.builder("inferbus.gateway.mirror.requests")
            .tag("endpoint", endpoint).tag("deployment", deployment).tag("outcome", o)
            .description("mirrored requests by the shadow deployment's outcome").register(registry);
        all.add(c);
        return c;
      }).increment();
    }
  }

  private final ConcurrentHashMap<String, ShadowMeters> meters = new ConcurrentHashMap<>();

  /** Drops the series of shadow deployments that no longer exist ({@code live}: endpoint → deployments). */
  void retain(java.util.Map<String, java.util.Set<String>> live) {
    meters.entrySet().removeIf(e -> {
      java.util.Set<String> names = live.get(e.getValue().endpoint);
      if (names != null && names.contains(e.getValue().deployment)) {
        return false;
      }
      e.getValue().all.forEach(registry::remove);
      return true;
    });
  }

  /**
   * Sends the copy; returns at once. {@code live} are the live request's delivery options,
   * {@code request} its traffic record (the copy's line shares its request and trace ids).
   */
  void send(String endpoint, DeploymentRoute shadow, Buffer body, DeliveryOptions live, TrafficRecord request) {
    ShadowMeters m = meters.computeIfAbsent(endpoint + "/" + shadow.name(), k -> new ShadowMeters(endpoint, shadow.name()));
    m.sent.increment();
    TrafficRecord copyRecord = new TrafficRecord(request.requestId, request.traceparent, endpoint, TrafficRecord.MIRROR);
    copyRecord.deployment = shadow.name();
    copyRecord.clientRequestId = request.clientRequestId;
    copyRecord.method = request.method;
    copyRecord.path = request.path;
    copyRecord.protocol = request.protocol;
    copyRecord.authMode = request.authMode;
    copyRecord.caller = request.caller;
    copyRecord.userAgent = request.userAgent;
    copyRecord.bytesIn = body.length();
    InstanceRoute instance = shadow.pickInstance();
    if (instance == null) {
      m.count("unavailable");
      finish(copyRecord, FailureKind.UNAVAILABLE);
      return;
    }
    int timeoutMs = shadow.deployment().requestSettings().requestTimeoutMs();
    DeliveryOptions copy = new DeliveryOptions().setSendTimeout(timeoutMs);
    live.getHeaders().forEach(h -> copy.addHeader(h.getKey(), h.getValue()));
    copy.getHeaders().set(ScoringHeaders.TIMEOUT_MS, Integer.toString(timeoutMs));
    copy.addHeader(ScoringHeaders.MIRROR, "true");
    long started = System.nanoTime();
    instance.sent();
    vertx.eventBus().<Buffer>request(instance.state().address(), body, copy).onComplete(ar -> {
      instance.answered();
      m.count(ar.succeeded() ? "ok" : outcome(ar.cause()));
      m.latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      if (ar.succeeded()) {
        copyRecord.bytesOut = ar.result().body().length();
        copyRecord.modelMicros = ScoringHandler.modelMicros(ar.result().headers().get(ScoringHeaders.MODEL_TIME_US));
        finish(copyRecord, null);
      } else {
        finish(copyRecord, ScoringHandler.failureKind(ar.cause()));
      }
    });
  }

  /** The mirrored copy's traffic-log line and statistics; {@code failure} null when it was answered. */
  private void finish(TrafficRecord r, FailureKind failure) {
    r.durationNanos = System.nanoTime() - r.startNanos;
    r.status = failure == null ? 200 : failure.httpStatus();
    r.errorCode = failure == null ? null : failure.code();
    statistics.record(r.endpoint, r.deployment, TrafficKind.MIRRORED, r.status, r.durationNanos);
    trafficLog.write(r);
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
