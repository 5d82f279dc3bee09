package io.inferbus.controlplane.autoscale;

import io.inferbus.controlplane.autoscale.ScaleDecision.Action;
import io.inferbus.controlplane.autoscale.ScaleDecision.Memory;
import io.inferbus.controlplane.autoscale.ScaleDecision.Outcome;
import io.inferbus.controlplane.autoscale.ScaleDecision.Sample;
import io.inferbus.controlplane.deployments.DeploymentService;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.WakeRequest;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ScaleSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's autoscaling loop, a thin shell around {@link ScaleDecision}: for each
 * autoscaled deployment in the cluster's deployment table, every {@code polling_interval} it asks
 * the gateways for their demand ({@link DemandGatherer}), counts the deployment's ready and starting
 * instances in the instance table, decides, and writes a change of {@code instance_count} through
 * {@link DeploymentService#autoscale} (actor {@value #SUBJECT}, audited with the figures, the
 * generation kept). It also answers the gateways' wake requests ({@link Addresses#AUTOSCALE_WAKE})
 * for deployments scaled to zero, through the same write.
 *
 * <p>Everything runs on the control plane's context; rounds of sampling never overlap, and a
 * deployment has at most one write in flight. What it remembers between samples (streaks, last
 * activity) is in memory only: a control plane that starts again reads the deployments from the
 * table its store republished and builds the rest from fresh samples, counting every deployment as
 * active at that moment, so a restart never retires instances early. Decisions need at least one
 * gateway's answer: no answer is no evidence of idleness.
 */
public final class Autoscaler {
  private static final Logger LOG = LoggerFactory.getLogger(Autoscaler.class);
  public static final String SUBJECT = "autoscaler";
  public static final Actor ACTOR = new Actor(SUBJECT, null);
  /** Audit actions: a decision on the gateways' samples, and a wake of a deployment scaled to zero. */
  public static final String SCALE_ACTION = "deployment.scale";
  public static final String WAKE_ACTION = "deployment.wake";
  /** How often the loop looks for deployments whose polling interval has passed (the shortest interval is 1 s). */
  static final long TICK_MS = 200;

  private final Vertx vertx;
  private final LiveCluster live;
  private final DeploymentService service;
  private final DemandGatherer gatherer;
  private final LongSupplier clock;
  private final ClusterMapView<DeploymentState> deployments;
  private final Map<String, Memory> memory = new HashMap<>();
  private final Map<String, Long> lastSampled = new HashMap<>();
  /** Deployments with a write in flight: no second decision until it is done. */
  private final Set<String> writing = new HashSet<>();
  private boolean gathering;
  private long timer = -1;
  private MessageConsumer<Object> wakes;

