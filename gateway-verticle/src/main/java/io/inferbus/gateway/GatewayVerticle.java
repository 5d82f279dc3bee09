package io.inferbus.gateway;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.gateway.auth.EndpointAuthenticator;
import io.inferbus.gateway.autoscale.DemandSamples;
import io.inferbus.gateway.connections.ConnectionLimit;
import io.inferbus.gateway.routing.ClusterNodes;
import io.inferbus.gateway.routing.InstanceLoad;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.gateway.scoring.SharedScoring;
import io.inferbus.gateway.statistics.RecentStatistics;
import io.inferbus.gateway.trafficlog.TrafficLog;
import io.inferbus.gateway.trafficlog.TrafficLogFiles;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.GatewayDemand;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.net.TlsServerConfig;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.EndpointState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.stats.StatisticsQuery;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway role of a node: serves the scoring routes (Azure ML style and the Open Inference
 * Protocol) over HTTPS with one {@link ScoringServerVerticle} per event loop, all on one port, so
 * that TLS and HTTP use every core; and keeps, once per node, what those servers share: an immutable
 * {@link RoutingTable} built from the cluster's tables (rebuilt on their changes and when members
 * join or leave, on this verticle's loop, and read by the servers without locks), the meters, the
 * recent statistics, the authenticator's token caches, the connection cap and the traffic log
 * ({@link SharedScoring}, {@link ConnectionLimit}); it answers the control plane's questions about
 * the traffic log, the recent statistics and, for the autoscaler, the demand on autoscaled
 * deployments ({@link DemandSamples}). The servers are this verticle's children: undeployed first, so requests
 * in flight finish while the table is still kept current.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  /** How often series of deployments without answers for an hour are dropped from the recent statistics. */
  static final long DROP_IDLE_STATISTICS_MS = 60_000;
  public static final String SERVER_NAME = "inferbus";
  public static final String VERSION = "0.1.0";
  /**
   * What the servers listen on for a configured port of 0: a negative port is Vert.x's "random port,
   * shared by every server that names the same negative number", where 0 would give each server a
   * port of its own.
   */
  static final int SHARED_RANDOM_PORT = -1;

  private final ClusterRecords records;
  private final HazelcastInstance hazelcast;
  private final GatewayOptions options;
  private volatile RoutingTable table = RoutingTable.EMPTY;
  /** Requests this gateway has outstanding at each instance, for choosing the less loaded. */
  private final InstanceLoad load = new InstanceLoad();
  private ClusterMapView<EndpointState> endpoints;
  private ClusterMapView<DeploymentState> deployments;
  private ClusterMapView<InstanceState> instances;
  private boolean rebuildScheduled;
  private UUID membershipListener;
  private SharedScoring scoring;
  private ConnectionLimit connections;
  /** The servers, one per event loop; filled as Vert.x creates them. */
  private final List<ScoringServerVerticle> servers = new CopyOnWriteArrayList<>();
  private volatile int actualPort;
  private volatile boolean ready;
  private TrafficLog trafficLog = TrafficLog.OFF;
  /** The autoscaler's samples of requests in flight; taken while the table has an autoscaled deployment. */
  private DemandSamples demand;
  private long demandTimer = -1;

  public GatewayVerticle(ClusterRecords records, GatewayOptions options) {
    this.records = records;
    this.hazelcast = records.hazelcast();
    this.options = options;
  }

  @Override
  public Future<?> start() {
    endpoints = records.view(ClusterMaps.ENDPOINTS, context, EndpointState::fromJson, this::scheduleRebuild);
    deployments = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, this::scheduleRebuild);
    instances = records.view(ClusterMaps.INSTANCES, context, InstanceState::fromJson, this::scheduleRebuild);
    trafficLog = options.trafficLogDir() == null ? TrafficLog.OFF : TrafficLog.forNode(options.nodeId());
    if (trafficLog.enabled()) {
      vertx.setPeriodic(TrafficLog.FLUSH_INTERVAL_MS, t -> trafficLog.flush());
    }
    scoring = new SharedScoring(vertx, options.metrics(), new EndpointAuthenticator(vertx, options.trustedIssuer()),
        trafficLog, options.local(), options.trustedProxies(), options.nodeId(), () -> table);
    demand = new DemandSamples(load, key -> scoring.coldStarts().waiting(key),
        scoring.statistics()::millisSinceLastAnswer);
    connections = new ConnectionLimit(options.maxConnections(), options.metrics());
    vertx.setPeriodic(DROP_IDLE_STATISTICS_MS, t -> scoring.statistics().dropIdle());
    return Future.all(endpoints.start(), deployments.start(), instances.start())
        .compose(v -> serveTrafficLog())
        .compose(v -> serveStatistics())
        .compose(v -> serveDemand())
        .compose(v -> {
          watchMembers();
          rebuild();
          return deployServers();
        })
        .onSuccess(v -> {
          ready = true;
          LOG.info("gateway listening on https://{}:{} on {} event loop(s) (TLS engine: {})", options.host(), actualPort,
              options.eventLoops(), TlsServerConfig.engine());
        })
        .onFailure(e -> stopWatching()); // Vert.x does not call stop() after a failed start
  }

  /**
   * One server per event loop, all on the configured port. Vert.x places each verticle instance on
   * the next event loop in turn, and shares a port among the servers that listen on it; each
   * accepted connection goes to the next loop's server.
   */
  private Future<Void> deployServers() {
    int port = options.port() == 0 ? SHARED_RANDOM_PORT : options.port();
    return vertx.deployVerticle(() -> {
      ScoringServerVerticle server = new ScoringServerVerticle(options, port, () -> table, scoring, connections,
          this::ready);
      servers.add(server);
      return server;
    }, new DeploymentOptions().setInstances(options.eventLoops())).compose(id -> {
      Set<Integer> ports = servers.stream().map(ScoringServerVerticle::actualPort).collect(Collectors.toSet());
      if (ports.size() != 1) { // Vert.x gave the servers ports of their own: callers would miss some
        return vertx.undeploy(id).transform(ar -> Future.failedFuture(new IllegalStateException(
            "the gateway's servers listen on ports " + ports + " instead of one")));
      }
      actualPort = ports.iterator().next();
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<?> stop() {
    // the servers, this verticle's children, have stopped (and let their requests finish) by now
    ready = false;
    vertx.cancelTimer(demandTimer);
    stopWatching();
    trafficLog.flush(); // the lines of the requests they just finished
    return Future.succeededFuture();
  }

  /**
   * Answers the control plane's traffic-log queries ({@link Addresses#trafficLog}) from this node's
   * files, read on a worker. With the traffic log off the answer says so and holds no lines.
   */
  private Future<Void> serveTrafficLog() {
    if (options.nodeId() == null) {
      return Future.succeededFuture();
    }
    TrafficLogFiles files = options.trafficLogDir() == null ? null : new TrafficLogFiles(options.trafficLogDir());
    return vertx.eventBus().<JsonObject>consumer(Addresses.trafficLog(options.nodeId()), message -> {
      if (files == null) {
        message.reply(new JsonObject().put("node", options.nodeId()).put("lines", new JsonArray())
            .put("logging", "off"));
        return;
      }
      TrafficLogFiles.Query query = TrafficLogFiles.Query.fromJson(message.body());
      trafficLog.flush(); // what this gateway has answered so far, on its way to the file
      vertx.executeBlocking(() -> files.reply(options.nodeId(), query), false).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          LOG.warn("cannot read the traffic log in {}: {}", options.trafficLogDir(), ar.cause().toString());
          message.fail(FailureKind.INTERNAL.eventBusCode(), "cannot read the traffic log of node " + options.nodeId());
        }
      });
    }).completion();
  }

  /**
   * Answers the control plane's statistics queries ({@link Addresses#gatewayStatistics}) from the
   * recent statistics, read on a worker: an hour of slots over every endpoint is a few milliseconds of
   * copying that an event loop should not spend. A query it cannot read is failed with BAD_INPUT's code.
   */
  private Future<Void> serveStatistics() {
    if (options.nodeId() == null) {
      return Future.succeededFuture();
    }
    RecentStatistics statistics = scoring.statistics();
    return vertx.eventBus().<Object>consumer(Addresses.gatewayStatistics(options.nodeId()), message -> {
      StatisticsQuery query;
      try {
        query = StatisticsQuery.fromJson(message.body());
      } catch (InferbusException e) {
        LOG.warn("statistics query refused: {}", e.getMessage());
        message.fail(FailureKind.BAD_INPUT.eventBusCode(), e.getMessage());
        return;
      }
      vertx.executeBlocking(() -> statistics.snapshot(options.nodeId(), query).toJson(), false)
          .onSuccess(message::reply)
          .onFailure(e -> {
            LOG.error("cannot read the recent statistics", e);
            message.fail(FailureKind.INTERNAL.eventBusCode(), "cannot read the statistics of node " + options.nodeId());
          });
    }).completion();
  }

  /**
   * Answers the control plane's autoscaler ({@link Addresses#gatewayDemand}) from the samples of
   * requests in flight, on this verticle's loop (where they are taken; an answer is a few additions).
   */
  private Future<Void> serveDemand() {
    if (options.nodeId() == null) {
      return Future.succeededFuture();
    }
    return vertx.eventBus().<Object>consumer(Addresses.gatewayDemand(options.nodeId()), message -> {
      try {
        message.reply(demand.answer(options.nodeId(), DemandQuery.fromJson(message.body()), table).toJson());
      } catch (InferbusException e) {
        LOG.warn("demand query refused: {}", e.getMessage());
        message.fail(FailureKind.BAD_INPUT.eventBusCode(), e.getMessage());
      }
    }).completion();
  }

  /** Samples requests in flight while the table has an autoscaled deployment, and only then. */
  private void sampleDemandIfAutoscaled() {
    boolean wanted = DemandSamples.anyAutoscaled(table);
    if (wanted && demandTimer < 0) {
      demandTimer = vertx.setPeriodic(GatewayDemand.SAMPLE_INTERVAL_MS, t -> demand.sample(table));
    } else if (!wanted && demandTimer >= 0) {
      vertx.cancelTimer(demandTimer);
      demandTimer = -1;
      demand.sample(table); // forgets the deployments' samples
    }
  }

  /** Hears of members joining and leaving (Hazelcast calls the listener on its own threads). */
  private void watchMembers() {
    membershipListener = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        context.runOnContext(v -> membersChanged(null));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String node = ClusterNodes.nodeId(event.getMember());
        context.runOnContext(v -> membersChanged(node));
      }
    });
  }

  /** Stops the cluster listeners; a member already shut down has none left to remove. */
  private void stopWatching() {
    try {
      if (membershipListener != null) {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
        membershipListener = null;
      }
      endpoints.stop();
      deployments.stop();
      instances.stop();
    } catch (com.hazelcast.core.HazelcastInstanceNotActiveException stopped) {
      LOG.debug("the cluster member stopped before the gateway; its listeners went with it");
    }
  }

  /** The port the gateway listens on (useful when configured as 0). */
  public int actualPort() {
    return actualPort;
  }

  /** Every server listens, and none is stopping. */
  public boolean ready() {
    return ready && servers.stream().allMatch(ScoringServerVerticle::serving);
  }

  private void scheduleRebuild() {
    if (!rebuildScheduled) {
      rebuildScheduled = true;
      context.runOnContext(v -> rebuild());
    }
  }

  private void rebuild() {
    rebuildScheduled = false;
    table = RoutingTable.build(endpoints.entries(), deployments.entries(), instances.entries(), load,
        ClusterNodes.members(hazelcast));
    scoring.tableChanged(table);
    sampleDemandIfAutoscaled();
  }

  /**
   * A member joined or left ({@code leftNode}: the node that left, if known). The routing table
   * stops listing a departed node's instances at once (the control plane removes their entries a
   * moment later), then each server sends the requests it had in flight there elsewhere, on its own
   * loop, instead of waiting for their deadline: a dead node never answers. A server that picked
   * the node's instance from the table before it changed has tracked that request by the time it
   * hears of the node (its loop runs one task at a time), and one that picks after sees the new table.
   */
  private void membersChanged(String leftNode) {
    rebuild();
    if (leftNode != null) {
      List<Future<Integer>> moved = servers.stream().map(server -> server.nodeLeft(leftNode)).toList();
      Future.all(moved).onSuccess(all -> LOG.info("node {} left the cluster; {} request(s) in flight there sent to"
          + " other instances", leftNode, moved.stream().mapToInt(Future::result).sum()));
    }
  }
}
