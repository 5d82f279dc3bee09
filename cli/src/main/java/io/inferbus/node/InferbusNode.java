package io.inferbus.node;

import com.hazelcast.config.Config;
import io.inferbus.controlplane.ControlPlaneOptions;
import io.inferbus.controlplane.ControlPlaneVerticle;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.auth.TrustedIssuerTokens;
import io.inferbus.deployment.agent.DeploymentLogs;
import io.inferbus.deployment.agent.DeploymentNodeOptions;
import io.inferbus.deployment.agent.DeploymentNodeVerticle;
import io.inferbus.gateway.GatewayOptions;
import io.inferbus.gateway.GatewayVerticle;
import io.inferbus.gateway.auth.TrustedIssuer;
import io.inferbus.gateway.auth.VerifiedToken;
import io.inferbus.node.cluster.ClusterSetup;
import io.inferbus.node.cluster.DeploymentsSettled;
import io.inferbus.node.cluster.EventBusTls;
import io.inferbus.node.cluster.FounderCredentials;
import io.inferbus.node.cluster.JoinFile;
import io.inferbus.node.cluster.KnownMembers;
import io.inferbus.node.cluster.RecordCounters;
import io.inferbus.node.tls.TlsMaterial;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.ClusterTrust;
import io.inferbus.protocol.cluster.RecordRejected;
import io.inferbus.protocol.cluster.Signer;
import io.inferbus.protocol.delivery.LocalInstances;
import io.inferbus.protocol.files.DurableFiles;
import io.inferbus.protocol.net.TlsServerConfig;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.NodeState;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Inferbus node: a clustered Vert.x instance (Hazelcast) running the roles it was given, its
 * management port, and the files callers read ({@code ports.json}, {@code client.json}). The
 * embedded default and every node of a larger cluster start through here.
 */
public final class InferbusNode {
  private static final Logger LOG = LoggerFactory.getLogger(InferbusNode.class);
  public static final String PORTS_FILE = "ports.json";
  public static final String CLIENT_FILE = "client.json";

  private final NodeConfig config;
  private Vertx vertx;
  private String nodeId;
  private TlsServerConfig tls;
  private final List<String> deploymentIds = new ArrayList<>();
  private GatewayVerticle gateway;
  private DeploymentNodeVerticle agent;
  /** The instances in this process, which the gateway here reaches without the event bus. */
  private final LocalInstances localInstances = new LocalInstances();
  private ControlPlaneVerticle controlPlane;
  /** The external token issuer this node trusts, shared by its gateway and control plane; null if none. */
  private TrustedIssuer trustedIssuer;
  private ManagementServer management;
  private int managementPort;
  /** Feeds instance log lines to the deployment role's logs route; null without that role. */
  private InstanceLogFeed logFeed;
  /** Writes the gateway's traffic log; null without the gateway role or with request logging off. */
  private TrafficLogFile trafficLogFile;
  /** The directory of this node's own log files (the traffic log). */
  static final String LOGS_DIR = "logs";
  /** The node's copies of the tables that say whether its deployments have settled; null before. */
  private volatile SettleViews settleViews;
  private volatile boolean ready;
  private volatile boolean deploymentsSettled;
  private static final long DEPLOYMENTS_SETTLE_MS = 120_000;
  private String adminToken;
  private com.hazelcast.core.HazelcastInstance hazelcast;
  /** The credentials of the node that founded the cluster (its own, join.json's); null elsewhere. */
  private FounderCredentials founder;
  /** Keeps cluster/members.json current on the node that founded the cluster; null elsewhere. */
  private java.util.UUID membershipListener;
  /** Introduces this node again when its part of the cluster merges back after a partition. */
  private java.util.UUID mergeListener;
  private String clusterCaPem;
  /** This node's credential on the event bus, and what it signs the cluster's records with. */
  private ClusterCa.NodeCredential credential;
  /** The cluster's maps as signed records ({@link ClusterRecords}). */
  private ClusterRecords records;
  private io.inferbus.protocol.cluster.ClusterMapView<JsonObject> removedNodes;
  private String exampleEndpoint;

