package io.inferbus.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.node.Role;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.cluster.ClusterTrust;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The founding node's credentials are issued once and kept, so its later starts need only the CA's
 * certificate: the CA's key may be encrypted or moved off the node. Bad inputs tried: an encrypted
 * key without its passphrase, a wrong passphrase, the key of another CA, roles that grew while the
 * key is away.
 */
class FounderCredentialsTest {
  static final Set<Role> CONTROL_PLANE = Set.of(Role.CONTROL_PLANE, Role.GATEWAY);

  @Test
  void laterStartsNeedNoCaKey(@TempDir Path data) throws Exception {
    FounderCredentials first = FounderCredentials.loadOrIssue(data, CONTROL_PLANE, null);
    writeJoinFile(data, first);
    Path key = data.resolve(ClusterCa.DIR).resolve(ClusterCa.CA_KEY);
    Path away = data.resolve("ca-key-elsewhere.pem");
    Files.move(key, away);

    FounderCredentials again = FounderCredentials.loadOrIssue(data, CONTROL_PLANE, null);
    assertEquals(first, again, "the same credentials, without the CA's key");
    assertEquals(Set.of("control-plane", "gateway"), ClusterTrust.of(again.caPem()).signerOf(again.own()).roles());
    assertEquals(JoinFile.DEFAULT_ROLES, ClusterTrust.of(again.caPem()).signerOf(again.join()).roles());

    IOException grew = assertThrows(IOException.class, () -> FounderCredentials.loadOrIssue(data,
        Set.of(Role.CONTROL_PLANE, Role.GATEWAY, Role.DEPLOYMENT), null));
    assertTrue(grew.getMessage().contains("needs the cluster CA's key") && grew.getMessage().contains(
        "[control-plane, deployment, gateway]"), grew.getMessage());
    Files.move(away, key);
    FounderCredentials grown = FounderCredentials.loadOrIssue(data,
        Set.of(Role.CONTROL_PLANE, Role.GATEWAY, Role.DEPLOYMENT), null);
    assertNotEquals(first.own(), grown.own());
    assertEquals(first.join(), grown.join(), "join.json's credential stays");
  }

  @Test
  void aCaKeyCreatedWithAPassphraseIsEncrypted(@TempDir Path data) throws Exception {
    char[] passphrase = "correct horse battery staple".toCharArray();
    FounderCredentials founder = FounderCredentials.loadOrIssue(data, CONTROL_PLANE, passphrase);
    Path key = data.resolve(ClusterCa.DIR).resolve(ClusterCa.CA_KEY);
    assertTrue(Files.readString(key).contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"), Files.readString(key));
    assertTrue(ClusterCa.encrypted(key));

    IOException none = assertThrows(IOException.class, () -> ClusterCa.load(founder.caPem(), key, null));
    assertTrue(none.getMessage().contains("is encrypted: give its passphrase in INFERBUS_CA_PASSPHRASE"),
        none.getMessage());
    IOException wrong = assertThrows(IOException.class,
        () -> ClusterCa.load(founder.caPem(), key, "wrong".toCharArray()));
    assertTrue(wrong.getMessage().contains("wrong passphrase?"), wrong.getMessage());

    ClusterCa ca = ClusterCa.load(founder.caPem(), key, passphrase);
    ClusterCa.NodeCredential worker = ca.issue("worker-1", List.of(), JoinFile.DEFAULT_ROLES);
    assertEquals("worker-1", ClusterTrust.of(founder.caPem()).signerOf(worker).name());

    Path foreignKey = data.resolve("foreign-key.pem");
    ClusterCa.loadOrCreate(data.resolve("other"));
    Files.copy(data.resolve("other").resolve(ClusterCa.DIR).resolve(ClusterCa.CA_KEY), foreignKey);
    IOException foreign = assertThrows(IOException.class, () -> ClusterCa.load(founder.caPem(), foreignKey, null));
    assertTrue(foreign.getMessage().contains("is not the key of this cluster's CA certificate"), foreign.getMessage());
  }

  private static void writeJoinFile(Path data, FounderCredentials founder) throws IOException {
    new JoinFile("inferbus-test", List.of("127.0.0.1:5701"), founder.caPem(), founder.join())
        .write(data.resolve(JoinFile.FILE_NAME));
  }
}
