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

  @Override
  public void close() throws Exception {
    node.stopAndWait(60, TimeUnit.SECONDS);
  }
}
