package io.inferbus.bench.deployment;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.deployment.agent.InstanceDirectory;
import io.inferbus.deployment.instance.ModelInstance;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Benchmark A, level 3: the real instance path. A real {@link ModelInstance} of the example model
 * consumes on a (non-clustered) Vert.x event bus, and a requester verticle plays the gateway: it sends
 * the batch-1 body with the headers {@code ScoringHandler} sends ({@code inferbus-request-id},
 * {@code inferbus-protocol}, {@code inferbus-timeout-ms}, the send timeout) and keeps a fixed number of
 * requests in flight, sending the next one when a reply arrives.
 *
 * <p>Cost per request = process CPU time (every thread: event loops, the instance's workers, ONNX
 * Runtime's threads, JIT, GC, Hazelcast) and heap bytes allocated by all Java threads, between two
 * snapshots around a fixed number of requests, divided by that number. The same requester against an
 * echo consumer (replies a fixed answer at once) measures the event bus round trip and the requester
 * itself; instance minus echo is the deployment side's own work. ONNX Runtime alone, on a tensor made
 * once, and the product's steps alone ({@link StepCosts}) are measured in the same process as the baseline.
 *
 * <p>The instance's {@link InstanceDirectory} needs a HazelcastInstance: a real single member, bound
 * to 127.0.0.1, joining nothing, under a cluster name of its own. It is touched only when the
 * instance starts and stops, never per request.
 *
 * <pre>
 *   InstancePathBench [--requests N] [--repeats R] [--warmup-seconds S] [--in-flight 1,16]
 *                     [--max-concurrent C] [--intra-op-threads T] [--protocols azureml,v2]
 *                     [--profile FILE.jfr --profile-seconds S --profile-in-flight K]
 * </pre>
 */
public final class InstancePathBench {
  private static final String ECHO_ADDRESS = "inferbus.bench.echo";

  private InstancePathBench() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    System.out.printf(Locale.ROOT, "# instance path: %s%n", options);
    Path cacheDir = Files.createTempDirectory("inferbus-bench-cache");
    HazelcastInstance hazelcast = Hazelcast.newHazelcastInstance(hazelcastConfig());
    Vertx vertx = Vertx.vertx();
    try {
      run(options, vertx, hazelcast, cacheDir);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      hazelcast.shutdown();
      try (var files = Files.list(cacheDir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(cacheDir);
    }
  }

  private static void run(Options options, Vertx vertx, HazelcastInstance hazelcast, Path cacheDir) throws Exception {
    // The instance's model cache finds a verified copy by content hash, as on a node that fetched it before.
    String sha256 = Sha256.hexOf(ExampleModel.MODEL);
    Files.copy(ExampleModel.MODEL, cacheDir.resolve(sha256 + ".onnx"));
    DeploymentState deployment = new DeploymentState("credit", "blue", new ModelRef("credit-model", "1", sha256), 1,
        new RequestSettings(5000, options.maxConcurrent, 500), null, 1);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    InstanceHost host = new InstanceHost(hazelcast, deployment, registry, cacheDir, options.intraOpThreads);
    vertx.deployVerticle(host).await(60, TimeUnit.SECONDS);
    String instanceAddress = Addresses.instance(host.instance.id());

    Map<ScoringProtocol, Buffer> bodies = new LinkedHashMap<>();
    bodies.put(ScoringProtocol.AZURE_ML, ExampleModel.azureBody(1));
    bodies.put(ScoringProtocol.OPEN_INFERENCE, ExampleModel.openInferenceBody(1));

    Requester requester = new Requester();
    vertx.deployVerticle(requester).await(10, TimeUnit.SECONDS);
    // the echo answers what the instance answers, so both replies carry the same bytes
    Buffer answer = requester.call(instanceAddress, bodies.get(ScoringProtocol.AZURE_ML), ScoringProtocol.AZURE_ML);
    System.out.printf("# instance %s answers %s%n", host.instance.id(), answer);
    vertx.deployVerticle(new Echo(answer)).await(10, TimeUnit.SECONDS);

    List<Case> cases = new ArrayList<>();
    for (ScoringProtocol protocol : options.protocols) {
      for (int inFlight : options.inFlight) {
        cases.add(new Case("instance", instanceAddress, protocol, bodies.get(protocol), inFlight));
      }
    }
    for (int inFlight : options.inFlight) {
      cases.add(new Case("echo", ECHO_ADDRESS, ScoringProtocol.AZURE_ML, bodies.get(ScoringProtocol.AZURE_ML),
          inFlight));
    }

    // Warm-up: every case in turn until the JIT has settled (on 2 cores it needs 15-30 s).
    long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.warmupSeconds);
    while (System.nanoTime() < warmEnd) {
      for (Case c : cases) {
        requester.drive(c, 5_000);
      }
    }

    if (options.profile != null) {
      profile(options, requester, cases);
      return;
    }

    Map<String, StepCosts.Cost> steps = StepCosts.measure(options.intraOpThreads, 100_000);
    StepCosts.Cost ort = steps.values().iterator().next();

    // Measurement: the cases interleaved, repeated; each case's median repeat is reported.
    Map<Case, List<ProcessCost.PerRequest>> results = new LinkedHashMap<>();
    for (int r = 0; r < options.repeats; r++) {
      for (Case c : cases) {
        ProcessCost.Snapshot before = ProcessCost.snapshot();
        long failures = requester.drive(c, options.requests);
        ProcessCost.Snapshot after = ProcessCost.snapshot();
        if (failures > 0) {
          System.out.printf("! %s: %d of %d requests failed, first: %s%n", c, failures, options.requests,
              requester.firstFailure.get());
        }
        results.computeIfAbsent(c, k -> new ArrayList<>()).add(ProcessCost.between(before, after, options.requests));
      }
    }
    report(options, steps, ort, results);
  }

  private static void report(Options options, Map<String, StepCosts.Cost> steps, StepCosts.Cost ort,
      Map<Case, List<ProcessCost.PerRequest>> results) {
    System.out.println();
    System.out.printf(Locale.ROOT, "Levels 1-2 in this process, one thread, thread CPU time and bytes per call (intra-op"
        + " threads %d):%n", options.intraOpThreads);
    steps.forEach((name, c) -> System.out.printf(Locale.ROOT, "  %-42s %7.2f us CPU (%4.1f x ORT) %7.0f bytes (%4.1f x ORT)%n",
        name, c.cpuMicros(), c.cpuMicros() / ort.cpuMicros(), c.bytes(), c.bytes() / ort.bytes()));
    System.out.println();
    System.out.println("Level 3, process CPU time and bytes allocated by all threads, per request:");
    System.out.printf(Locale.ROOT, "%-9s %-8s %9s %9s %11s %8s %11s %8s %5s   %s%n", "target", "protocol", "in-flight",
        "req/s", "CPU us/req", "x ORT", "bytes/req", "x ORT", "GCs", "median of " + options.repeats
            + " x " + options.requests + " requests; all repeats' CPU us/req");
    Map<Integer, ProcessCost.PerRequest> echoByInFlight = new LinkedHashMap<>();
    Map<Case, ProcessCost.PerRequest> medians = new LinkedHashMap<>();
    results.forEach((c, list) -> {
      ProcessCost.PerRequest m = median(list);
      medians.put(c, m);
      if (c.target.equals("echo")) {
        echoByInFlight.put(c.inFlight, m);
      }
      StringBuilder all = new StringBuilder();
      list.forEach(p -> all.append(String.format(Locale.ROOT, "%.1f ", p.processCpuMicros())));
      System.out.printf(Locale.ROOT, "%-9s %-8s %9d %9.0f %11.1f %8.1f %11.0f %8.1f %5d   %s%n", c.target,
          c.protocol.wireName(), c.inFlight, m.requestsPerSecond(), m.processCpuMicros(),
          m.processCpuMicros() / ort.cpuMicros(), m.allocatedBytes(), m.allocatedBytes() / ort.bytes(),
          m.gcCount(), all.toString().trim());
    });
    System.out.println();
    System.out.println("By thread group (median repeat), CPU us/req | bytes/req:");
    medians.forEach((c, m) -> {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-9s %-8s in-flight %-3d", c.target,
          c.protocol.wireName(), c.inFlight));
      m.cpuMicrosByGroup().forEach((g, v) -> line.append(String.format(Locale.ROOT, "  %s %.1f | %.0f", g, v,
          m.allocatedBytesByGroup().get(g))));
      line.append(String.format(Locale.ROOT, "  (unattributed: JIT, GC, native threads %.1f)",
          m.processCpuMicros() - m.cpuMicrosByGroup().values().stream().mapToDouble(Double::doubleValue).sum()));
      System.out.println(line);
    });
    System.out.println();
    System.out.println("Deployment side = instance minus echo at the same in-flight count (the requester and the"
        + " event bus round trip cancel out):");
    medians.forEach((c, m) -> {
      ProcessCost.PerRequest echo = echoByInFlight.get(c.inFlight);
      if (c.target.equals("instance") && echo != null) {
        double cpu = m.processCpuMicros() - echo.processCpuMicros();
        double bytes = m.allocatedBytes() - echo.allocatedBytes();
        System.out.printf(Locale.ROOT, "  %-8s in-flight %-3d %7.1f us CPU/req (%.1f x ORT)  %7.0f bytes/req (%.1f x ORT)%n",
            c.protocol.wireName(), c.inFlight, cpu, cpu / ort.cpuMicros(), bytes, bytes / ort.bytes());
      }
    });
  }

  private static ProcessCost.PerRequest median(List<ProcessCost.PerRequest> list) {
    List<ProcessCost.PerRequest> sorted = new ArrayList<>(list);
    sorted.sort(Comparator.comparingDouble(ProcessCost.PerRequest::processCpuMicros));
    return sorted.get(sorted.size() / 2);
  }

  /** Records the instance case at the chosen in-flight count with JFR's profile settings, after warm-up. */
  private static void profile(Options options, Requester requester, List<Case> cases) throws Exception {
    Case c = cases.stream().filter(k -> k.target.equals("instance") && k.inFlight == options.profileInFlight)
        .findFirst().orElseThrow(() -> new IllegalArgumentException("no instance case with in-flight "
            + options.profileInFlight));
    try (Recording recording = new Recording(Configuration.getConfiguration("profile"))) {
      recording.setToDisk(true);
      // "profile" samples Java stacks every 10 ms; more samples make a 30 s recording worth reading
      recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(2));
      // every TLAB refill with its stack: allocation weights with less variance than the throttled samples
      recording.enable("jdk.ObjectAllocationInNewTLAB").withStackTrace();
      recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
      recording.setDestination(options.profile);
      long requests = 0;
      ProcessCost.Snapshot before = ProcessCost.snapshot();
      recording.start();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.profileSeconds);
      while (System.nanoTime() < end) {
        requester.drive(c, 5_000);
        requests += 5_000;
      }
      recording.stop();
      ProcessCost.PerRequest p = ProcessCost.between(before, ProcessCost.snapshot(), requests);
      System.out.printf(Locale.ROOT, "# recorded %s: %d requests, %.0f req/s, %.1f us CPU/req, %.0f bytes/req -> %s%n",
          c, requests, p.requestsPerSecond(), p.processCpuMicros(), p.allocatedBytes(), options.profile);
    }
  }

  private static Config hazelcastConfig() {
    Config config = new Config();
    config.setClusterName("inferbus-bench-" + UUID.randomUUID());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = config.getNetworkConfig();
    // a free port, so members of other clusters on this host that probe 5701+ never meet this one
    network.setPort(0).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(false); // a member of its own: it joins no one
    return config;
  }

  /** One measured configuration. */
  private record Case(String target, String address, ScoringProtocol protocol, Buffer body, int inFlight) {
    @Override
    public String toString() {
      return target + "/" + protocol.wireName() + "/in-flight " + inFlight;
    }
  }

  /** Hosts the instance on its own event loop, as DeploymentNodeVerticle does. */
  private static final class InstanceHost extends VerticleBase {
    private final HazelcastInstance hazelcast;
    private final DeploymentState deployment;
    private final PrometheusMeterRegistry registry;
    private final Path cacheDir;
    private final int intraOpThreads;
    ModelInstance instance;

    InstanceHost(HazelcastInstance hazelcast, DeploymentState deployment, PrometheusMeterRegistry registry,
        Path cacheDir, int intraOpThreads) {
      this.hazelcast = hazelcast;
      this.deployment = deployment;
      this.registry = registry;
      this.cacheDir = cacheDir;
      this.intraOpThreads = intraOpThreads;
    }

    private io.inferbus.deployment.runner.ModelRunners runners;

    @Override
    public Future<?> start() {
      runners = new io.inferbus.deployment.runner.ModelRunners(Runtime.getRuntime().availableProcessors());
      instance = new ModelInstance(vertx, deployment, "bench-node", new InstanceDirectory(io.inferbus.protocol.cluster.ClusterCa.inMemory().records(hazelcast, "bench-node", java.util.Set.of("deployment")).map(io.inferbus.protocol.ClusterMaps.INSTANCES), context), registry, runners);
      return instance.start(new ModelCache(vertx, cacheDir), intraOpThreads).compose(v ->
          InstanceState.READY.equals(instance.state()) ? Future.succeededFuture()
              : Future.failedFuture("instance is " + instance.state()));
    }

    @Override
    public Future<?> stop() {
      return instance.stop().onComplete(ar -> runners.close());
    }
  }

  /** Replies a fixed answer at once: the event bus round trip without the deployment side's work. */
  private static final class Echo extends VerticleBase {
    private static final DeliveryOptions JSON_REPLY =
        new DeliveryOptions().addHeader(ScoringHeaders.CONTENT_TYPE, "application/json");
    private final Buffer answer;

    Echo(Buffer answer) {
      this.answer = answer;
    }

    @Override
    public Future<?> start() {
      return vertx.eventBus().<Buffer>consumer(ECHO_ADDRESS, (Message<Buffer> m) -> m.reply(answer, JSON_REPLY))
          .completion();
    }
  }

  /** Plays the gateway's part: sends scoring messages with its headers, a fixed number in flight. */
  private static final class Requester extends VerticleBase {
    final AtomicReference<String> firstFailure = new AtomicReference<>();
    private long sequence;

    /** One request, its answer's body. Called from the main thread. */
    Buffer call(String address, Buffer body, ScoringProtocol protocol) throws Exception {
      Promise<Buffer> done = Promise.promise();
      context.runOnContext(v -> vertx.eventBus().<Buffer>request(address, body, delivery(protocol))
          .map(Message::body).onComplete(done));
      return done.future().await(30, TimeUnit.SECONDS);
    }

    /** Sends {@code total} requests keeping {@code c.inFlight} outstanding; the number that failed. */
    long drive(Case c, long total) throws Exception {
      Promise<Long> done = Promise.promise();
      context.runOnContext(v -> new Run(c, total, done).start());
      return done.future().await(10, TimeUnit.MINUTES);
    }

    private DeliveryOptions delivery(ScoringProtocol protocol) {
      // what ScoringHandler sends: the deployment's request_timeout_ms as send timeout and header
      return new DeliveryOptions()
          .setSendTimeout(5000)
          .addHeader(ScoringHeaders.TIMEOUT_MS, "5000")
          .addHeader(ScoringHeaders.REQUEST_ID, "bench-" + (sequence++))
          .addHeader(ScoringHeaders.PROTOCOL, protocol.wireName());
    }

    /** One batch of requests; all its state lives on the requester's event loop. */
    private final class Run {
      private final Case c;
      private final long total;
      private final Promise<Long> done;
      private long sent;
      private long answered;
      private long failed;

      Run(Case c, long total, Promise<Long> done) {
        this.c = c;
        this.total = total;
        this.done = done;
      }

      void start() {
        for (int i = 0; i < c.inFlight && sent < total; i++) {
          send();
        }
      }

      private void send() {
        sent++;
        vertx.eventBus().<Buffer>request(c.address, c.body, delivery(c.protocol)).onComplete(ar -> {
          answered++;
          if (ar.failed()) {
            failed++;
            firstFailure.compareAndSet(null, ar.cause().toString());
          }
          if (sent < total) {
            send();
          } else if (answered == total) {
            done.complete(failed);
          }
        });
      }
    }
  }

  /** Command-line options. */
  private record Options(long requests, int repeats, int warmupSeconds, int[] inFlight, int maxConcurrent,
      int intraOpThreads, List<ScoringProtocol> protocols, Path profile, int profileSeconds, int profileInFlight) {

    static Options parse(String[] args) {
      Map<String, String> given = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i += 2) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
        }
        given.put(args[i].substring(2), args[i + 1]);
      }
      List<ScoringProtocol> protocols = new ArrayList<>();
      for (String p : given.getOrDefault("protocols", "azureml").split(",")) {
        protocols.add(ScoringProtocol.fromWireName(p.trim()));
      }
      // a node gives each instance cores / instances intra-op threads: all cores for the only instance
      int cores = Runtime.getRuntime().availableProcessors();
      Options o = new Options(
          Long.parseLong(given.getOrDefault("requests", "100000")),
          Integer.parseInt(given.getOrDefault("repeats", "3")),
          Integer.parseInt(given.getOrDefault("warmup-seconds", "25")),
          java.util.Arrays.stream(given.getOrDefault("in-flight", "1,16").split(",")).map(String::trim)
              .mapToInt(Integer::parseInt).toArray(),
          Integer.parseInt(given.getOrDefault("max-concurrent", "1")),
          Integer.parseInt(given.getOrDefault("intra-op-threads", Integer.toString(cores))),
          protocols,
          given.containsKey("profile") ? Path.of(given.get("profile")) : null,
          Integer.parseInt(given.getOrDefault("profile-seconds", "30")),
          Integer.parseInt(given.getOrDefault("profile-in-flight", "16")));
      List<String> known = List.of("requests", "repeats", "warmup-seconds", "in-flight", "max-concurrent",
          "intra-op-threads", "protocols", "profile", "profile-seconds", "profile-in-flight");
      given.keySet().stream().filter(k -> !known.contains(k)).findFirst().ifPresent(k -> {
        throw new IllegalArgumentException("unknown option --" + k + "; known: " + known);
      });
      return o;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "requests %d x %d repeats, warm-up %d s, in-flight %s, "
              + "max_concurrent_requests_per_instance %d, intra-op threads %d, protocols %s", requests, repeats,
          warmupSeconds, java.util.Arrays.toString(inFlight), maxConcurrent, intraOpThreads, protocols);
    }
  }
}