  private InferbusNode(NodeConfig config) {
    this.config = config;
  }

  /** Starts a node; the future completes once every role serves and the ports file is written. */
  public static Future<InferbusNode> start(NodeConfig config) {
    InferbusNode node = new InferbusNode(config);
    return node.boot().map(node);
  }

  private Future<Void> boot() {
    Path dataDir = config.dataDir().toAbsolutePath();
    Config hazelcastConfig;
    try {
      DataDirMode.ownerOnly(dataDir);
      // A ports.json left by an earlier run (killed, say) names dead ports: scripts that wait for
      // the file must only see this run's, written once it serves.
      Files.deleteIfExists(dataDir.resolve(PORTS_FILE));
      tls = TlsMaterial.loadOrCreate(dataDir.resolve("tls"), config.tlsCert(), config.tlsKey());
      // a node founding a cluster without a configuration of its own names it after its data dir's
      // random id, as the embedded default does: the name is what Hazelcast asks of a joiner
      boolean founds = config.joinFile() == null && config.runs(Role.CONTROL_PLANE);
      hazelcastConfig = ClusterSetup.load(config.clusterConfig(),
          config.embedded() || (founds && config.clusterConfig() == null), dataDir);
      if (config.joinFile() != null) {
        JoinFile join = JoinFile.read(config.joinFile());
        ClusterSetup.applyJoin(hazelcastConfig, join);
        clusterCaPem = join.caPem();
        credential = join.credential();
      } else if (config.runs(Role.CONTROL_PLANE)) {
        // the node that founds the cluster: its CA certifies every node, this one included
        founder = FounderCredentials.loadOrIssue(dataDir, config.roles(),
            FounderCredentials.passphraseFromEnvironment());
        KnownMembers known = KnownMembers.read(dataDir);
        if (!known.addresses().isEmpty()) {
          ClusterSetup.addKnownMembers(hazelcastConfig, known);
          LOG.info("looking for the cluster at the members it had when this node last ran too: {}", known.addresses());
        }
        clusterCaPem = founder.caPem();
        credential = founder.own();
      } else {
        return Future.failedFuture(new IllegalArgumentException("a node without the control-plane role joins a"
            + " cluster with --join <join.json> (the control-plane node writes join.json into its data dir;"
            + " `inferbus cluster add-node NAME` writes one per node)"));
      }
      checkCredential();
    } catch (IOException | IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HazelcastClusterManager clusterManager = new HazelcastClusterManager(hazelcastConfig);
    String busHost = config.embedded() ? "127.0.0.1" : clusterHost(config.host());
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(eventLoops())
        .setEventBusOptions(eventBusOptions(busHost))
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
    long t0 = System.nanoTime();
    return Vertx.builder()
        .with(options)
        .withClusterManager(clusterManager)
        .withMetrics(new MicrometerMetricsFactory(registry))
        .buildClustered()
        .compose(v -> {
          vertx = v;
          nodeId = clusterManager.getNodeId();
          hazelcast = clusterManager.getHazelcastInstance();
          records = ClusterRecords.create(hazelcast, ClusterTrust.of(clusterCaPem), credential);
          records.events(new RecordCounters(registry));
          io.micrometer.core.instrument.Gauge.builder("inferbus.cluster.members", this, InferbusNode::clusterMembers)
              .description("members of the cluster this node sees, itself included").register(registry);
          LOG.info("joined cluster '{}' as node {} in {} ms ({} event loops)", hazelcastConfig.getClusterName(), nodeId,
              (System.nanoTime() - t0) / 1_000_000, options.getEventLoopPoolSize());
          mergeListener = hazelcast.getLifecycleService().addLifecycleListener(this::reintroduceAfterMerge);
          return introduce(clusterManager.getHazelcastInstance());
        })
        .compose(v -> watchRemovedNodes())
        .compose(v -> rememberMembers(dataDir))
        .compose(v -> startTrustedIssuer())
        .compose(v -> deployRoles(dataDir, clusterManager, registry))
        .compose(v -> {
          management = new ManagementServer(vertx, registry, this::readiness);
          return management.listen(config.managementHost(), config.managementPort());
        })
        .compose(port -> {
          managementPort = port;
          return seedExampleIfFirstStart();
        })
        .compose(v -> writeClientFile(dataDir))
        .compose(v -> writeJoinFile(dataDir, hazelcastConfig.getClusterName()))
        .compose(v -> warmTls(dataDir))
        .compose(v -> awaitDeploymentsSettled(DEPLOYMENTS_SETTLE_MS))
        .compose(v -> vertx.<Void>executeBlocking(() -> {
          writePortsFile(dataDir);
          return null;
        }))
        .onSuccess(v -> ready = true)
        .recover(e -> (vertx == null ? Future.<Void>succeededFuture() : vertx.close())
            .transform(ignored -> Future.<Void>failedFuture(e)));
  }

  /**
   * Writes this node's entry in the cluster's node table (roles, cores, member id), before any role
   * starts: the control plane places instances only on nodes it knows to run the deployment role,
   * and removes the entry once this member has left.
   */
  private Future<Void> introduce(com.hazelcast.core.HazelcastInstance hazelcast) {
    com.hazelcast.cluster.Member self = hazelcast.getCluster().getLocalMember();
    NodeState entry = new NodeState(nodeId, credential.name(), self.getUuid().toString(),
        self.getAddress().getHost() + ":" + self.getAddress().getPort(),
        config.roles().stream().sorted().map(Role::cliName).toList(), Runtime.getRuntime().availableProcessors(),
        System.currentTimeMillis());
    return records.map(ClusterMaps.NODES).setAsync(nodeId, entry.toJson(), vertx.getOrCreateContext());
  }

  /**
   * Keeps this node's trust refusing the credentials removed from the cluster ({@code inferbus
   * cluster remove-node}), as the control plane publishes them. Removals only add up: an entry
   * leaving the table (a rogue member's doing) gives no credential back.
   */
  private Future<Void> watchRemovedNodes() {
    io.vertx.core.Context context = vertx.getOrCreateContext();
    removedNodes = records.view(ClusterMaps.REMOVED_NODES, context, json -> json, () -> {
      java.util.Set<String> names = new java.util.TreeSet<>(records.trust().removedNodes());
      if (names.addAll(removedNodes.entries().keySet())) {
        records.trust().removedNodes(names);
        if (names.contains(records.self().name())) {
          LOG.error("this node's credential ('{}') was removed from the cluster: every node refuses what it publishes;"
              + " stop this node (it joins again only with a new credential: inferbus cluster add-node NEW-NAME)",
              records.self().name());
        } else {
          LOG.info("credentials refused from now on (removed from the cluster): {}", names);
        }
      }
    });
    return removedNodes.start();
  }

  /**
   * The credential must be one of the cluster CA's, and allow this node's roles: records a node
   * signs beyond what its certificate allows (a control plane's tables) would be refused by every
   * reader, so such a node does not start.
   */
  private void checkCredential() {
    Signer signer;
    try {
      signer = ClusterTrust.of(clusterCaPem).signerOf(credential);
    } catch (RecordRejected e) {
      throw new IllegalArgumentException("this node's credential is not accepted by the cluster: " + e.getMessage());
    }
    if (config.runs(Role.CONTROL_PLANE) && !signer.controlPlane()) {
      throw new IllegalArgumentException("this node's credential ('" + signer.name() + "', roles "
          + signer.roles() + ") does not allow the control-plane role; on the control-plane node, write one that"
          + " does: inferbus cluster add-node NAME --roles " + String.join(",", Role.names(config.roles())));
    }
  }

  /**
   * When a network partition heals, Hazelcast merges the smaller part of the cluster into the larger
   * (docs/operations.md#partitions-and-failure-detection) and gives the merging members new member
   * ids. The control plane on the other side dropped this node's entry when it went silent, so a node
   * that merged back introduces itself again, under its new member id, for the control plane to count
   * it and place instances on it again (its entry's started_at is then when it came back).
   */
  private void reintroduceAfterMerge(com.hazelcast.core.LifecycleEvent event) {
    if (event.getState() != com.hazelcast.core.LifecycleEvent.LifecycleState.MERGED) {
      return;
    }
    SettleViews views = settleViews;
    if (views != null) { // a merge raises no entry events: the readiness check's copies are read afresh
      views.context.runOnContext(v -> {
        if (settleViews == views) {
          views.stop();
          settleViews = new SettleViews(views.context, views.decide);
          settleViews.start();
        }
      });
    }
    introduce(hazelcast).onComplete(ar -> {
      if (ar.succeeded()) {
        LOG.info("merged back into the cluster after a partition: introduced this node again as member {}",
            hazelcast.getCluster().getLocalMember().getUuid());
      } else {
        LOG.warn("merged back into the cluster after a partition, but could not introduce this node again: {}",
            ar.cause().toString());
      }
    });
  }

  /**
   * The event bus: over TLS with this node's credential ({@link EventBusTls}). Only a measurement
   * turns it off ({@code -Dinferbus.eventbus.tls=false}, BENCHMARKS.md F), and the node says so.
   */
  private EventBusOptions eventBusOptions(String busHost) {
    EventBusOptions options = new EventBusOptions().setHost(busHost).setPort(0).setClusterPublicHost(busHost);
    if ("false".equals(System.getProperty(EVENT_BUS_TLS_PROPERTY))) {
      LOG.warn("the event bus runs WITHOUT TLS (-D{}=false): for measurements only, any process that joins the"
          + " cluster can read and send scoring traffic", EVENT_BUS_TLS_PROPERTY);
      return options;
    }
    return EventBusTls.apply(options, clusterCaPem, credential);
  }

  /** The system property that turns event-bus TLS off, for a measurement of what it costs. */
  static final String EVENT_BUS_TLS_PROPERTY = "inferbus.eventbus.tls";

  /**
   * On the node that founded the cluster: keeps {@code cluster/members.json} equal to the other
   * members' addresses, now and at every change, so that started again it finds the nodes that kept
   * running, which joined with its join.json and which its cluster.xml need not name ({@link KnownMembers}).
   */
  private Future<Void> rememberMembers(Path dataDir) {
    if (founder == null) {
      return Future.succeededFuture();
    }
    // one context: its blocking tasks run in order, so the last write holds the latest members
    io.vertx.core.Context writer = vertx.getOrCreateContext();
    // a node that cannot write the file still serves; only a restart of it would not find the others
    java.util.function.Supplier<Future<Void>> write = () -> writer.<Void>executeBlocking(() -> {
      new KnownMembers(hazelcast.getCluster().getMembers().stream().filter(m -> !m.localMember())
          .map(m -> m.getAddress().getHost() + ":" + m.getAddress().getPort()).sorted().toList()).write(dataDir);
      return null;
    }).recover(e -> {
      LOG.warn("cannot write {}: {}", KnownMembers.file(dataDir), e.toString());
      return Future.succeededFuture();
    });
    membershipListener = hazelcast.getCluster().addMembershipListener(new com.hazelcast.cluster.MembershipListener() {
      @Override
      public void memberAdded(com.hazelcast.cluster.MembershipEvent event) {
        write.get();
      }

      @Override
      public void memberRemoved(com.hazelcast.cluster.MembershipEvent event) {
        write.get();
      }
    });
    return write.get();
  }

  /** The address other members reach this node's event bus at: the listen host, or this host's address. */
  private static String clusterHost(String host) {
    if (!host.equals("0.0.0.0")) {
      return host;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  /** Reads the trusted issuer's keys before any role serves, so the first token finds them. */
  private Future<Void> startTrustedIssuer() {
    if (config.trustedIssuer() == null) {
      return Future.succeededFuture();
    }
    return TrustedIssuer.start(vertx, config.trustedIssuer()).map(issuer -> {
      trustedIssuer = issuer;
      return null;
    });
  }

  /** The trusted issuer as the control plane takes it (it cannot see the gateway's classes). */
  private TrustedIssuerTokens trustedIssuerTokens() {
    if (trustedIssuer == null) {
      return null;
    }
    TrustedIssuer issuer = trustedIssuer;
    return new TrustedIssuerTokens() {
      @Override
      public String issuer() {
        return issuer.issuer();
      }

      @Override
      public Future<JsonObject> verify(String token) {
        return issuer.verifyOnCallerContext(token).map(VerifiedToken::claims);
      }
    };
  }

  private Future<Void> deployRoles(Path dataDir, HazelcastClusterManager clusterManager,
      PrometheusMeterRegistry registry) {
    var hazelcast = clusterManager.getHazelcastInstance();
    Future<Void> chain = Future.succeededFuture();
    if (config.runs(Role.CONTROL_PLANE)) {
      controlPlane = new ControlPlaneVerticle(records, new ControlPlaneOptions(config.host(),
          config.controlPort(), tls, dataDir, this::scoringBaseUrl, trustedIssuerTokens(), registry,
          config.requestReadTimeoutMs(), config.controlPublicUrl()));
      chain = chain.compose(v -> deploy(controlPlane));
    }
    if (config.runs(Role.DEPLOYMENT)) {
      DeploymentLogs logs = new DeploymentLogs();
      logFeed = InstanceLogFeed.attach(logs);
      agent = new DeploymentNodeVerticle(records, new DeploymentNodeOptions(nodeId,
          dataDir.resolve("cache").resolve("models"), Runtime.getRuntime().availableProcessors(), registry, logs,
          config.requestLogging(), localInstances));
      chain = chain.compose(v -> deploy(agent));
    }
    if (config.runs(Role.GATEWAY)) {
      Path trafficLogDir = null;
      if (config.requestLogging()) {
        trafficLogDir = dataDir.resolve(LOGS_DIR);
        trafficLogFile = TrafficLogFile.attach(nodeId, trafficLogDir, registry);
      }
      gateway = new GatewayVerticle(records, new GatewayOptions(config.host(), config.gatewayPort(), tls,
          config.maxBodyBytes(), registry, trustedIssuer, config.requestReadTimeoutMs(), nodeId, trafficLogDir,
          config.maxConnections(), gatewayServers(), localInstances, config.trustedProxies()));
      chain = chain.compose(v -> deploy(gateway));
    }
    return chain;
  }

  /**
   * How many servers the gateway port runs: one per event loop, so TLS and HTTP use every core. Only
   * a measurement sets another number ({@code -Dinferbus.gateway.servers=1}, BENCHMARKS.md G: the
   * gateway as it was, on one loop).
   */
  private int gatewayServers() {
    int loops = eventLoops();
    String measured = System.getProperty(GATEWAY_SERVERS_PROPERTY);
    if (measured == null) {
      return loops;
    }
    int servers = Integer.parseInt(measured);
    LOG.warn("the gateway port runs {} server(s) on {} event loops (-D{}): for measurements only", servers, loops,
        GATEWAY_SERVERS_PROPERTY);
    return servers;
  }

  /** The node's event loops: {@code --event-loops}, else Vert.x's default (twice the cores). */
  private int eventLoops() {
    return config.eventLoops() > 0 ? config.eventLoops() : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  }

  /** The system property that sets the gateway's number of servers, for a measurement of what one per loop gives. */
  static final String GATEWAY_SERVERS_PROPERTY = "inferbus.gateway.servers";

  private Future<Void> deploy(io.vertx.core.Deployable verticle) {
    return vertx.deployVerticle(verticle, new DeploymentOptions()).map(id -> {
      deploymentIds.add(id);
      return null;
    });
  }

  private Future<Void> seedExampleIfFirstStart() {
    if (controlPlane == null || !config.seedExample()) {
      return Future.succeededFuture();
    }
    return controlPlane.services().isEmpty().compose(empty -> empty
        ? ExampleSeeder.seed(vertx, controlPlane.services()).map(name -> {
          exampleEndpoint = name;
          return null;
        })
        : Future.<Void>succeededFuture());
  }

  /**
   * join.json, on the node that founded the cluster: its cluster name, this member's address, the
   * cluster CA and the credential for other nodes ({@link FounderCredentials}, kept across starts).
   */
  private Future<Void> writeJoinFile(Path dataDir, String clusterName) {
    if (founder == null) {
      return Future.succeededFuture();
    }
    com.hazelcast.cluster.Address self = hazelcast.getCluster().getLocalMember().getAddress();
    return vertx.executeBlocking(() -> {
      new JoinFile(clusterName, List.of(self.getHost() + ":" + self.getPort()), clusterCaPem,
          founder.join()).write(dataDir.resolve(JoinFile.FILE_NAME));
      return null;
    });
  }

  /** client.json: control-plane URL, CA file and the admin token (issued once, kept after). */
  private Future<Void> writeClientFile(Path dataDir) {
    if (controlPlane == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      Path file = dataDir.resolve(CLIENT_FILE);
      String token = null;
      if (Files.exists(file)) {
        token = new JsonObject(Files.readString(file)).getString("token");
      }
      return token;
    }).compose(existing -> existing == null
        ? Future.succeededFuture((String) null)
        : controlPlane.auth().verify(existing).map(caller -> existing).otherwise((String) null))
        .compose(token -> {
          adminToken = token != null ? token
              : controlPlane.auth().issue("admin", OperatorRole.ADMIN,
                  io.inferbus.controlplane.auth.OperatorAuth.ADMIN_TOKEN_LIFETIME_SECONDS);
          JsonObject client = new JsonObject()
              .put("control_plane_url", controlPlaneUrl())
              .put("ca_file", caFile(dataDir).toString())
              .put("token", adminToken);
          return vertx.executeBlocking(() -> {
            writeAtomically(dataDir.resolve(CLIENT_FILE), client.encodePrettily(), true);
            return null;
          });
        });
  }

  /**
   * On a node with the deployment role, waits (up to a deadline) until every deployment's instances
   * have loaded or failed, so that "serving" means the models answer. Past the deadline the node
   * starts anyway; /health/ready tells the rest. The node keeps its own copies of the deployment and
   * instance tables for this and decides again whenever they change (at most every 100 ms), so an
   * idle node spends nothing on it, however many deployments the cluster has; after a partition's
   * merge it copies them afresh (a merge raises no entry events).
   */
  private Future<Void> awaitDeploymentsSettled(long timeoutMs) {
    if (agent == null) {
      return Future.succeededFuture();
    }
    io.vertx.core.Context context = vertx.getOrCreateContext();
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long deadline = vertx.setTimer(timeoutMs, t -> {
      if (done.tryComplete()) {
        LOG.warn("deployments still loading after {} ms; serving anyway", timeoutMs);
      }
    });
    Runnable decide = () -> {
      SettleViews views = settleViews;
      if (views == null) { // the node is stopping
        return;
      }
      deploymentsSettled = views.settled();
      if (deploymentsSettled && done.tryComplete()) {
        vertx.cancelTimer(deadline);
      }
    };
    settleViews = new SettleViews(context, decide);
    settleViews.start();
    return done.future();
  }

  /** The node's copies of the deployment and instance tables, for {@link #awaitDeploymentsSettled}. */
  private final class SettleViews {
    private final io.vertx.core.Context context;
    private final Runnable decide;
    private final ClusterMapView<DeploymentState> deployments;
    private final ClusterMapView<InstanceState> instances;
    private boolean decisionQueued;

    SettleViews(io.vertx.core.Context context, Runnable decide) {
      this.context = context;
      this.decide = decide;
      this.deployments = records.view(ClusterMaps.DEPLOYMENTS, context, DeploymentState::fromJson, this::changed);
      this.instances = records.view(ClusterMaps.INSTANCES, context, InstanceState::fromJson, this::changed);
    }

    void start() {
      Future.all(deployments.start(), instances.start()).onComplete(ar -> {
        if (ar.failed()) {
          LOG.warn("cannot read the deployment and instance tables: {}", ar.cause().toString());
        }
        decide.run();
      });
    }

    /** A table changed: decide again within 100 ms, once for a burst of changes. */
    private void changed() {
      if (!decisionQueued) {
        decisionQueued = true;
        vertx.setTimer(100, t -> {
          decisionQueued = false;
          if (settleViews == this) {
            decide.run();
          }
        });
      }
    }

    boolean settled() {
      return DeploymentsSettled.check(deployments.entries().values(), instances.entries().values());
    }

    void stop() {
      deployments.stop();
      instances.stop();
    }
  }

  /** The first TLS handshake costs over a second; pay it before reporting ready, not on a caller. */
  private Future<Void> warmTls(Path dataDir) {
    if (gateway == null && controlPlane == null) {
      return Future.succeededFuture();
    }
    // to the address the ports listen on; the chain is checked, the name is not (an operator's own
    // certificate need not name that address: callers reach the node by its DNS name)
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setVerifyHost(false)
        .setTrustOptions(new PemTrustOptions().addCertPath(caFile(dataDir).toString())));
    List<Future<?>> calls = new ArrayList<>();
    if (gateway != null) {
      calls.add(get(client, displayHost(), gateway.actualPort(), "/v2/health/live", null));
    }
    if (controlPlane != null) {
      calls.add(get(client, displayHost(), controlPlane.actualPort(), "/endpoints", adminToken));
    }
    return Future.join(calls).<Void>mapEmpty().eventually(client::close);
  }

  private static Future<Integer> get(HttpClient client, String host, int port, String path, String token) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
        .setURI(path).setTimeout(30_000);
    if (token != null) {
      request.putHeader("authorization", "Bearer " + token);
    }
    return client.request(request)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())));
  }

  private void writePortsFile(Path dataDir) throws IOException {
    JsonObject ports = new JsonObject();
    if (gateway != null) {
      ports.put("gateway", gateway.actualPort());
    }
    if (controlPlane != null) {
      ports.put("control", controlPlane.actualPort());
    }
    ports.put("management", managementPort);
    ports.put("node_id", nodeId);
    writeAtomically(dataDir.resolve(PORTS_FILE), ports.encodePrettily(), false);
  }

  private static void writeAtomically(Path file, String content, boolean secret) throws IOException {
    DurableFiles.replace(file, (content + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), secret);
  }

  /** Members of the cluster as this node sees them; 0 once it has left. */
  private static double clusterMembers(InferbusNode node) {
    try {
      com.hazelcast.core.HazelcastInstance h = node.hazelcast;
      return h != null && h.getLifecycleService().isRunning() ? h.getCluster().getMembers().size() : 0;
    } catch (RuntimeException stopped) {
      return 0;
    }
  }

  /** Ready: every role serves and the node is a member of the cluster; else the first reason why not. */
  private JsonObject readiness() {
    boolean gatewayReady = gateway == null || gateway.ready();
    boolean agentSettled = agent == null || deploymentsSettled;
    boolean member = clusterMembers(this) > 0;
    String reason = !ready ? "starting"
        : !member ? "not a member of the cluster (Hazelcast stopped)"
        : !gatewayReady ? "the gateway is not serving"
        : !agentSettled ? "instances of this node's deployments are still loading"
        : null;
    JsonObject status = new JsonObject()
        .put("ready", reason == null)
        .put("node_id", nodeId)
        .put("started", ready)
        .put("cluster_member", member);
    if (reason != null) {
      status.put("reason", reason);
    }
    if (gateway != null) {
      status.put("gateway", gatewayReady);
    }
    if (agent != null) {
      status.put("deployment", agentSettled);
    }
    if (controlPlane != null) {
      status.put("control_plane", ready);
    }
    return status;
  }

  /**
   * Stops cleanly: the management port closes, the gateway stops taking requests and finishes those
   * in flight, instances stop, the store closes, then the node leaves the cluster. Blocking: call it
   * from a thread that is not Vert.x's (a shutdown thread, a test).
   */
  public void stopAndWait(long timeout, TimeUnit unit) throws Exception {
    if (vertx == null) {
      return;
    }
    ready = false;
    if (settleViews != null) {
      SettleViews views = settleViews;
      settleViews = null;
      views.stop(); // their listeners must not outlive the cluster
    }
    if (mergeListener != null) {
      hazelcast.getLifecycleService().removeLifecycleListener(mergeListener);
      mergeListener = null;
    }
    if (membershipListener != null) {
      // this node leaving is no change of the cluster's members to remember
      hazelcast.getCluster().removeMembershipListener(membershipListener);
      membershipListener = null;
    }
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    Future<Void> chain = management == null ? Future.succeededFuture() : management.close();
    // undeploy in reverse order of start: gateway first, control plane last
    for (int i = deploymentIds.size() - 1; i >= 0; i--) {
      String id = deploymentIds.get(i);
      chain = chain.eventually(() -> vertx.undeploy(id));
    }
    chain.toCompletionStage().toCompletableFuture().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    // Closing Vert.x last, from this thread: a continuation on one of its contexts would outlive it.
    vertx.close().toCompletionStage().toCompletableFuture()
        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    if (logFeed != null) {
      logFeed.detach();
      logFeed = null;
    }
    if (trafficLogFile != null) {
      trafficLogFile.detach();
      trafficLogFile = null;
    }
    vertx = null;
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The cluster's maps as this node reads and writes them (signed records). */
  public ClusterRecords records() {
    return records;
  }

  public int gatewayPort() {
    return gateway.actualPort();
  }

  public int controlPort() {
    return controlPlane.actualPort();
  }

  public int managementPort() {
    return managementPort;
  }

  public String adminToken() {
    return adminToken;
  }

  /** The primary key of an endpoint (for the welcome message); fails if there is no such endpoint. */
  public Future<String> exampleKey(String endpoint) {
    return controlPlane.services().endpoints().keys(endpoint).map(r -> r.body().getString("primaryKey"));
  }

  /** The example endpoint's name when this start registered it, else null. */
  public String seededExampleEndpoint() {
    return exampleEndpoint;
  }

  public Path caFile() {
    return caFile(config.dataDir().toAbsolutePath());
  }

  public String scoringBaseUrl() {
    return gateway == null ? "https://127.0.0.1:" + NodeConfig.DEFAULT_GATEWAY_PORT
        : "https://" + displayHost() + ":" + gateway.actualPort();
  }

  public String controlPlaneUrl() {
    return "https://" + displayHost() + ":" + controlPlane.actualPort();
  }

  /** An address of this node's ports to show and to call: the listen host, loopback for a wildcard. */
  private String displayHost() {
    String host = config.host();
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") ? "127.0.0.1" : host;
  }

  private Path caFile(Path dataDir) {
    return config.tlsCert() != null ? config.tlsCert() : dataDir.resolve("tls").resolve(TlsMaterial.CA_CERT);
  }
}
