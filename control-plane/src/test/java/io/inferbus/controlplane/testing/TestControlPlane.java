package io.inferbus.controlplane.testing;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.ControlPlaneOptions;
import io.inferbus.controlplane.ControlPlaneVerticle;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.auth.SigningKeys;
import io.inferbus.protocol.net.ReadDeadlines;
import io.inferbus.protocol.net.TlsServerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The control-plane role as a node runs it: the real {@link ControlPlaneVerticle} on a Vert.x of its
 * own, a real Hazelcast member and a data directory, serving the management API over HTTPS on a free
 * port, its metrics in a Prometheus registry. No gateway or deployment node runs: a test stands in
 * for them on the cluster tables and the event bus.
 */
public final class TestControlPlane implements AutoCloseable {
  public final Vertx vertx;
  public final HazelcastInstance hazelcast;
  public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  public final Path dataDir;
  private final ControlPlaneVerticle verticle;
  private final HttpClient http;
  private final SSLContext ssl;
  private final String baseUrl;

  private TestControlPlane(Path dataDir, HazelcastInstance hazelcast) throws Exception {
    this(dataDir, hazelcast, Clock.systemUTC(), null);
  }

  private TestControlPlane(Path dataDir, HazelcastInstance hazelcast, Clock clock, String publicUrl) throws Exception {
    this.dataDir = dataDir;
    this.hazelcast = hazelcast;
    this.vertx = Vertx.vertx();
    SelfSignedCertificate cert = SelfSignedCertificate.create("localhost");
    verticle = new ControlPlaneVerticle(TestCluster.records(hazelcast), new ControlPlaneOptions("127.0.0.1", 0,
        new TlsServerConfig(Path.of(cert.certificatePath()), Path.of(cert.privateKeyPath())), dataDir,
        () -> "https://127.0.0.1:8443", null, registry, ReadDeadlines.DEFAULT_TIMEOUT_MS, publicUrl), clock);
    await(vertx.deployVerticle(verticle));
    baseUrl = "https://localhost:" + verticle.actualPort();
    ssl = trusting(Path.of(cert.certificatePath()));
    http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** A control plane on {@code dataDir}, a member of {@code hazelcast}'s cluster. */
  public static TestControlPlane start(Path dataDir, HazelcastInstance hazelcast) throws Exception {
    return new TestControlPlane(dataDir, hazelcast);
  }

  /**
   * A control plane whose console sign-in codes expire by {@code clock} (a test moves it instead of
   * waiting), with {@code publicUrl} as its configured public URL (null: none).
   */
  public static TestControlPlane start(Path dataDir, HazelcastInstance hazelcast, Clock clock, String publicUrl)
      throws Exception {
    return new TestControlPlane(dataDir, hazelcast, clock, publicUrl);
  }

  /** A token of the control plane for a caller with {@code role}. */
  public String token(OperatorRole role) {
    return verticle.auth().issue("test-" + role.claim(), role, 3600);
  }

  /** A token of the control plane for {@code subject} with {@code role}, valid for an hour. */
  public String token(String subject, OperatorRole role) {
    return verticle.auth().issue(subject, role, 3600);
  }

  /** The management API's port. */
  public int port() {
    return verticle.actualPort();
  }

  /** A TLS context that trusts the control plane's certificate (for raw connections). */
  public SSLContext sslContext() {
    return ssl;
  }

  /** A token of the control plane for {@code subject} with {@code role}, valid for {@code lifetimeSeconds}. */
  public String token(String subject, OperatorRole role, int lifetimeSeconds) {
    return verticle.auth().issue(subject, role, lifetimeSeconds);
  }

  /** The management API's base URL as this fixture calls it ({@code https://localhost:<port>}). */
  public String baseUrl() {
    return baseUrl;
  }

  /**
   * {@code claims} signed with the control plane's key exactly as given (no iat, exp or jti added):
   * tokens the API would not issue, such as an expired one or one from before tokens had ids.
   */
  public String sign(JsonObject claims) throws Exception {
    SigningKeys keys = SigningKeys.loadOrCreate(dataDir.resolve("secrets"));
    JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm(SigningKeys.ALGORITHM).setBuffer(keys.privateKeyPem())));
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(SigningKeys.ALGORITHM).setNoTimestamp(true));
  }

  /** An answer of the management API. */
  public record Answer(int status, String text) {
    public JsonObject json() {
      return new JsonObject(text);
    }

    /** The error body's {@code error} object. */
    public JsonObject error() {
      return json().getJsonObject("error");
    }
  }

  /** Calls the management API; {@code body} null for none. */
  public Answer call(String method, String path, String token, JsonObject body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /**
   * Calls the management API with any bytes as the body (null: none) and any content type (null:
   * none), and extra headers as name, value pairs; the whole answer, headers included.
   */
  public HttpResponse<String> send(String method, String path, String token, String contentType, byte[] body,
      String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sends exactly what is given: {@code contentType} and {@code body} (null: no header, no body), with
   * {@code Authorization: Bearer token} unless it is null.
   */
  public Answer call(String method, String path, String token, String contentType, String body) throws Exception {
    HttpResponse<String> r = sendForResponse(method, path, token, contentType, body);
    return new Answer(r.statusCode(), r.body());
  }

  /** As {@link #call}, with the whole response (its headers too). */
  public HttpResponse<String> sendForResponse(String method, String path, String token, String contentType,
      String body) throws Exception {
    return send(method, path, token, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  /** The example's model, and its retrained second version (other bytes). */
  public static final Path EXAMPLE_MODEL = Path.of("..", "examples", "credit-scoring", "model",
      "german-credit-bad-risk.onnx");
  public static final Path EXAMPLE_MODEL_V2 = Path.of("..", "examples", "credit-scoring", "model",
      "german-credit-bad-risk-v2.onnx");

  /** Uploads an ONNX file as {@code name:version} (admin). */
  public Answer registerModel(String name, String version, Path model) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/models/" + name + "/versions/" + version))
        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token(OperatorRole.ADMIN))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(model))).build();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /**
   * Node {@code node} introduces itself in the cluster's node table with {@code roles}, as every node
   * does on joining (on this test's Hazelcast member); returns once {@code GET /nodes} lists it.
   */
  public void nodeJoined(String node, String... roles) {
    String member = hazelcast.getCluster().getLocalMember().getUuid().toString();
    TestCluster.records(hazelcast).map(io.inferbus.protocol.ClusterMaps.NODES).set(node,
        new io.inferbus.protocol.state.NodeState(node, node, member, "127.0.0.1:5701", java.util.List.of(roles), 2,
            System.currentTimeMillis()).toJson());
    Await.until("the control plane lists node " + node, Duration.ofSeconds(10), () -> listsNode(node));
  }

  /** Node {@code node} leaves the node table; returns once {@code GET /nodes} no longer lists it. */
  public void nodeLeft(String node) {
    hazelcast.getMap(io.inferbus.protocol.ClusterMaps.NODES).delete(node);
    Await.until("the control plane no longer lists node " + node, Duration.ofSeconds(10), () -> !listsNode(node));
  }

  private boolean listsNode(String node) {
    try {
      return call("GET", "/nodes", token(OperatorRole.READER), null).json().getJsonArray("value").stream()
          .anyMatch(n -> node.equals(((JsonObject) n).getString("node_id")));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The Prometheus text a scrape of the node's /metrics shows. */
  public String scrape() {
    return registry.scrape();
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static SSLContext trusting(Path certificate) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      trust.setCertificateEntry("control-plane", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  @Override
  public void close() throws Exception {
    try {
      await(vertx.close());
    } finally {
      registry.close();
    }
  }
}
