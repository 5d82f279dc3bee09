package io.inferbus.faults;

import static io.inferbus.testing.Await.holds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.inferbus.node.cluster.JoinFile;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.RecordRejected;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.testing.Await;
import io.inferbus.testing.DeploymentNode;
import io.inferbus.testing.NodeProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bare Hazelcast member, started by the test with the cluster's name and address (what anyone who
 * reaches the cluster port and guesses or reads the name has), joins the cluster of a node (its own
 * process) and rewrites its tables: an endpoint entry with the attacker's key hash, an {@code
 * aml_token} endpoint's entry with the attacker's token key, an instance entry that would draw
 * scoring traffic, and a removal. None of it takes: the attacker's key and token are refused, no
 * request goes to the forged instance, and the control plane writes its own records back. Forgeries
 * tried: plain JSON, a signed record with its body swapped, a record signed by a CA of the attacker's
 * own, a removal.
 */
class RogueMemberTest {
  private static final Path EXAMPLE = Path.of("..", "examples", "credit-scoring");
  private static final Path LOGS = Path.of("target", "rogue-member");
  private static final Duration REPAIR_BOUND = Duration.ofSeconds(5);
  @TempDir
  static Path dir;
  static NodeProcess node;
  static HazelcastInstance rogue;
  /** Reads records as a member of the cluster does (it trusts the cluster's CA), to see the repairs. */
  static ClusterRecords checker;
  static byte[] sample;
  static String key;

