package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node keeps client.json's admin token across restarts only while it is valid: after the admin
 * token was rotated through the API (which leaves the node's client.json alone), the next start
 * writes a new admin token there instead of keeping the revoked one. Bad input tried: the revoked
 * token, before and after the restart.
 */
class RevokedAdminTokenRestartTest {
  @TempDir
  Path dataDir;

  @Test
  void aRevokedAdminTokenInClientJsonIsReplacedAtTheNextStart() throws Exception {
    String revoked;
    try (TestNode first = TestNode.start(dataDir)) {
      revoked = first.adminToken();
      HttpResponse<String> rotated = first.https.json("POST", first.control() + "/tokens/admin/rotate", revoked,
          new JsonObject());
      assertEquals(200, rotated.statusCode(), rotated.body());
      assertEquals(revoked, first.adminToken(), "the API leaves the node's client.json as it is");
      assertEquals(401, first.https.get(first.control() + "/endpoints", revoked).statusCode());
    }

    try (TestNode second = TestNode.start(dataDir)) {
      String written = second.adminToken();
      assertNotEquals(revoked, written, "a revoked token is not kept");
      assertEquals(200, second.https.get(second.control() + "/tokens", written).statusCode());
      HttpResponse<String> refused = second.https.get(second.control() + "/endpoints", revoked);
      assertEquals(401, refused.statusCode(), refused.body());
    }
  }
}
