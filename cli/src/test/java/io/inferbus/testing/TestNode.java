package io.inferbus.testing;

import io.inferbus.node.InferbusNode;
import io.inferbus.node.NodeConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real embedded Inferbus node in this JVM (clustered Vert.x on Hazelcast, HTTPS, ONNX Runtime) on
 * free ports in a given data directory, with a client that trusts its CA.
 */
public final class TestNode implements AutoCloseable {
  /** The example shipped in the repository, as a newcomer sees it. */
  public static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");

  private final InferbusNode node;
  public final Path dataDir;
  public final Https https;

  private TestNode(InferbusNode node, Path dataDir) throws Exception {
    this.node = node;
    this.dataDir = dataDir;
    this.https = new Https(node.caFile());
  }

  /** Like {@link #start(Path)}, with the node configured by {@code configure} (limits, say). */
  public static TestNode start(Path dataDir, java.util.function.UnaryOperator<NodeConfig> configure) throws Exception {
    InferbusNode node = InferbusNode.start(configure.apply(NodeConfig.embedded(dataDir, 0, 0, 0)))
        .toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    return new TestNode(node, dataDir);
  }

  public static TestNode start(Path dataDir) throws Exception {
    InferbusNode node = InferbusNode.start(NodeConfig.embedded(dataDir, 0, 0, 0))
        .toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    return new TestNode(node, dataDir);
  }

  public InferbusNode node() {
    return node;
  }

  public String scoring() {
    return "https://127.0.0.1:" + node.gatewayPort();
  }

  public String control() {
    return "https://127.0.0.1:" + node.controlPort();
  }

  /** The admin token as a caller finds it: in client.json. */
  public String adminToken() throws Exception {
    return new JsonObject(Files.readString(dataDir.resolve(InferbusNode.CLIENT_FILE))).getString("token");
  }

  /** The endpoint's primary key, from the management API. */
  public String primaryKey(String endpoint) throws Exception {
    HttpResponse<String> r = https.json("POST", control() + "/endpoints/" + endpoint + "/keys", adminToken(), null);
    if (r.statusCode() != 200) {
      throw new AssertionError("keys of " + endpoint + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body()).getString("primaryKey");
  }

  /** Waits until the endpoint's deployment answers V2 readiness (an instance loaded and warmed up). */
  public void awaitReady(String endpoint, String key) {
    Await.until(endpoint + " ready", Duration.ofSeconds(60), () -> {
      try {
        return https.get(scoring() + "/v2/models/" + endpoint + "/ready", key).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
  }

  /** The test models built by testdata/build-test-models.py. */
  public static final Path TEST_MODELS = Path.of("..", "testdata", "models");

  /**
   * Registers {@code modelFile} (as model {@code <file base name>}, version 1, once), creates the
   * endpoint (if new) and the deployment with the given spec, waits for its instances to be ready,
   * and returns the endpoint's primary key. {@code withTraffic}: send all traffic to it.
   */
  public String deploy(String endpoint, String deployment, Path modelFile, JsonObject spec, boolean withTraffic)
      throws Exception {
    String token = adminToken();
    String model = modelFile.getFileName().toString().replace(".onnx", "");
    HttpResponse<String> m = https.send("PUT", control() + "/models/" + model + "/versions/1", token,
        "application/octet-stream", Files.readAllBytes(modelFile));
    check(m, 200, 201);
    check(https.json("PUT", control() + "/endpoints/" + endpoint, token, new JsonObject()), 200, 201);
    check(https.json("PUT", control() + "/endpoints/" + endpoint + "/deployments/" + deployment, token,
        spec.copy().put("model", model + ":1")), 200, 201);
    Await.until(endpoint + "/" + deployment + " Succeeded", Duration.ofSeconds(60), () -> {
      try {
        return "Succeeded".equals(new JsonObject(https.get(control() + "/endpoints/" + endpoint + "/deployments/"
            + deployment, token).body()).getString("provisioning_state"));
      } catch (Exception e) {
        return false;
      }
    });
    if (withTraffic) {
      check(https.json("PATCH", control() + "/endpoints/" + endpoint, token, new JsonObject()
          .put("traffic", new JsonObject().put(deployment, 100))), 200);
    }
    String key = primaryKey(endpoint);
    Await.until(endpoint + "/" + deployment + " routable", Duration.ofSeconds(30), () -> {
      try {
        return https.get(scoring() + "/v2/models/" + endpoint + "/versions/" + deployment + "/ready", key)
            .statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });
    return key;
  }

  private static final java.net.http.HttpClient METRICS_CLIENT = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * The Hazelcast member of the node with this id in this JVM (vertx-hazelcast tags its member with
   * the node id), to read or change cluster tables as a test's fault injection.
   */
  public static com.hazelcast.core.HazelcastInstance memberOf(String nodeId) {
    return com.hazelcast.core.Hazelcast.getAllHazelcastInstances().stream()
        .filter(h -> nodeId.equals(h.getCluster().getLocalMember().getAttribute("__vertx.nodeId")))
        .findFirst().orElseThrow(() -> new AssertionError("no Hazelcast member of node " + nodeId));
  }

  /** Like {@link #metric}, -1 when the metrics cannot be read. */
  public double metricQuietly(String name, String... labels) {
    try {
      return metric(name, labels);
    } catch (Exception e) {
      return -1;
    }
  }

  /** A counter or gauge from the node's Prometheus /metrics whose line contains every given label. */
  public double metric(String name, String... labels) throws Exception {
    return metric(node.managementPort(), name, labels);
  }

  /** The node's Prometheus /metrics text. */
  public String metricsText() throws Exception {
    return metricsText(node.managementPort());
  }

  public static String metricsText(int managementPort) throws Exception {
    // HTTP/1.1: the JDK client otherwise offers an h2c upgrade, which can leave the exchange hanging
    return METRICS_CLIENT.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
            .version(java.net.http.HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A counter or gauge from the Prometheus /metrics on {@code managementPort}, summed over lines with every label. */
  public static double metric(int managementPort, String name, String... labels) throws Exception {
    String text = metricsText(managementPort);
    double sum = 0;
    for (String line : text.split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= line.contains(label);
      }
      if (all) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /**
   * A management token for {@code subject} with {@code role}, signed with the node's own signing key
   * (as an admin would issue one for a colleague), valid for ten minutes.
   */
  public String token(String subject, io.inferbus.controlplane.auth.OperatorRole role) throws Exception {
    var keys = io.inferbus.controlplane.auth.SigningKeys.loadOrCreate(dataDir.resolve("secrets"));
    return new io.inferbus.controlplane.auth.OperatorAuth(node.vertx(), keys).issue(subject, role, 600);
  }

  private static void check(HttpResponse<String> r, int... ok) {
    for (int status : ok) {
      if (r.statusCode() == status) {
        return;
      }
    }
    throw new AssertionError(r.request().method() + " " + r.uri() + ": " + r.statusCode() + " " + r.body());
  }

  @Override
  public void close() throws Exception {
    node.stopAndWait(60, TimeUnit.SECONDS);
  }

  /**
   * Like {@link #start(Path)}, on a node that trusts an external token issuer, as the flags
   * {@code --jwks-file} or {@code --jwks-url}, {@code --jwt-issuer} and {@code --jwt-audience} configure it.
   */
  public static TestNode start(Path dataDir, io.inferbus.gateway.auth.TrustedIssuerOptions trustedIssuer)
      throws Exception {
    InferbusNode node = InferbusNode.start(NodeConfig.embedded(dataDir, 0, 0, 0).withTrustedIssuer(trustedIssuer))
        .toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
    return new TestNode(node, dataDir);
  }
}
