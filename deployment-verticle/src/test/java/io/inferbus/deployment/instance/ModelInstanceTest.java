package io.inferbus.deployment.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.inferbus.deployment.agent.InstanceDirectory;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.deployment.runner.ModelRunners;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.cluster.SignedMap;
import io.inferbus.protocol.delivery.LocalInstances;
import io.inferbus.protocol.delivery.ScoringAnswer;
import io.inferbus.protocol.delivery.ScoringCall;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.ModelRef;
import io.inferbus.protocol.state.RequestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model instance's life on a real Vert.x, a real (single-member) Hazelcast instance table and
 * ONNX Runtime with the example model: it publishes Loading then Ready, takes requests over the event
 * bus and straight from a gateway in its process, drains on stop (everything admitted is answered),
 * then is gone from the table and from the process's local instances.
 */
class ModelInstanceTest {
  private static final Path CREDIT = Path.of("..", "examples", "credit-scoring", "model", "german-credit-bad-risk.onnx");
  private static final Buffer SAMPLE = new JsonObject().put("input_data", new io.vertx.core.json.JsonArray()
      .add(new io.vertx.core.json.JsonArray().add(6.0).add(1169.0).add(4.0).add(4.0).add(67.0).add(2.0).add(1.0)))
      .toBuffer();
  static HazelcastInstance hazelcast;
  static Vertx vertx;
  static ModelRunners runners;
  static SignedMap instances;
  @TempDir
  static Path cacheDir;

  @BeforeAll
  static void start() {
    Config config = new Config().setClusterName("instance-test-" + UUID.randomUUID());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.getNetworkConfig().setPort(5701).setPortAutoIncrement(true).setPortCount(200);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    hazelcast = Hazelcast.newHazelcastInstance(config);
    instances = ClusterCa.inMemory().records(hazelcast, "test-node", Set.of("deployment")).map(ClusterMaps.INSTANCES);
    vertx = Vertx.vertx();
    runners = new ModelRunners(2);
  }

  @AfterAll
  static void stop() throws Exception {
    runners.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    hazelcast.shutdown();
  }

  /** An answer a test can wait for. */
  static final class Answer implements ScoringAnswer {
    final CompletableFuture<String> outcome = new CompletableFuture<>();

    @Override
    public void answered(Buffer body, long modelMicros, int jsonLength) {
      outcome.complete("200 " + body);
    }

    @Override
    public void failed(FailureKind kind, String message) {
      outcome.complete(kind.httpStatus() + " " + message);
    }

    @Override
    public void gone(String message) {
      outcome.complete("gone " + message);
    }

    String get() throws Exception {
      return outcome.get(30, TimeUnit.SECONDS);
    }
  }

