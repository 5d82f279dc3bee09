package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's body limit is the node's setting ({@code --max-body-mib}): here 1 MiB. A body just
 * over it is a 413 naming the limit; one under it is read (and refused as a bad tensor, a 400), and
 * the node serves after both.
 */
class BodyLimitTest {
  private static final long LIMIT = 1024 * 1024;
  @TempDir
  static Path dataDir;
  static TestNode node;
  static String key;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(dataDir, config -> config.withMaxBodyBytes(LIMIT));
    key = node.primaryKey("credit");
    node.awaitReady("credit", key);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
  }

  private static HttpResponse<String> score(int bytes) throws Exception {
    return node.https.send("POST", node.scoring() + "/endpoints/credit/score", key, "application/json",
        new byte[bytes]);
  }

  @Test
  void theConfiguredLimitDecidesWhatIsTooLarge() throws Exception {
    HttpResponse<String> over = score((int) LIMIT + 1);
    assertEquals(413, over.statusCode(), over.body());
    assertTrue(new JsonObject(over.body()).getJsonObject("error").getString("message").contains(Long.toString(LIMIT)),
        over.body());
    HttpResponse<String> under = score((int) LIMIT - 1);
    assertEquals(400, under.statusCode(), "read, then refused as not JSON: " + under.body());
  }
}
