package io.inferbus.testing;

import io.inferbus.node.InferbusNode;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code inferbus start} as a separate JVM process on free ports in a given data directory, as a
 * user runs it: it is ready once it printed its welcome, and its ports, admin token and CA come from
 * the files it wrote ({@code ports.json}, {@code client.json}). Each start logs into its own files,
 * so a restart on the same data directory never reads the previous run's output.
 */
public final class NodeProcess implements AutoCloseable {
  /** The last line of the welcome, printed after ports.json and client.json are written. */
  public static final String SERVING = "Ctrl-C stops it";
  /** Hazelcast wants these on JDK 17 (docs/operations.md); ./inferbus passes the same. */
  private static final List<String> JVM_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      // The node lives for seconds on a 2-core machine: C2 compiler threads would only compete with
      // its start-up for the cores.
      "-XX:TieredStopAtLevel=1");

  private final Process process;
  private final Path dataDir;
  private final Path stdout;
  private final Path stderr;
  /** The address the node's ports listen on (its --host). */
  private final String host;
  private JsonObject ports;
  private Https https;

  private NodeProcess(Process process, Path dataDir, Path stdout, Path stderr, String host) {
    this.process = process;
    this.dataDir = dataDir;
    this.stdout = stdout;
    this.stderr = stderr;
    this.host = host;
  }

  /**
   * Launches {@code inferbus start --data-dir dataDir} with every port 0; its output goes to
   * {@code <logDir>/<name>-stdout.txt} and {@code -stderr.txt}. Does not wait: see {@link #awaitServing}.
   */
  public static NodeProcess start(Path dataDir, Path logDir, String name) throws IOException {
    return launch(dataDir, logDir, name, List.of("start", "--data-dir", dataDir.toString(),
        "--gateway-port", "0", "--control-port", "0", "--management-port", "0"));
  }

  /**
   * Launches {@code inferbus node --roles deployment} in {@code dataDir}, joining the cluster with
   * {@code joinFile} (the join.json a control-plane node wrote); management port 0. Does not wait:
   * see {@link #awaitPortsFile}.
   */
  public static NodeProcess deploymentNode(Path dataDir, Path joinFile, Path logDir, String name)
      throws IOException {
    return joining("deployment", dataDir, joinFile, logDir, name);
  }

  /**
   * Launches {@code inferbus node --roles <roles> --join <joinFile>} in {@code dataDir} with every
   * port 0. Does not wait: see {@link #awaitPortsFile}.
   */
  public static NodeProcess joining(String roles, Path dataDir, Path joinFile, Path logDir, String name)
      throws IOException {
    return launch(dataDir, logDir, name, List.of("node", "--roles", roles, "--data-dir", dataDir.toString(),
        "--join", joinFile.toAbsolutePath().toString(), "--gateway-port", "0", "--control-port", "0",
        "--management-port", "0"));
  }

  /**
   * Like {@link #joining(String, Path, Path, Path, String)}, with the Hazelcast configuration
   * {@code clusterXml} (written to {@code dataDir/cluster.xml}) tuning the joining node, as
   * {@code --cluster-config} does: the join file's cluster name and members replace its own.
   */
  public static NodeProcess joining(String roles, Path dataDir, Path joinFile, String clusterXml, Path logDir,
      String name) throws IOException {
    Files.createDirectories(dataDir);
    Path clusterFile = dataDir.resolve("cluster.xml");
    Files.writeString(clusterFile, clusterXml);
    return launch(dataDir, logDir, name, List.of("node", "--roles", roles, "--data-dir", dataDir.toString(),
        "--join", joinFile.toAbsolutePath().toString(), "--cluster-config", clusterFile.toString(),
        "--gateway-port", "0", "--control-port", "0", "--management-port", "0"));
  }

  /**
   * Launches {@code inferbus node --roles <roles>} in {@code dataDir} with every port 0, with the
   * Hazelcast configuration {@code clusterXml} (written to {@code dataDir/cluster.xml}): a
   * control-plane node founding a cluster. Does not wait: see {@link #awaitPortsFile}.
   */
  public static NodeProcess node(String roles, Path dataDir, String clusterXml, Path logDir, String name)
      throws IOException {
    Files.createDirectories(dataDir);
    Path clusterFile = dataDir.resolve("cluster.xml");
    Files.writeString(clusterFile, clusterXml);
    return launch(dataDir, logDir, name, List.of("node", "--roles", roles, "--data-dir", dataDir.toString(),
        "--cluster-config", clusterFile.toString(), "--gateway-port", "0", "--control-port", "0",
        "--management-port", "0"));
  }

  /**
   * Launches {@code inferbus <arguments>} (which give the data dir and the ports) in {@code dataDir}
   * behind the command {@code prefix}, such as {@code ip netns exec NS}, which runs it in a network
   * namespace ({@link NamespaceNetwork}); {@code host} is the address its ports listen on (its
   * {@code --host}), which {@link #scoring()} and {@link #control()} call. Does not wait: see
   * {@link #awaitPortsFile}.
   */
  public static NodeProcess launch(List<String> prefix, String host, Path dataDir, Path logs, String name,
      List<String> arguments) throws IOException {
    Path logDir = logs.toAbsolutePath(); // the process runs in the project's root
    Files.createDirectories(logDir);
    Path out = logDir.resolve(name + "-stdout.txt");
    Path err = logDir.resolve(name + "-stderr.txt");
    // The class path goes in an argument file: ONNX Runtime 1.29's native library crashes the JVM
    // (SIGSEGV) when the process command line is longer than about 4 KB (docs/operations.md).
    Path argFile = logDir.resolve(name + "-java-args.txt");
    Files.writeString(argFile, "-cp " + System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")) + "\n");
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.addAll(List.of("@" + argFile, "io.inferbus.cli.Main"));
    command.addAll(arguments);
    // A ports.json an earlier run left in this data dir (killed, or stopped: a clean stop keeps it)
    // must not pass for this run's: the node removes it too, but only once its JVM has started.
    Files.deleteIfExists(dataDir.resolve(InferbusNode.PORTS_FILE));
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .directory(new File("..")).start();
    return new NodeProcess(process, dataDir, out, err, host);
  }

  private static NodeProcess launch(Path dataDir, Path logs, String name, List<String> arguments)
      throws IOException {
    return launch(List.of(), "127.0.0.1", dataDir, logs, name, arguments);
  }

  /**
   * Waits until the node wrote its ports.json (it has joined the cluster and started its roles),
   * then reads it. A node without the gateway and control-plane roles prints no welcome.
   */
  public NodeProcess awaitPortsFile(Duration timeout) throws Exception {
    Path file = dataDir.resolve(InferbusNode.PORTS_FILE);
    Await.until("ports.json of " + stdout.getFileName(), timeout, () -> Files.exists(file) || !process.isAlive());
    if (!process.isAlive()) {
      throw new AssertionError("the node exited with " + process.exitValue() + " before starting: " + stderr());
    }
    ports = new JsonObject(Files.readString(file));
    if (Files.exists(dataDir.resolve("client.json"))) { // a node with the control plane
      https = new Https(Path.of(client().getString("ca_file")));
    } else if (ports.containsKey("gateway")) { // a gateway with the certificates it generated itself
      https = new Https(dataDir.resolve("tls").resolve("ca.pem"));
    }
    return this;
  }

  /** The node's id in the cluster (from its ports.json). */
  public String nodeId() {
    return ports.getString("node_id");
  }

  /** A metric from the node's management port (see {@link TestNode#metric}); -1 when it cannot be read. */
  public double metricQuietly(String name, String... labels) {
    try {
      return TestNode.metric(ports.getInteger("management"), name, labels);
    } catch (Exception e) {
      return -1;
    }
  }

  /** Waits until this run printed its welcome (so it serves), then reads its ports.json. */
  public NodeProcess awaitServing(Duration timeout) throws Exception {
    Await.until("inferbus start serving (" + stdout.getFileName() + ")", timeout,
        () -> stdout().contains(SERVING) || !process.isAlive());
    if (!process.isAlive()) {
      throw new AssertionError("inferbus start exited with " + process.exitValue() + " before serving: " + stderr());
    }
    ports = new JsonObject(Files.readString(dataDir.resolve(InferbusNode.PORTS_FILE)));
    https = new Https(Path.of(client().getString("ca_file")));
    return this;
  }

  public Process process() {
    return process;
  }

  public Https https() {
    return https;
  }

  public JsonObject ports() {
    return ports;
  }

  public String scoring() {
    return "https://" + host + ":" + ports.getInteger("gateway");
  }

  public String control() {
    return "https://" + host + ":" + ports.getInteger("control");
  }

  /** client.json as the node wrote it: control_plane_url, ca_file, token. */
  public JsonObject client() throws IOException {
    return new JsonObject(Files.readString(dataDir.resolve("client.json")));
  }

  public String adminToken() throws IOException {
    return client().getString("token");
  }

  /** The endpoint's keys from the management API: {@code {"primaryKey", "secondaryKey"}}. */
  public JsonObject keys(String endpoint) throws Exception {
    HttpResponse<String> r = https.json("POST", control() + "/endpoints/" + endpoint + "/keys", adminToken(), null);
    if (r.statusCode() != 200) {
      throw new AssertionError("keys of " + endpoint + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** Registers the example's model (examples/credit-scoring) as {@code credit:<version>}; fails unless 201. */
  public void registerExampleModel(String version) throws Exception {
    HttpResponse<String> r = https.send("PUT", control() + "/models/credit/versions/" + version, adminToken(),
        "application/octet-stream", Files.readAllBytes(Path.of("..", "examples", "credit-scoring", "model",
            "german-credit-bad-risk.onnx")));
    if (r.statusCode() != 201) {
      throw new AssertionError("registering credit:" + version + ": " + r.statusCode() + " " + r.body());
    }
  }

  /** A management API call with the admin token; fails unless the answer is 2xx. Returns the body. */
  public JsonObject manage(String method, String path, JsonObject body) throws Exception {
    HttpResponse<String> r = https.json(method, control() + path, adminToken(), body);
    if (r.statusCode() / 100 != 2) {
      throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** SIGTERM, as an operator stops a node: waits for the process to exit and returns its exit code. */
  public int stop(Duration timeout) throws InterruptedException {
    process.destroy(); // SIGTERM on Linux
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the node was still running " + timeout + " after SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no clean stop. Returns the exit code (137 = 128 + SIGKILL). */
  public int kill() throws InterruptedException {
    process.destroyForcibly(); // SIGKILL on Linux
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("the node was still alive 30 s after SIGKILL");
    }
    return process.exitValue();
  }

  public String stdout() {
    return read(stdout);
  }

  public String stderr() {
    return read(stderr);
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Never leaves a process behind, whatever the test did. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
