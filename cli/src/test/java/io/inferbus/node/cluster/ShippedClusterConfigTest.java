package io.inferbus.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.inferbus.protocol.ClusterMaps;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cluster configs shipped with Inferbus (the default {@code cluster.xml} and the compose
 * example) parse, keep the safe defaults, and declare every cluster table Inferbus uses with a
 * backup, so that losing one member loses no table entry.
 */
class ShippedClusterConfigTest {
  private static List<String> inferbusTables() throws IllegalAccessException {
    List<String> names = new ArrayList<>();
    for (Field f : ClusterMaps.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class
          && ((String) f.get(null)).startsWith("inferbus.")) {
        names.add((String) f.get(null));
      }
    }
    return names;
  }

  @ParameterizedTest
  @ValueSource(strings = {"../cluster.xml", "../docs/cluster-compose.xml"})
  void declaresEveryTableWithABackupAndNoMulticast(String file) throws Exception {
    Config config;
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      config = new XmlConfigBuilder(in).build();
    }
    List<String> tables = inferbusTables();
    assertTrue(tables.size() >= 5, "ClusterMaps names the tables: " + tables);
    for (String table : tables) {
      assertTrue(config.getMapConfigs().containsKey(table), file + " declares " + table);
      assertEquals(1, config.getMapConfig(table).getBackupCount(), file + ": " + table + " keeps one backup");
    }
    assertFalse(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled(), file + ": no multicast");
    assertEquals("false", config.getProperty("hazelcast.phone.home.enabled"), file + ": no phone-home");
  }

  /**
   * The failure detector and the merge of a healed partition run within the bounds
   * docs/operations.md gives ("Partitions and failure detection"), which NetworkPartitionTest
   * measures: Hazelcast's defaults take a minute to drop a silent node and five to merge.
   */
  @ParameterizedTest
  @ValueSource(strings = {"../cluster.xml", "../docs/cluster-compose.xml"})
  void dropsASilentMemberIn15SecondsAndLooksForTheOtherPartEvery10(String file) throws Exception {
    Config config;
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      config = new XmlConfigBuilder(in).build();
    }
    assertEquals("1", config.getProperty("hazelcast.heartbeat.interval.seconds"), file);
    assertEquals("15", config.getProperty("hazelcast.max.no.heartbeat.seconds"), file);
    assertEquals("10", config.getProperty("hazelcast.merge.first.run.delay.seconds"), file);
    assertEquals("10", config.getProperty("hazelcast.merge.next.run.delay.seconds"), file);
  }

  @Test
  void theJarCarriesTheDefaultConfig() throws Exception {
    try (InputStream in = ShippedClusterConfigTest.class.getResourceAsStream("/cluster.xml")) {
      assertTrue(in != null, "cluster.xml on the class path");
      assertEquals(Files.readString(Path.of("../cluster.xml")), new String(in.readAllBytes(),
          java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
