package io.inferbus.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The members a founding node remembers are added to the members its configuration names, for a
 * TCP/IP join only; the file is owner-only and read back as written.
 */
class KnownMembersTest {
  @TempDir
  Path dataDir;

  @Test
  void aNodeWithoutTheFileKnowsNoMembers() throws IOException {
    assertEquals(List.of(), KnownMembers.read(dataDir).addresses());
  }

  @Test
  void theAddressesWrittenAreReadBackFromAnOwnerOnlyFile() throws IOException {
    new KnownMembers(List.of("10.0.0.12:5701", "10.0.0.13:5701")).write(dataDir);
    assertEquals(List.of("10.0.0.12:5701", "10.0.0.13:5701"), KnownMembers.read(dataDir).addresses());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        KnownMembers.file(dataDir))));
  }

  @Test
  void aDamagedFileIsAnErrorNamingIt() throws IOException {
    Files.createDirectories(KnownMembers.file(dataDir).getParent());
    Files.writeString(KnownMembers.file(dataDir), "{\"members\": [");
    IOException e = assertThrows(IOException.class, () -> KnownMembers.read(dataDir));
    assertTrue(e.getMessage().contains(KnownMembers.file(dataDir).toString()), e.getMessage());
  }

  @Test
  void knownMembersJoinTheConfiguredOnes() throws IOException {
    Config config = ClusterSetup.load(null, false, dataDir);
    ClusterSetup.addKnownMembers(config, new KnownMembers(List.of("127.0.0.1:5901", "127.0.0.1")));
    assertEquals(List.of("127.0.0.1", "127.0.0.1:5901"),
        config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
  }

  @Test
  void aConfigurationThatDoesNotJoinByTcpIpIsLeftAlone() throws IOException {
    Config config = ClusterSetup.load(null, false, dataDir);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(true);
    ClusterSetup.addKnownMembers(config, new KnownMembers(List.of("127.0.0.1:5901")));
    assertEquals(List.of("127.0.0.1"), config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers());
  }
}
