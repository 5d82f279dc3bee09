package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --request-logging off}: no traffic log file and no access lines, while the deployment logs
 * keep the instances' lifecycle lines and the metrics keep counting; the traffic-log route names the
 * gateway that keeps none rather than answering as if nobody had called.
 */
class RequestLoggingOffTest {
  @TempDir
  static Path dataDir;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withRequestLogging(false));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  @Test
  void nothingPerRequestIsWrittenAndTheRestStays() throws Exception {
    String key = node.primaryKey("credit");
    node.awaitReady("credit", key);
    byte[] sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
          "application/json", sample, "x-request-id", "quiet-" + i);
      assertEquals(200, r.statusCode(), r.body());
    }
    HttpResponse<String> logs = node.https.get(node.control() + "/endpoints/credit/deployments/blue/logs?lines=1000",
        node.adminToken());
    List<String> messages = new JsonObject(logs.body()).getJsonArray("value").stream()
        .map(l -> ((JsonObject) l).getString("message")).toList();
    assertTrue(messages.stream().anyMatch(m -> m.contains(" ready on ")), "lifecycle lines stay: " + messages);
    assertFalse(messages.stream().anyMatch(m -> m.startsWith("request ")), "no access lines: " + messages);
    assertFalse(Files.exists(dataDir.resolve("logs").resolve("traffic.log")), "no traffic log file");
    assertEquals(3, node.metric("inferbus_gateway_requests_total", "endpoint=\"credit\"", "code=\"200\""));
    JsonObject trafficLog = new JsonObject(node.https.get(node.control() + "/endpoints/credit/traffic-log",
        node.adminToken()).body());
    assertEquals(0, trafficLog.getJsonArray("value").size(), trafficLog.encode());
    assertEquals(List.of(node.node().nodeId()), trafficLog.getJsonArray("logging_off_nodes").getList(),
        "the answer says why it is empty");
  }
}
