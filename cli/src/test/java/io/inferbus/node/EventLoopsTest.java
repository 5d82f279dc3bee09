package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.testing.TestNode;
import io.vertx.core.internal.VertxInternal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node given one event loop ({@code --event-loops 1}) runs every role on it: gateway, control
 * plane, the instances' consumers, and still serves the example endpoint.
 */
class EventLoopsTest {
  @TempDir
  static Path dataDir;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withEventLoops(1));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void oneEventLoopServesEveryRole() throws Exception {
    int loops = 0;
    for (io.netty.util.concurrent.EventExecutor ignored : ((VertxInternal) node.node().vertx()).nettyEventLoopGroup()) {
      loops++;
    }
    assertEquals(1, loops, "event loops");
    String key = node.primaryKey("credit");
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json")));
    assertEquals(200, r.statusCode(), r.body());
  }
}
