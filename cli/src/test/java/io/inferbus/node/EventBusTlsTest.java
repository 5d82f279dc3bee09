package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import io.inferbus.node.cluster.ClusterSetup;
import io.inferbus.node.cluster.JoinFile;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The event bus between nodes runs over TLS with mutual authentication by the cluster CA. A process
 * that knows the cluster's name and a member's address (all Hazelcast asks for) joins the Hazelcast
 * cluster as a clustered Vert.x, but without the join file's credential: it cannot get a scoring
 * request to an instance (its connection to the node's event bus is refused before a byte moves),
 * and it receives none of the scoring payloads a gateway sends to an address it registered itself
 * on, while the node's own instance goes on answering.
 */
class EventBusTlsTest extends EmbeddedNodeTest {
  static Vertx rogue;
  static String instanceAddress;
  static byte[] sample;

  @BeforeAll
  static void joinWithoutACredential() throws Exception {
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    JoinFile join = JoinFile.read(dataDir.resolve(JoinFile.FILE_NAME));
    Config hazelcast = ClusterSetup.applyJoin(ClusterSetup.load(null, false, dataDir.resolve("rogue")), join);
    rogue = Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)
            .setClusterPublicHost("127.0.0.1")))
        .withClusterManager(new HazelcastClusterManager(hazelcast))
        .buildClustered().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    JsonObject blue = new JsonObject(node.https.get(node.control() + "/endpoints/credit/deployments/blue",
        node.adminToken()).body());
    instanceAddress = Addresses.instance(blue.getJsonArray("instances").getJsonObject(0).getString("id"));
  }

  @AfterAll
  static void leave() throws Exception {
    if (rogue != null) {
      rogue.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void aMemberWithoutTheCredentialCannotSendToAnInstance() throws Exception {
    double before = node.metric("inferbus_instance_requests_total", "endpoint=\"credit\"", "deployment=\"blue\"");
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(5000)
        .addHeader(ScoringHeaders.PROTOCOL, ScoringProtocol.AZURE_ML.wireName())
        .addHeader(ScoringHeaders.TIMEOUT_MS, "5000").addHeader(ScoringHeaders.REQUEST_ID, "rogue-1");
    Throwable refused = rogue.eventBus().<Buffer>request(instanceAddress, Buffer.buffer(sample), options)
        .toCompletionStage().toCompletableFuture().handle((ok, failure) -> failure).get(30, TimeUnit.SECONDS);
    assertTrue(refused != null, "the rogue's request was answered");
    assertEquals(before, node.metric("inferbus_instance_requests_total", "endpoint=\"credit\"", "deployment=\"blue\""),
        "the instance never saw it");
  }

  @Test
  void aMemberWithoutTheCredentialReceivesNoScoringPayload() throws Exception {
    AtomicInteger stolen = new AtomicInteger();
    var consumer = rogue.eventBus().<Buffer>consumer(instanceAddress, m -> {
      stolen.incrementAndGet();
      m.reply(Buffer.buffer("{\"label\": [9]}"));
    });
    consumer.completion().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    try {
      stealFrom(stolen);
    } finally {
      consumer.unregister().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static void stealFrom(AtomicInteger stolen) throws Exception {
    String key = node.primaryKey("credit");
    // the cluster's subscription table now lists two registrations of the address: the node's and the rogue's
    Await.until("the rogue's registration in the cluster", Duration.ofSeconds(10), () -> TestNode
        .memberOf(node.node().nodeId()).getMultiMap("__vertx.subs").valueCount(instanceAddress) >= 2);
    int ok = 0;
    // the gateway's sends alternate between the two; those to the rogue fail their handshake (and the
    // caller gets an error: a rogue member costs availability, never a payload)
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
          "application/json", sample);
      if (r.statusCode() == 200) {
        ok++;
        assertTrue(!r.body().contains("[9]"), "an answer from the rogue reached a caller: " + r.body());
      }
    }
    assertEquals(0, stolen.get(), "scoring payloads the rogue received");
    assertTrue(ok > 0, "the node's own instance still answers");
  }
}