  public Autoscaler(Vertx vertx, Context context, ClusterRecords records, LiveCluster live, DeploymentService service,
      DemandGatherer gatherer, LongSupplier clock) {
    this.vertx = vertx;
    this.live = live;
    this.service = service;
    this.gatherer = gatherer;
    this.clock = clock;
    this.deployments = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, () -> {});
  }

  /** Starts watching the deployment table, answering wakes and sampling. Call on the control plane's context. */
  public Future<Void> start() {
    return deployments.start().compose(v -> {
      wakes = vertx.eventBus().consumer(Addresses.AUTOSCALE_WAKE, this::wake);
      return wakes.completion();
    }).onSuccess(v -> timer = vertx.setPeriodic(TICK_MS, t -> tick()));
  }

  public void stop() {
    vertx.cancelTimer(timer);
    if (wakes != null) {
      wakes.unregister();
    }
    deployments.stop();
  }

  /** Samples the autoscaled deployments whose polling interval has passed, all with one question to the gateways. */
  private void tick() {
    long now = clock.getAsLong();
    Map<String, DeploymentState> autoscaled = new HashMap<>();
    for (DeploymentState d : deployments.entries().values()) {
      if (d.autoscaled()) {
        autoscaled.put(d.key(), d);
      }
    }
    memory.keySet().retainAll(autoscaled.keySet());
    lastSampled.keySet().retainAll(autoscaled.keySet());
    if (gathering) {
      return;
    }
    List<DemandQuery.Asked> due = new ArrayList<>();
    for (DeploymentState d : autoscaled.values()) {
      long interval = d.scaleSettings().pollingIntervalS() * 1000L;
      Long last = lastSampled.get(d.key());
      if (last == null || now - last >= interval - TICK_MS / 2) {
        due.add(new DemandQuery.Asked(d.endpoint(), d.name(), interval));
      }
    }
    if (due.isEmpty()) {
      return;
    }
    gathering = true;
    gatherer.gather(new DemandQuery(due)).onComplete(ar -> {
      gathering = false;
      if (ar.failed()) {
        LOG.warn("autoscaler: asking the gateways for their demand failed: {}", ar.cause().toString());
        return;
      }
      DemandGatherer.Gathered gathered = ar.result();
      long sampledAt = clock.getAsLong();
      for (DemandQuery.Asked asked : due) {
        String key = ClusterMaps.deploymentKey(asked.endpoint(), asked.deployment());
        lastSampled.put(key, now);
        DeploymentState d = deployments.entries().get(key); // as it is now, after the gathering
        if (d != null && d.autoscaled() && !gathered.gateways().isEmpty()) {
          sampled(d, gathered.of(key), gathered, sampledAt);
        }
      }
    });
  }

  private void sampled(DeploymentState d, DemandGatherer.Demand demand, DemandGatherer.Gathered gathered, long now) {
    String key = d.key();
    int[] instances = instances(d);
    Sample sample = new Sample(demand.inFlight(), demand.waiting(), demand.idleMs(), instances[0], instances[1]);
    ScaleSettings s = d.scaleSettings();
    int maxConcurrent = d.requestSettings().maxConcurrentRequestsPerInstance();
    Outcome outcome = ScaleDecision.decide(s, d.instanceCount(), maxConcurrent, sample,
        memory.computeIfAbsent(key, k -> Memory.fresh(now)), now);
    memory.put(key, outcome.memory());
    LOG.debug("autoscale {}: {} in flight, {} waiting, idle {} ms, {} ready, {} starting: utilization {}, {}", key,
        sample.inFlight(), sample.waiting(), sample.idleMs(), sample.readyInstances(), sample.startingInstances(),
        outcome.utilization(), outcome.action().wireName());
    if (!outcome.changes() || !writing.add(key)) {
      return;
    }
    JsonObject figures = outcome.figures(s, sample, maxConcurrent)
        .put("gateways", gathered.gateways()).put("missing_gateways", gathered.missingGateways());
    write(d, outcome.before(), outcome.count(), outcome.action() == Action.WAKE ? WAKE_ACTION : SCALE_ACTION,
        figures);
  }

  /** Writes the change; logs it once. */
  private Future<Boolean> write(DeploymentState d, int from, int to, String action, JsonObject figures) {
    String key = d.key();
    return service.autoscale(d.endpoint(), d.name(), from, to, ACTOR, action, figures).onComplete(ar -> {
      writing.remove(key);
      if (ar.failed()) {
        LOG.warn("autoscale {}: writing instance_count {} -> {} failed: {}", key, from, to, ar.cause().toString());
      } else if (ar.result()) {
        LOG.info("autoscale {}: {} {} -> {} instance(s): {}", key, figures.getString("decision"), from, to,
            figures.getString("reason"));
      } else {
        LOG.debug("autoscale {}: {} -> {} skipped, the deployment changed meanwhile", key, from, to);
      }
    });
  }

  /** [ready instances, instances loading] of the deployment, as the gateways route them. */
  private int[] instances(DeploymentState d) {
    int ready = 0;
    int readyOlder = 0;
    int starting = 0;
    for (InstanceState i : live.instances().values()) {
      if (!d.endpoint().equals(i.endpoint()) || !d.name().equals(i.deployment())) {
        continue;
      }
      boolean current = i.generation() == d.generation();
      if (i.ready()) {
        if (current) {
          ready++;
        } else {
          readyOlder++;
        }
      } else if (current && InstanceState.LOADING.equals(i.state())) {
        starting++;
      }
    }
    // while a new spec rolls out, gateways route to the earlier one's ready instances (RoutingTable)
    return new int[] {ready > 0 ? ready : readyOlder, starting};
  }

  /**
   * A gateway holds requests for a deployment with no ready instance: at 0 instances it is woken to
   * {@code max(1, min_instances)} at once, without waiting for the next sample. Answered with the
   * count the deployment has (or is being given); 0 when it is gone or not autoscaled.
   */
  private void wake(Message<Object> message) {
    WakeRequest request;
    try {
      request = WakeRequest.fromJson(message.body());
    } catch (InferbusException e) {
      message.fail(FailureKind.BAD_INPUT.eventBusCode(), e.getMessage());
      return;
    }
    String key = ClusterMaps.deploymentKey(request.endpoint(), request.deployment());
    DeploymentState d = deployments.entries().get(key);
    if (d == null || !d.autoscaled()) {
      message.reply(new JsonObject().put("instance_count", d == null ? 0 : d.instanceCount()));
      return;
    }
    long now = clock.getAsLong();
    memory.put(key, memory.getOrDefault(key, Memory.fresh(now)).active(now));
    int to = d.scaleSettings().wakeCount();
    if (d.instanceCount() > 0 || !writing.add(key)) { // awake, or a wake (or a decision) is being written
      message.reply(new JsonObject().put("instance_count", Math.max(d.instanceCount(), to)));
      return;
    }
    JsonObject figures = new JsonObject().put("decision", Action.WAKE.wireName())
        .put("reason", request.waiting() + " request(s) waiting at gateway " + request.gateway())
        .put("instance_count_before", 0).put("instance_count_after", to)
        .put("waiting", request.waiting()).put("gateway", request.gateway());
    write(d, 0, to, WAKE_ACTION, figures).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(new JsonObject().put("instance_count", to));
      } else {
        message.fail(FailureKind.INTERNAL.eventBusCode(), "the wake of " + key + " could not be written");
      }
    });
  }
}
