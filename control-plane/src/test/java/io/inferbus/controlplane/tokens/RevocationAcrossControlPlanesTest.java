package io.inferbus.controlplane.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.Await;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.inferbus.protocol.ClusterMaps;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token revoked on one control plane is refused by every control plane of the cluster within a
 * second: two in-process control planes, each with its own data directory (its own store) and a copy
 * of the cluster's signing key, on two Hazelcast members of one cluster. The second learns of the
 * revocation only through the cluster. And revocations outlive a restart of the whole cluster: they
 * are loaded from the store. Bad inputs tried: the revoked token on the other control plane, and
 * after its entry was removed from the cluster map behind the control planes' back.
 */
class RevocationAcrossControlPlanesTest {
  @TempDir
  static Path dirA;
  @TempDir
  static Path dirB;
  static HazelcastInstance memberA;
  static HazelcastInstance memberB;
  static TestControlPlane a;
  static TestControlPlane b;

  @BeforeAll
  static void start() throws Exception {
    memberA = TestCluster.firstMember();
    memberB = TestCluster.memberJoining(memberA);
    a = TestControlPlane.start(dirA, memberA);
    copySecrets(dirA, dirB); // one cluster, one signing key
    b = TestControlPlane.start(dirB, memberB);
    assertEquals(2, memberA.getCluster().getMembers().size());
  }

  @AfterAll
  static void stop() throws Exception {
    b.close();
    a.close();
    memberB.shutdown();
    memberA.shutdown();
  }

  @Test
  void aTokenRevokedOnOneControlPlaneIsRefusedOnTheOtherWithinASecond() throws Exception {
    String admin = a.token(OperatorRole.ADMIN);
    String token = a.call("POST", "/tokens", admin, new JsonObject().put("name", "ci").put("role", "operator"))
        .json().getString("token");
    assertEquals(200, b.call("GET", "/endpoints", token, null).status(), "the other control plane takes it");

    assertEquals(200, a.call("DELETE", "/tokens/ci", admin, null).status());
    Await.until("the other control plane to refuse the revoked token", Duration.ofSeconds(1),
        () -> status(b, token) == 401);
    Answer refused = b.call("GET", "/endpoints", token, null);
    assertEquals("the token is not valid: token 'ci' was revoked", refused.error().getString("message"));
    assertEquals(401, a.call("GET", "/endpoints", token, null).status());

    // someone with access to Hazelcast removes the revocation: both still refuse the token, and
    // the control planes write it back for whoever joins later
    memberB.getMap(ClusterMaps.REVOKED_TOKENS).clear();
    assertEquals(401, b.call("GET", "/endpoints", token, null).status());
    assertEquals(401, a.call("GET", "/endpoints", token, null).status());
    Await.until("the revocation written back into the cluster map", Duration.ofSeconds(5),
        () -> TestCluster.records(memberA).map(ClusterMaps.REVOKED_TOKENS).entries().values().stream()
            .anyMatch(json -> "ci".equals(json.getString("name"))));
  }

  @Test
  void revocationsOutliveARestartOfTheWholeCluster(@TempDir Path dataDir) throws Exception {
    HazelcastInstance first = TestCluster.member();
    String revoked;
    String kept;
    try (TestControlPlane cp = TestControlPlane.start(dataDir, first)) {
      String admin = cp.token(OperatorRole.ADMIN);
      revoked = cp.call("POST", "/tokens", admin, new JsonObject().put("name", "gone").put("role", "reader"))
          .json().getString("token");
      kept = cp.call("POST", "/tokens", admin, new JsonObject().put("name", "kept").put("role", "reader"))
          .json().getString("token");
      assertEquals(200, cp.call("DELETE", "/tokens/gone", admin, null).status());
    } finally {
      first.shutdown();
    }
    // a new cluster: its revoked-token map starts empty
    HazelcastInstance second = TestCluster.member();
    try (TestControlPlane cp = TestControlPlane.start(dataDir, second)) {
      Answer refused = cp.call("GET", "/endpoints", revoked, null);
      assertEquals(401, refused.status(), refused.text());
      assertEquals("the token is not valid: token 'gone' was revoked", refused.error().getString("message"));
      assertEquals(200, cp.call("GET", "/endpoints", kept, null).status());
      // published again for the other control planes that join this cluster
      assertTrue(TestCluster.records(second).map(ClusterMaps.REVOKED_TOKENS).entries().values().stream()
          .anyMatch(json -> "gone".equals(json.getString("name"))));
    } finally {
      second.shutdown();
    }
  }

  private static int status(TestControlPlane cp, String token) {
    try {
      return cp.call("GET", "/endpoints", token, null).status();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void copySecrets(Path from, Path to) throws Exception {
    Path target = Files.createDirectories(to.resolve("secrets"));
    try (Stream<Path> files = Files.list(from.resolve("secrets"))) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()));
      }
    }
  }
}