  @BeforeAll
  static void start() throws Exception {
    String cluster = "inferbus-rogue-" + UUID.randomUUID().toString().substring(0, 8);
    Path data = dir.resolve("node");
    node = NodeProcess.node("control-plane,gateway,deployment", data, DeploymentNode.clusterConfig(cluster, "127.0.0.1"),
        LOGS, "node").awaitPortsFile(Duration.ofMinutes(2));
    node.registerExampleModel("1");
    node.manage("PUT", "/endpoints/risk", new JsonObject());
    node.manage("PUT", "/endpoints/risk/deployments/blue", new JsonObject().put("model", "credit:1"));
    Await.until("risk/blue Succeeded", Duration.ofSeconds(90), () -> holds(() ->
        "Succeeded".equals(node.manage("GET", "/endpoints/risk/deployments/blue", null)
            .getString("provisioning_state"))));
    node.manage("PATCH", "/endpoints/risk", new JsonObject().put("traffic", new JsonObject().put("blue", 100)));
    node.manage("PUT", "/endpoints/tokened", new JsonObject().put("auth_mode", "aml_token"));
    key = node.keys("risk").getString("primaryKey");
    sample = Files.readAllBytes(EXAMPLE.resolve("sample-request.json"));
    Await.until("the gateway routing to risk", Duration.ofSeconds(30), () -> holds(() -> score(key) == 200));

    // what an attacker on the network has: the cluster's name and a member's address
    JoinFile join = JoinFile.read(data.resolve(JoinFile.FILE_NAME));
    Config config = new Config().setClusterName(join.clusterName());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
    config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setMembers(join.members());
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    rogue = Hazelcast.newHazelcastInstance(config);
    assertEquals(2, rogue.getCluster().getMembers().size(), "the rogue member joined the cluster");
    checker = ClusterCa.loadOrCreate(data).records(rogue, "checker", Set.of("gateway"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (rogue != null) {
      rogue.shutdown();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aForgedKeyHashIsRefusedAndTheEndpointWrittenBack() throws Exception {
    IMap<String, String> endpoints = rogue.getMap(ClusterMaps.ENDPOINTS);
    String attackerKey = "attacker-key-" + UUID.randomUUID();
    JsonObject envelope = new JsonObject(endpoints.get("risk"));
    JsonObject forged = new JsonObject(envelope.getString("record"))
        .put("key_hashes", new JsonArray().add(Sha256.hex(attackerKey)));
    double rejectedBefore = rejected(ClusterMaps.ENDPOINTS);

    for (String forgery : new String[] {
        forged.encode(),
        envelope.copy().put("record", forged.encode()).encode(),
        ClusterCa.inMemory().records(rogue, "control-plane", Set.of("control-plane")).seal(ClusterMaps.ENDPOINTS,
            "risk", forged)}) {
      endpoints.set("risk", forgery);
      assertEquals(401, score(attackerKey), "the attacker's key was taken after writing " + forgery);
      assertEquals(200, score(key), "the endpoint's own key stopped working after " + forgery);
      awaitWrittenBack(endpoints, "risk");
    }
    Await.until("the forgeries counted", Duration.ofSeconds(10),
        () -> rejected(ClusterMaps.ENDPOINTS) >= rejectedBefore + 3);

    endpoints.delete("risk");
    awaitWrittenBack(endpoints, "risk");
    Await.until("scoring with the endpoint's key after its entry was removed and written back",
        Duration.ofSeconds(10), () -> holds(() -> score(key) == 200));
    assertEquals(401, score(attackerKey));
    assertTrue(node.metricQuietly("inferbus_cluster_records_repaired_total", "map=\"inferbus.endpoints\"") >= 4,
        "repairs counted");
  }

  @Test
  void aForgedTokenKeyIsRefused() throws Exception {
    IMap<String, String> endpoints = rogue.getMap(ClusterMaps.ENDPOINTS);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair attacker = generator.generateKeyPair();
    String token = es256Token(attacker, "rogue-kid", "tokened");
    JsonObject record = new JsonObject(new JsonObject(endpoints.get("tokened")).getString("record"));
    JsonObject forged = record.copy().put("token_keys", new JsonArray().add(jwk((ECPublicKey) attacker.getPublic(),
        "rogue-kid")));
    assertEquals(401, scoreWithToken("tokened", token), "the control: the attacker's token before the forgery");

    endpoints.set("tokened", forged.encode());
    assertEquals(401, scoreWithToken("tokened", token), "the attacker's token was taken");
    awaitWrittenBack(endpoints, "tokened");
    String issued = node.manage("POST", "/endpoints/tokened/token", null).getString("accessToken");
    assertTrue(scoreWithToken("tokened", issued) != 401, "a token the control plane issued is still taken");
  }

  @Test
  void noRequestGoesToAForgedInstanceAndTheControlPlaneRemovesIt() throws Exception {
    IMap<String, String> instances = rogue.getMap(ClusterMaps.INSTANCES);
    String realId = instances.keySet().stream().filter(id -> id.startsWith("risk.blue.")).findFirst().orElseThrow();
    InstanceState real = InstanceState.fromJson(new JsonObject(new JsonObject(instances.get(realId))
        .getString("record")));
    String forgedId = "risk.blue.forged";
    InstanceState forged = new InstanceState(forgedId, "risk", "blue", real.generation(), real.node(),
        "inferbus.instance.forged", InstanceState.READY, null, System.currentTimeMillis(), real.signature());
    double retriesBefore = node.metricQuietly("inferbus_gateway_retries_total", "endpoint=\"risk\"");
    double rejectedBefore = rejected(ClusterMaps.INSTANCES);

    instances.set(forgedId, forged.toJson().encode());
    Await.until("the forged instance refused", Duration.ofSeconds(10),
        () -> rejected(ClusterMaps.INSTANCES) > rejectedBefore);
    for (int i = 0; i < 40; i++) {
      assertEquals(200, score(key), "request " + i);
    }
    Await.until("the control plane removing the forged instance", REPAIR_BOUND, () -> !instances.containsKey(forgedId));
    assertEquals(retriesBefore, node.metricQuietly("inferbus_gateway_retries_total", "endpoint=\"risk\""),
        "a request was sent to the forged instance (and retried elsewhere)");
    assertFalse(node.manage("GET", "/endpoints/risk/deployments/blue", null).getJsonArray("instances").stream()
        .map(JsonObject.class::cast).anyMatch(i -> forgedId.equals(i.getString("id"))), "the API lists the forgery");
  }

  /** Waits until the entry holds a record the cluster's CA vouches for, signed by the control plane. */
  private static void awaitWrittenBack(IMap<String, String> map, String key) {
    Await.until(map.getName() + " " + key + " written back", REPAIR_BOUND, () -> {
      String stored = map.get(key);
      if (stored == null) {
        return false;
      }
      try {
        return checker.open(map.getName(), key, stored).signer().controlPlane();
      } catch (RecordRejected e) {
        return false;
      }
    });
  }

  private static double rejected(String map) {
    return node.metricQuietly("inferbus_cluster_records_rejected_total", "map=\"" + map + "\"");
  }

  private static int score(String endpointKey) throws Exception {
    return node.https().send("POST", node.scoring() + "/endpoints/risk/score", endpointKey, "application/json", sample)
        .statusCode();
  }

  private static int scoreWithToken(String endpoint, String token) throws Exception {
    return node.https().send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", token, "application/json",
        sample).statusCode();
  }

  /** An {@code aml_token} as the control plane would issue it, signed with the attacker's key. */
  private static String es256Token(KeyPair keys, String kid, String endpoint) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    long now = System.currentTimeMillis() / 1000;
    String header = b64.encodeToString(new JsonObject().put("alg", "ES256").put("typ", "JWT").put("kid", kid)
        .encode().getBytes(StandardCharsets.UTF_8));
    String claims = b64.encodeToString(new JsonObject().put("iss", "inferbus").put("aud", endpoint)
        .put("token_use", "score").put("iat", now).put("exp", now + 3600).encode().getBytes(StandardCharsets.UTF_8));
    Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
    signature.initSign(keys.getPrivate());
    signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header + "." + claims + "." + b64.encodeToString(signature.sign());
  }

  private static JsonObject jwk(ECPublicKey key, String kid) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return new JsonObject().put("kty", "EC").put("crv", "P-256").put("kid", kid).put("alg", "ES256").put("use", "sig")
        .put("x", b64.encodeToString(coordinate(key.getW().getAffineX())))
        .put("y", b64.encodeToString(coordinate(key.getW().getAffineY())));
  }

  private static byte[] coordinate(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(bytes.length, 32);
    System.arraycopy(bytes, bytes.length - n, out, 32 - n, n);
    return out;
  }
}