  private static ModelInstance instance(Path model, int maxConcurrent, LocalInstances local) throws Exception {
    String sha256 = Sha256.hexOf(model);
    Files.copy(model, cacheDir.resolve(sha256 + ".onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    DeploymentState deployment = new DeploymentState("credit", "blue", new ModelRef("credit-model", "1", sha256), 1,
        new RequestSettings(30_000, maxConcurrent, 30_000), null, 1);
    return new ModelInstance(vertx, deployment, "test-node", new InstanceDirectory(instances, vertx.getOrCreateContext()),
        new InstanceMetrics(new SimpleMeterRegistry(), "credit", "blue"), AccessLog.NONE, runners, local);
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private static String tableState(String id) {
    JsonObject record = instances.get(id);
    return record == null ? null : InstanceState.fromJson(record).state();
  }

  private static ScoringCall call(Answer answer) {
    return new ScoringCall(SAMPLE, ScoringProtocol.AZURE_ML, "r-" + UUID.randomUUID(), 30_000, -1,
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", false, answer);
  }

  @Test
  void anInstanceServesLocallyAndOverTheEventBusThenDrainsEverythingItAdmitted() throws Exception {
    LocalInstances local = new LocalInstances();
    ModelInstance instance = instance(CREDIT, 1, local);
    await(instance.start(new ModelCache(vertx, cacheDir), 1));
    assertEquals(InstanceState.READY, instance.state());
    assertEquals(InstanceState.READY, tableState(instance.id()));
    String address = Addresses.instance(instance.id());
    Consumer<ScoringCall> handler = local.find(address);
    assertNotNull(handler, "registered for gateways in this process once ready");

    Answer one = new Answer();
    handler.accept(call(one));
    assertTrue(one.get().startsWith("200 {\"probabilities\"") && one.get().contains("\"label\":[0]"), one.get());

    // over the event bus: the answer's headers carry the model time; bad headers are refused by name
    Message<Buffer> reply = await(vertx.eventBus().<Buffer>request(address, SAMPLE, new DeliveryOptions()
        .addHeader(ScoringHeaders.PROTOCOL, ScoringProtocol.AZURE_ML.wireName())
        .addHeader(ScoringHeaders.REQUEST_ID, "over-the-bus").addHeader(ScoringHeaders.TIMEOUT_MS, "30000")));
    assertEquals(one.get().substring(4), reply.body().toString());
    assertTrue(Long.parseLong(reply.headers().get(ScoringHeaders.MODEL_TIME_US)) >= 0);
    assertEquals(FailureKind.BAD_INPUT.eventBusCode(), refusal(address, ScoringHeaders.PROTOCOL, "grpc").failureCode());
    ReplyException badLength = refusal(address, ScoringHeaders.INFERENCE_HEADER_LENGTH, "+12");
    assertEquals(FailureKind.BAD_INPUT.eventBusCode(), badLength.failureCode());
    assertTrue(badLength.getMessage().contains("Inference-Header-Content-Length"), badLength.getMessage());

    // 200 requests admitted at max_concurrent_requests_per_instance 1, then stop: every one is answered
    List<Answer> admitted = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Answer a = new Answer();
      admitted.add(a);
      handler.accept(call(a));
    }
    io.vertx.core.Future<Void> stopped = instance.stop();
    assertEquals(InstanceState.DRAINING, instance.state());
    for (Answer a : admitted) {
      assertTrue(a.get().startsWith("200 "), a.get());
    }
    await(stopped);
    assertNull(local.find(address), "no longer reachable directly");
    assertNull(tableState(instance.id()), "gone from the instance table");
    Answer late = new Answer();
    handler.accept(call(late));
    assertTrue(late.get().startsWith("gone "), "a gateway that still held it is told it is gone (and retries"
        + " elsewhere): " + late.get());
  }

  private static ReplyException refusal(String address, String header, String value) throws Exception {
    DeliveryOptions options = new DeliveryOptions().addHeader(ScoringHeaders.PROTOCOL,
        ScoringProtocol.OPEN_INFERENCE.wireName()).addHeader(ScoringHeaders.REQUEST_ID, "bad");
    options.getHeaders().set(header, value);
    try {
      await(vertx.eventBus().<Buffer>request(address, SAMPLE, options));
    } catch (ExecutionException e) {
      return (ReplyException) e.getCause();
    }
    throw new AssertionError("accepted " + header + ": " + value);
  }

  @Test
  void aModelThatCannotLoadLeavesTheInstanceFailedWithTheReasonAndUnreachable() throws Exception {
    Path broken = cacheDir.resolve("broken-source.onnx");
    Files.writeString(broken, "not an onnx model");
    LocalInstances local = new LocalInstances();
    ModelInstance instance = instance(broken, 1, local);
    await(instance.start(new ModelCache(vertx, cacheDir), 1));
    assertEquals(InstanceState.FAILED, instance.state());
    assertEquals(InstanceState.FAILED, tableState(instance.id()));
    assertTrue(InstanceState.fromJson(instances.get(instance.id())).failureReason().contains("ONNX Runtime"),
        instances.get(instance.id()).encode());
    assertNull(local.find(Addresses.instance(instance.id())));
    await(instance.stop());
    assertNull(tableState(instance.id()));
  }
}
