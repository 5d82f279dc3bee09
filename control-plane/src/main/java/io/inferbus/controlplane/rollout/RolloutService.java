package io.inferbus.controlplane.rollout;

import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.endpoints.EndpointService;
import io.inferbus.controlplane.endpoints.TrafficObserver;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.operations.Validated;
import io.inferbus.controlplane.rollout.Rollout.Pause;
import io.inferbus.controlplane.rollout.Rollout.State;
import io.inferbus.controlplane.rollout.RolloutProgress.Action;
import io.inferbus.controlplane.rollout.StepWindow.Baseline;
import io.inferbus.controlplane.statistics.GatheredStatistics;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.RequestIds;
import io.inferbus.protocol.spec.RolloutSpec;
import io.inferbus.protocol.spec.TrafficSpec;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Canary rollouts: {@code POST /endpoints/{e}/rollout} starts one, {@code GET} shows it,
 * {@code .../promote} and {@code .../abort} end it; in between the control plane moves the canary's
 * share through the steps itself, judging it every second from the gateways' statistics
 * ({@link StepWindow}, {@link RolloutJudge}, {@link RolloutProgress}). A thin shell around those pure
 * parts: every decision is written as an ordinary traffic revision through {@link EndpointService}
 * (actor {@value #ACTOR_NAME}) with an audit record carrying its evidence, in one transaction with
 * the rollout's new state, then published to the gateways.
 *
 * <p>The store is the only truth: each evaluation starts from the stored rollout, and a decision is
 * written only if the rollout is still at the step it was taken for, so an operator's promote, abort
 * or traffic change in between always wins. A traffic change by anyone else pauses the rollout in that
 * change's own transaction ({@link TrafficObserver}). After a restart {@link #resume} carries on from
 * the stored step start times.
 */
public final class RolloutService implements TrafficObserver {
  private static final Logger LOG = LoggerFactory.getLogger(RolloutService.class);
  /** Who the rollout's own traffic changes are by, in the history and the audit log. */
  public static final String ACTOR_NAME = "rollout";
  /** How often a running step's window is judged: a breach is acted on within this of showing. */
  public static final long EVALUATION_PERIOD_MS = 1000;
  /**
   * How long an evaluation waits for each gateway: they answer from memory within milliseconds, and a
   * breach must not wait 2 s for a gateway that is down (its answers are missing from that window).
   */
  public static final long GATHER_TIMEOUT_MS = 500;

  /** Where the gateways' statistics come from: {@code StatisticsGatherer::gather}, or a test's stand-in. */
  @FunctionalInterface
  public interface Statistics {
    Future<GatheredStatistics> gather(StatisticsQuery query);
  }

  /** The latest evaluation of a running step, kept in memory for {@code GET} (stored only when it decides). */
  private record Latest(String rolloutId, int step, JsonObject evidence) {}

  /** What a start, promote or abort wrote: the endpoint to publish (null: no traffic change) and the rollout. */
  private record Written(JsonObject endpointDoc, Rollout rollout) {}

  private final Vertx vertx;
  private final StoreThread storeThread;
  private final EndpointService endpoints;
  private final AuditLog audit;
  private final Statistics statistics;
  private final Clock clock;
  private final long periodMs;
  private final Map<String, Latest> latest = new ConcurrentHashMap<>();
  private final Set<String> evaluating = ConcurrentHashMap.newKeySet();
  private long timer = -1;
  private boolean ticking;
  private volatile long resumedAtMs;

  /**
   * @param periodMs how often running rollouts are evaluated; 0: never by itself (a test calls
   *     {@link #evaluateAll})
   */
  public RolloutService(Vertx vertx, StoreThread storeThread, EndpointService endpoints, AuditLog audit,
      Statistics statistics, Clock clock, long periodMs) {
    this.vertx = vertx;
    this.storeThread = storeThread;
    this.endpoints = endpoints;
    this.audit = audit;
    this.statistics = statistics;
    this.clock = clock;
    this.periodMs = periodMs;
  }

  // ------------------------------------------------------------ life cycle

  /**
   * Takes up the rollouts the store holds (a control plane starting, after a restart as the first
   * time): watches operators' traffic changes, and evaluates every running rollout each period from
   * now on, on the caller's context (the control plane's event loop). Step timers need no restoring:
   * they are the stored step start times.
   */
  public Future<Void> resume() {
    endpoints.observe(this);
    resumedAtMs = clock.millis();
    return storeThread.read(() -> storeThread.store().list(Table.ROLLOUTS, null).stream().map(Rollout::fromJson)
        .filter(r -> r.state().inProgress()).toList()).map(inProgress -> {
          for (Rollout r : inProgress) {
            LOG.info("rollout of {}/{}: {} at step {} of {} ({} %), step started at {}", r.endpoint(), r.deployment(),
                r.state() == State.RUNNING ? "resumed" : "still paused", r.step() + 1, r.spec().steps().size(),
                r.share(), Rollout.iso(r.stepStartedMs()));
          }
          if (periodMs > 0) {
            timer = vertx.setPeriodic(periodMs, id -> tick());
          }
          return null;
        });
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    if (ticking) {
      return; // the store thread is busy: the next period catches up
    }
    ticking = true;
    evaluateAll().onComplete(ar -> {
      ticking = false;
      if (ar.failed()) {
        LOG.warn("rollouts not evaluated this round: {}", ar.cause().toString());
      }
    });
  }

  // ------------------------------------------------------------ the API

  /**
   * {@code POST /endpoints/{e}/rollout}: checks the body and the endpoint, reads the gateways' slot in
   * progress (the first step's baseline), then in one transaction checks again, moves the traffic to
   * the first step and stores the rollout. 201 with the rollout as {@link #status} shows it.
   */
  public Future<ApiResult> start(String endpoint, JsonObject body, Actor actor) {
    return Validated.of(() -> RolloutSpec.parse(body))
        .compose(spec -> storeThread.read(() -> plan(storeThread.store(), endpoint, spec))
            .compose(plan -> snapshot(endpoint, spec.deployment(), plan.stable().keySet()))
            .compose(baseline -> storeThread.write(() -> {
              Store store = storeThread.store();
              Plan plan = plan(store, endpoint, spec);
              long now = clock.millis();
              JsonObject traffic = trafficBody(RolloutTraffic.weights(plan.stable(), spec.deployment(), spec.share(0)));
              if (plan.canaryMirrored()) { // a deployment with live traffic cannot stay a mirror
                traffic.put(TrafficSpec.MIRROR_TRAFFIC, new JsonObject().put(spec.deployment(), 0));
              }
              JsonObject detail = new JsonObject().put("rollout", spec.toJson()
                  .put("stable", EndpointState.weightsToJson(plan.stable())));
              JsonObject doc = revise(endpoint, traffic, actor, "rollout.start", detail,
                  "rollout of " + spec.deployment() + " started by " + actor.subject() + ": step 1 of "
                      + spec.steps().size() + " (" + spec.share(0) + " %)");
              long revision = doc == null ? plan.revision() : doc.getLong("traffic_revision");
              Rollout rollout = new Rollout(UUID.randomUUID().toString(), endpoint, spec, plan.stable(), State.RUNNING,
                  0, now, baseline, revision, now, actor.subject(), null, null, null, null, List.of());
              store.put(Table.ROLLOUTS, rollout.toJson(), endpoint);
              return new Written(doc, rollout);
            })))
        .compose(written -> publish(written.endpointDoc()).map(v -> {
          Rollout r = written.rollout();
          LOG.info("request {}: rollout of {}/{} started by {}: steps {} every {} s, stable {}", actor.requestId(),
              endpoint, r.deployment(), actor.subject(), r.spec().steps(), r.spec().stepIntervalS(), r.stable());
          return ApiResult.created(r.view(null));
        }));
  }

  /** {@code GET /endpoints/{e}/rollout}: the running rollout, or the last one ended; 404 without any. */
  public Future<ApiResult> status(String endpoint) {
    return storeThread.read(() -> existing(storeThread.store(), endpoint))
        .map(r -> ApiResult.ok(r.view(latestOf(r))));
  }

  /**
   * {@code POST .../rollout/promote}: the canary takes all live traffic now and the rollout ends
   * Succeeded, from any step, running or paused. 409 once it has ended.
   */
  public Future<ApiResult> promote(String endpoint, Actor actor) {
    return end(endpoint, actor, State.SUCCEEDED, "rollout.promote", "promoted");
  }

  /**
   * {@code POST .../rollout/abort}: the stable deployments take all live traffic back, in their
   * proportions when it started, and the rollout ends Aborted. 409 once it has ended.
   */
  public Future<ApiResult> abort(String endpoint, Actor actor) {
    return end(endpoint, actor, State.ABORTED, "rollout.abort", "aborted");
  }

  private Future<ApiResult> end(String endpoint, Actor actor, State end, String action, String verb) {
    return storeThread.write(() -> {
      Store store = storeThread.store();
      Rollout r = existing(store, endpoint);
      if (!r.state().inProgress()) {
        throw new InferbusException(FailureKind.CONFLICT, "the rollout of '" + r.deployment() + "' on endpoint '"
            + endpoint + "' has ended (" + r.state().shown() + " at " + Rollout.iso(r.endedMs())
            + "): there is nothing to " + (end == State.SUCCEEDED ? "promote" : "abort"));
      }
      Map<String, Integer> weights = stillDeployed(store, endpoint, r,
          RolloutTraffic.weights(r.stable(), r.deployment(), end == State.SUCCEEDED ? 100 : 0));
      JsonObject detail = new JsonObject().put("rollout", summary(r)).put("state_before", r.state().shown())
          .put("last_verdict", latestOrStored(r));
      JsonObject doc = revise(endpoint, trafficBody(weights), actor, action, detail,
          "rollout of " + r.deployment() + " " + verb + " by " + actor.subject() + " at step " + (r.step() + 1) + " ("
              + r.share() + " %)");
      long revision = doc == null ? r.trafficRevision() : doc.getLong("traffic_revision");
      Rollout ended = r.ended(end, clock.millis(), actor.subject(), verb + " by " + actor.subject(), revision, null);
      store.put(Table.ROLLOUTS, ended.toJson(), endpoint);
      return new Written(doc, ended);
    }).compose(written -> publish(written.endpointDoc()).map(v -> {
      Rollout r = written.rollout();
      latest.remove(endpoint);
      LOG.info("request {}: rollout of {}/{} {} by {} at step {} ({} %)", actor.requestId(), endpoint,
          r.deployment(), verb, actor.subject(), r.step() + 1, r.share());
      return ApiResult.ok(r.view(null));
    }));
  }

  // ------------------------------------------------------------ judging

  /** Evaluates every running rollout once (each period; tests call it directly). */
  public Future<Void> evaluateAll() {
    return storeThread.read(() -> storeThread.store().list(Table.ROLLOUTS, null).stream().map(Rollout::fromJson)
        .filter(r -> r.state() == State.RUNNING).toList())
        .compose(running -> {
          List<Future<Void>> evaluations = new ArrayList<>();
          running.forEach(r -> evaluations.add(evaluate(r)));
          return Future.join(evaluations).mapEmpty();
        });
  }

  /** Judges the step's window so far and acts on the decision; never fails (a failure is logged). */
  private Future<Void> evaluate(Rollout r) {
    if (!evaluating.add(r.endpoint())) {
      return Future.succeededFuture(); // the previous evaluation is still gathering or writing
    }
    long now = clock.millis();
    long to = StepWindow.slotOf(now) + StepWindow.SLOT_MS;
    long from = Math.min(r.baseline() != null ? r.baseline().slotMs() : StepWindow.slotOf(r.stepStartedMs()),
        to - StepWindow.SLOT_MS);
    return statistics.gather(new StatisticsQuery(r.endpoint(), null, from, to, StepWindow.SLOT_MS))
        .compose(gathered -> {
          StepWindow window = StepWindow.of(gathered, r.endpoint(), r.deployment(), r.stable().keySet(), r.baseline(),
              now);
          Verdict verdict = RolloutJudge.judge(window.canary(), window.stable(), r.spec().limits());
          Action action = RolloutProgress.decide(r, verdict.outcome(), now,
              resumedAtMs + r.spec().stepIntervalS() * 1000L);
          JsonObject evidence = evidence(r, verdict, action, now, gathered);
          latest.put(r.endpoint(), new Latest(r.id(), r.step(), evidence));
          return action == Action.CONTINUE ? Future.<Void>succeededFuture()
              : act(r, action, verdict, evidence, window.snapshot());
        })
        .recover(e -> {
          LOG.warn("rollout of {}/{}: evaluation failed: {}", r.endpoint(), r.deployment(), e.toString());
          return Future.succeededFuture();
        })
        .eventually(() -> {
          evaluating.remove(r.endpoint());
          return Future.succeededFuture();
        });
  }

  /**
   * Writes a decision, if the rollout is still running at the step it was taken for: the traffic
   * revision (none for a promotion after the last step, nor a pause), the audit record with the
   * evidence, the rollout's new state; then publishes the endpoint.
   */
  private Future<Void> act(Rollout evaluated, Action action, Verdict verdict, JsonObject evidence,
      Baseline snapshot) {
    Actor actor = new Actor(ACTOR_NAME, "rollout-" + RequestIds.accept(null));
    String endpoint = evaluated.endpoint();
    return storeThread.write(() -> {
      Store store = storeThread.store();
      Rollout r = load(store, endpoint);
      if (r == null || !r.id().equals(evaluated.id()) || r.state() != State.RUNNING || r.step() != evaluated.step()) {
        return null; // paused, promoted or aborted meanwhile: that decision stands
      }
      long now = clock.millis();
      String canary = r.deployment();
      return switch (action) {
        case NEXT_STEP -> {
          int next = r.step() + 1;
          int share = r.spec().share(next);
          JsonObject doc = revise(endpoint, trafficBody(RolloutTraffic.weights(r.stable(), canary, share)), actor,
              "rollout.step", decisionDetail(r, evidence).put("next_step", next + 1).put("next_share", share),
              "rollout of " + canary + ": step " + (next + 1) + " of " + r.spec().steps().size() + " (" + share
                  + " %), step " + (r.step() + 1) + " passed (" + figures(verdict) + ")");
          long revision = doc == null ? r.trafficRevision() : doc.getLong("traffic_revision");
          store.put(Table.ROLLOUTS, r.nextStep(now, snapshot, revision, evidence).toJson(), endpoint);
          LOG.info("rollout of {}/{}: step {} passed ({}), step {} of {}: {} %", endpoint, canary, r.step() + 1,
              figures(verdict), next + 1, r.spec().steps().size(), share);
          yield doc;
        }
        case PROMOTE -> {
          audit.record(actor, "rollout.promote", target(endpoint), null, null, decisionDetail(r, evidence));
          store.put(Table.ROLLOUTS, r.ended(State.SUCCEEDED, now, ACTOR_NAME, "every step passed",
              r.trafficRevision(), evidence).toJson(), endpoint);
          LOG.info("rollout of {}/{}: last step passed ({}): promoted, Succeeded", endpoint, canary, figures(verdict));
          yield null;
        }
        case ROLL_BACK -> {
          String breach = verdict.breaches().get(0).message();
          JsonObject doc = revise(endpoint, trafficBody(RolloutTraffic.weights(r.stable(), canary, 0)), actor,
              "rollout.rollback", decisionDetail(r, evidence), "rollout of " + canary + " rolled back at step "
                  + (r.step() + 1) + " (" + r.share() + " %): " + breach);
          long revision = doc == null ? r.trafficRevision() : doc.getLong("traffic_revision");
          store.put(Table.ROLLOUTS, r.ended(State.ROLLED_BACK, now, ACTOR_NAME, verdict.limit() + " breached: " + breach,
              revision, evidence).toJson(), endpoint);
          LOG.info("rollout of {}/{}: rolled back at step {} ({} %): {}; window {} to {}", endpoint, canary,
              r.step() + 1, r.share(), breach, Rollout.iso(r.stepStartedMs()), Rollout.iso(evidenceTo(evidence)));
          yield doc;
        }
        case PAUSE -> {
          String reason = "insufficient_data: the canary had " + verdict.canary().requests() + " of min_requests "
              + r.spec().limits().minRequests() + " answers by the end of step " + (r.step() + 1) + "'s extension";
          Pause pause = new Pause(reason, ACTOR_NAME, now, null);
          audit.record(actor, "rollout.pause", target(endpoint), null, null, decisionDetail(r, evidence)
              .put("paused", new JsonObject().put("reason", reason)));
          store.put(Table.ROLLOUTS, r.paused(pause, evidence).toJson(), endpoint);
          LOG.info("rollout of {}/{}: paused at step {} ({} %): {}", endpoint, canary, r.step() + 1, r.share(), reason);
          yield null;
        }
        case CONTINUE -> null;
      };
    }).compose(doc -> {
      if (action != Action.CONTINUE && action != Action.NEXT_STEP) {
        latest.remove(endpoint);
      }
      return publish(doc);
    });
  }

  // ------------------------------------------------------------ operators' traffic changes

  /** An operator moved the traffic: a running rollout pauses, in that change's transaction. */
  @Override
  public void trafficRevised(String endpoint, long revision, Actor actor) {
    Store store = storeThread.store();
    Rollout r = load(store, endpoint);
    if (r == null || r.state() != State.RUNNING) {
      return;
    }
    String reason = "traffic changed by " + actor.subject() + " (revision " + revision + ")";
    Pause pause = new Pause(reason, actor.subject(), clock.millis(), revision);
    store.put(Table.ROLLOUTS, r.paused(pause, null).toJson(), endpoint);
    audit.record(new Actor(ACTOR_NAME, actor.requestId()), "rollout.pause", target(endpoint), null, null,
        new JsonObject().put("rollout", summary(r)).put("paused", new JsonObject().put("reason", reason)
            .put("actor", actor.subject()).put("traffic_revision", revision)));
    LOG.info("request {}: rollout of {}/{} pauses at step {} ({} %): {}", actor.requestId(), endpoint, r.deployment(),
        r.step() + 1, r.share(), reason);
  }

  @Override
  public void endpointDeleted(String endpoint) {
    storeThread.store().delete(Table.ROLLOUTS, endpoint);
    latest.remove(endpoint);
  }

  // ------------------------------------------------------------ helpers

  /** What a start needs from the store, checked: the stable weights, the revision, whether the canary is mirrored. */
  private record Plan(Map<String, Integer> stable, long revision, boolean canaryMirrored) {}

  private static Plan plan(Store store, String endpoint, RolloutSpec spec) {
    JsonObject endpointDoc = Resources.endpoint(store, endpoint);
    Set<String> deployments = Resources.deploymentNames(store, endpoint);
    String canary = spec.deployment();
    if (!deployments.contains(canary)) {
      throw new InferbusException(FailureKind.BAD_INPUT, "endpoint '" + endpoint + "' has no deployment '" + canary
          + "'; its deployments are " + deployments, RolloutSpec.DEPLOYMENT);
    }
    Rollout existing = load(store, endpoint);
    if (existing != null && existing.state().inProgress()) {
      throw new InferbusException(FailureKind.CONFLICT, "endpoint '" + endpoint + "' already has a rollout in progress: "
          + "'" + existing.deployment() + "' is " + existing.state().shown() + " at step " + (existing.step() + 1)
          + " of " + existing.spec().steps().size() + " (" + existing.share() + " %); promote or abort it first");
    }
    TrafficSpec traffic = TrafficSpec.of(endpointDoc);
    if (traffic.traffic().getOrDefault(canary, 0) == 100) {
      throw new InferbusException(FailureKind.BAD_INPUT, "deployment '" + canary + "' already has 100 % of endpoint '"
          + endpoint + "''s live traffic: there is nothing to roll out", RolloutSpec.DEPLOYMENT);
    }
    Map<String, Integer> stable = new LinkedHashMap<>();
    traffic.traffic().forEach((d, w) -> {
      if (w > 0 && !d.equals(canary)) {
        stable.put(d, w);
      }
    });
    if (stable.isEmpty()) {
      throw new InferbusException(FailureKind.CONFLICT, "no deployment of endpoint '" + endpoint + "' has live "
          + "traffic: a rollout needs a stable deployment to compare '" + canary + "' with and to go back to; set the "
          + "traffic directly (PATCH /endpoints/" + endpoint + ")", TrafficSpec.TRAFFIC);
    }
    return new Plan(stable, endpointDoc.getLong("traffic_revision", 0L),
        traffic.mirror().getOrDefault(canary, 0) > 0);
  }

  /** The slot in progress now, per deployment: a step starting now subtracts it from its first slot. */
  private Future<Baseline> snapshot(String endpoint, String canary, Set<String> stable) {
    long now = clock.millis();
    long slot = StepWindow.slotOf(now);
    return statistics.gather(new StatisticsQuery(endpoint, null, slot, slot + StepWindow.SLOT_MS, StepWindow.SLOT_MS))
        .map(gathered -> StepWindow.of(gathered, endpoint, canary, stable, null, now).snapshot());
  }

  /** The endpoint's rollout; 404 for an unknown endpoint, or one that never had a rollout. */
  private static Rollout existing(Store store, String endpoint) {
    Resources.endpoint(store, endpoint);
    Rollout r = load(store, endpoint);
    if (r == null) {
      throw InferbusException.notFound("endpoint '" + endpoint + "' has no rollout; start one with POST /endpoints/"
          + endpoint + "/rollout (inferbus online-endpoint rollout start)");
    }
    return r;
  }

  /**
   * {@code weights} without the deployments deleted since the rollout started (possible once an
   * operator's change paused it and took their traffic away) when they would get 0; 409 when one
   * of them would get traffic.
   */
  private static Map<String, Integer> stillDeployed(Store store, String endpoint, Rollout r,
      Map<String, Integer> weights) {
    Set<String> deployments = Resources.deploymentNames(store, endpoint);
    Map<String, Integer> kept = new LinkedHashMap<>();
    weights.forEach((d, w) -> {
      if (deployments.contains(d)) {
        kept.put(d, w);
      } else if (w > 0) {
        throw new InferbusException(FailureKind.CONFLICT, "deployment '" + d + "' of the rollout of '" + r.deployment()
            + "' on endpoint '" + endpoint + "' has been deleted since it started, so it cannot take " + w
            + " % of live traffic; set the traffic directly (PATCH /endpoints/" + endpoint + ")", TrafficSpec.TRAFFIC);
      }
    });
    return kept;
  }

  private static Rollout load(Store store, String endpoint) {
    return store.get(Table.ROLLOUTS, endpoint).map(Rollout::fromJson).orElse(null);
  }

  /** A traffic change with its audit record; the audit record alone when the traffic already is that. */
  private JsonObject revise(String endpoint, JsonObject traffic, Actor actor, String action, JsonObject detail,
      String note) {
    JsonObject doc = endpoints.reviseTraffic(endpoint, traffic, actor, action, target(endpoint), detail, note);
    if (doc == null) {
      audit.record(actor, action, target(endpoint), null, null, detail);
    }
    return doc;
  }

  private Future<Void> publish(JsonObject endpointDoc) {
    return endpointDoc == null ? Future.succeededFuture() : endpoints.publish(endpointDoc);
  }

  private JsonObject latestOf(Rollout r) {
    Latest l = latest.get(r.endpoint());
    return l != null && r.state() == State.RUNNING && l.rolloutId().equals(r.id()) && l.step() == r.step()
        ? l.evidence() : null;
  }

  private JsonObject latestOrStored(Rollout r) {
    JsonObject l = latestOf(r);
    return l != null ? l : r.lastVerdict();
  }

  private static JsonObject trafficBody(Map<String, Integer> weights) {
    return new JsonObject().put(TrafficSpec.TRAFFIC, EndpointState.weightsToJson(weights));
  }

  private static String target(String endpoint) {
    return "endpoints/" + endpoint + "/rollout";
  }

  /** Which rollout, for an audit record. */
  private static JsonObject summary(Rollout r) {
    return new JsonObject().put("deployment", r.deployment()).put("steps", new JsonArray(new ArrayList<>(
        r.spec().steps()))).put("step", r.step() + 1).put("share", r.share())
        .put("stable", EndpointState.weightsToJson(r.stable()));
  }

  private static JsonObject decisionDetail(Rollout r, JsonObject evidence) {
    return new JsonObject().put("rollout", summary(r)).put("evidence", evidence);
  }

  /**
   * An evaluation as shown and audited: which step, the window (from the step's start to now), the
   * decision, the verdict's outcome, limit, breaches and both sides' figures, and the gateways.
   */
  private static JsonObject evidence(Rollout r, Verdict verdict, Action action, long now, GatheredStatistics gathered) {
    JsonObject v = verdict.toJson();
    v.getJsonObject("canary").put("deployment", r.deployment());
    v.getJsonObject("stable").put("deployments", new JsonArray(new ArrayList<>(r.stable().keySet())));
    return new JsonObject()
        .put("step", r.step() + 1)
        .put("share", r.share())
        .put("window", new JsonObject().put("from", Rollout.iso(r.stepStartedMs())).put("to", Rollout.iso(now)))
        .put("decision", action.wireName())
        .mergeIn(v)
        .put("gateways", new JsonArray(gathered.gateways()))
        .put("missing_gateways", new JsonArray(gathered.missingGateways()));
  }

  private static long evidenceTo(JsonObject evidence) {
    return Rollout.millis(evidence.getJsonObject("window").getString("to"));
  }

  /** The canary's figures in a line: answers, error rate, p95. */
  private static String figures(Verdict v) {
    Verdict.Figures c = v.canary();
    return "canary " + c.requests() + " answers, " + Verdict.Figures.round(c.errorRatePercent()) + " % errors, p95 "
        + (c.p95Ms() == null ? "-" : Verdict.Figures.round(c.p95Ms()) + " ms");
  }
}
