package io.inferbus.controlplane.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.Await;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.state.NodeState;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code GET /endpoints/{e}/traffic-log} as an operator calls it: a real control plane asks the
 * gateways in the cluster's node table over the event bus. Consumers on
 * {@link Addresses#trafficLog} answering the contract stand in for the gateways.
 */
class TrafficLogTest {
  private static final String EAST = "gw-east";
  private static final String WEST = "gw-west";
  private static final String DEPLOYMENT_NODE = "dep-only";

  @TempDir
  static Path dataDir;
  static HazelcastInstance hazelcast;
  static TestControlPlane cp;
  static StandInGateway east;
  static StandInGateway west;
  static StandInGateway deploymentNode;
  static String reader;

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    cp = TestControlPlane.start(dataDir, hazelcast);
    reader = cp.token(OperatorRole.READER);
    east = new StandInGateway(EAST);
    west = new StandInGateway(WEST);
    deploymentNode = new StandInGateway(DEPLOYMENT_NODE);
    join(EAST, NodeState.ROLE_GATEWAY);
    join(WEST, NodeState.ROLE_GATEWAY, NodeState.ROLE_CONTROL_PLANE);
    join(DEPLOYMENT_NODE, NodeState.ROLE_DEPLOYMENT);
    assertEquals(201, cp.call("PUT", "/endpoints/credit", cp.token(OperatorRole.ADMIN), new JsonObject()).status());
    assertEquals(201, cp.call("PUT", "/endpoints/loans", cp.token(OperatorRole.ADMIN), new JsonObject()).status());
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
    hazelcast.shutdown();
  }

  @BeforeEach
  void lines() {
    // times as gateways write them; 05:00:01Z is how Instant prints an instant with no milliseconds
    east.lines.clear();
    east.lines.addAll(List.of(
        line("credit", "r1", "2026-12-06T05:00:00.100Z", 200),
        line("loans", "other-endpoint", "2026-12-06T05:00:00.150Z", 200),
        line("credit", "r3", "2026-12-06T05:00:00.300Z", 503),
        line("credit", "r5", "2026-12-06T05:00:01Z", 200)));
    west.lines.clear();
    west.lines.addAll(List.of(
        line("credit", "r2", "2026-12-06T05:00:00.200Z", 429),
        line("credit", "r4", "2026-12-06T05:00:00.900Z", 200),
        line("credit", "r6", "2026-12-06T05:00:01.500Z", 504)));
    east.asked.clear();
    west.asked.clear();
    deploymentNode.asked.clear();
  }

  @Test
  void everyGatewaysLinesMergedByTimeNewestLast() throws Exception {
    JsonObject answer = trafficLog("credit", "");
    assertEquals(List.of("r1", "r2", "r3", "r4", "r5", "r6"), requestIds(answer));
    assertEquals(List.of(EAST, WEST, EAST, WEST, EAST, WEST), field(answer, "node"));
    assertEquals(new JsonArray(), answer.getJsonArray("unreachable_nodes"));
    assertEquals(503, answer.getJsonArray("value").getJsonObject(2).getInteger("status"));
  }

  @Test
  void linesKeepsTheNewestAndEachGatewayIsAskedForThatMany() throws Exception {
    assertEquals(List.of("r5", "r6"), requestIds(trafficLog("credit", "?lines=2")));
    assertEquals(new JsonObject().put("endpoint", "credit").put("lines", 2), east.asked.get(0));
    assertEquals(new JsonObject().put("endpoint", "credit").put("lines", 2), west.asked.get(0));
  }

  @Test
  void withoutLinesEachGatewayIsAskedForOneHundred() throws Exception {
    trafficLog("loans", "");
    assertEquals(List.of(new JsonObject().put("endpoint", "loans").put("lines", 100)), east.asked);
  }

  @Test
  void filtersGoToTheGateways() throws Exception {
    JsonObject answer = trafficLog("credit", "?request_id=r3&status=5XX&since=2026-12-06T05:00:00Z&lines=10");
    assertEquals(List.of("r3"), requestIds(answer));
    JsonObject asked = new JsonObject().put("endpoint", "credit").put("lines", 10).put("request_id", "r3")
        .put("since_ms", Instant.parse("2026-12-06T05:00:00Z").toEpochMilli()).put("status", "5xx");
    assertEquals(List.of(asked), east.asked);
    assertEquals(List.of(asked), west.asked);
  }

  @Test
  void sinceAsADurationCountsBackFromNow() throws Exception {
    long before = Instant.now().minus(Duration.ofDays(30)).toEpochMilli();
    trafficLog("credit", "?since=30d");
    long after = Instant.now().minus(Duration.ofDays(30)).toEpochMilli();
    long since = east.asked.get(0).getLong("since_ms");
    assertTrue(since >= before && since <= after, since + " not within [" + before + ", " + after + "]");
  }

  @Test
  void nodesWithoutTheGatewayRoleAreNotAsked() throws Exception {
    trafficLog("credit", "");
    assertEquals(List.of(), deploymentNode.asked);
  }

  @Test
  void aGatewayThatDoesNotAnswerIsNamedAndTheOthersLinesStillCome() throws Exception {
    // gw-silent takes the question and never answers; gw-gone has left the event bus
    MessageConsumer<JsonObject> silent = cp.vertx.eventBus().consumer(Addresses.trafficLog("gw-silent"), m -> { });
    TestControlPlane.await(silent.completion());
    join("gw-silent", NodeState.ROLE_GATEWAY);
    join("gw-gone", NodeState.ROLE_GATEWAY);
    try {
      JsonObject answer = trafficLog("credit", "?lines=3");
      assertEquals(List.of("r4", "r5", "r6"), requestIds(answer));
      assertEquals(new JsonArray().add("gw-gone").add("gw-silent"), answer.getJsonArray("unreachable_nodes"));
    } finally {
      leave("gw-silent");
      leave("gw-gone");
      TestControlPlane.await(silent.unregister());
    }
  }

  @Test
  void unknownEndpointIsNotFound() throws Exception {
    Answer answer = cp.call("GET", "/endpoints/nope/traffic-log", reader, null);
    assertEquals(404, answer.status(), answer.text());
    assertEquals("NotFound", answer.error().getString("code"));
    assertEquals("no endpoint named 'nope'", answer.error().getString("message"));
  }

  /**
   * Bad parameters: lines 0, above 10000 and not a number; since neither an instant nor a duration
   * (a word, an unknown unit, a negative duration); status outside 100-599 or a class other than
   * 1xx-5xx; a request id with a space, a slash, or over 128 characters. Each is a 400 whose target
   * is the parameter and whose message names it, and no gateway is asked.
   */
  @ParameterizedTest
  @CsvSource({
      "lines=0, lines", "lines=10001, lines", "lines=ten, lines",
      "since=yesterday, since", "since=30x, since", "since=-5m, since",
      "status=9xx, status", "status=600, status", "status=20, status",
      "request_id=a%20b, request_id", "request_id=a%2Fb, request_id"})
  void badParameterIsRefusedNamingIt(String query, String parameter) throws Exception {
    Answer answer = cp.call("GET", "/endpoints/credit/traffic-log?" + query, reader, null);
    assertEquals(400, answer.status(), answer.text());
    assertEquals("BadRequest", answer.error().getString("code"));
    assertEquals(parameter, answer.error().getString("target"));
    assertTrue(answer.error().getString("message").startsWith(parameter + " must be"), answer.text());
    assertEquals(List.of(), east.asked);
  }

  @Test
  void requestIdOver128CharactersIsRefused() throws Exception {
    Answer answer = cp.call("GET", "/endpoints/credit/traffic-log?request_id=" + "a".repeat(129), reader, null);
    assertEquals(400, answer.status(), answer.text());
    assertEquals("request_id", answer.error().getString("target"));
    assertEquals(200, cp.call("GET", "/endpoints/credit/traffic-log?request_id=" + "a".repeat(128), reader, null)
        .status());
  }

  // ------------------------------------------------------------------ helpers

  private static JsonObject trafficLog(String endpoint, String query) throws Exception {
    Answer answer = cp.call("GET", "/endpoints/" + endpoint + "/traffic-log" + query, reader, null);
    assertEquals(200, answer.status(), answer.text());
    return answer.json();
  }

  private static List<String> requestIds(JsonObject answer) {
    return field(answer, "request_id");
  }

  private static List<String> field(JsonObject answer, String name) {
    List<String> values = new ArrayList<>();
    answer.getJsonArray("value").forEach(l -> values.add(((JsonObject) l).getString(name)));
    return values;
  }

  private static JsonObject line(String endpoint, String requestId, String time, int status) {
    return new JsonObject().put("time", time).put("request_id", requestId).put("trace_id", "0".repeat(32))
        .put("endpoint", endpoint).put("deployment", "blue").put("kind", "live").put("status", status)
        .put("error_code", status == 200 ? null : "ServiceUnavailable").put("duration_ms", 3).put("model_ms", 1)
        .put("bytes_in", 120).put("bytes_out", 40).put("auth_mode", "key").put("caller", "key:primary");
  }

  /** A node introduces itself in the cluster's node table, as every node does on joining. */
  private static void join(String node, String... roles) throws Exception {
    String member = hazelcast.getCluster().getLocalMember().getUuid().toString();
    TestCluster.records(hazelcast).map(ClusterMaps.NODES).set(node,
        new NodeState(node, node, member, "127.0.0.1:5701", List.of(roles), 2, System.currentTimeMillis()).toJson());
    Await.until("the control plane lists node " + node, Duration.ofSeconds(10), () -> nodes().contains(node));
  }

  private static void leave(String node) {
    hazelcast.getMap(ClusterMaps.NODES).delete(node);
    Await.until("the control plane no longer lists node " + node, Duration.ofSeconds(10),
        () -> !nodes().contains(node));
  }

  private static List<String> nodes() {
    try {
      List<String> ids = new ArrayList<>();
      cp.call("GET", "/nodes", reader, null).json().getJsonArray("value")
          .forEach(n -> ids.add(((JsonObject) n).getString("node_id")));
      return ids;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A gateway's traffic log service as the contract describes it: the endpoint's last {@code lines}
   * lines that match request_id, since_ms and status, oldest first. Records what it was asked.
   */
  static final class StandInGateway {
    final List<JsonObject> lines = new CopyOnWriteArrayList<>();
    final List<JsonObject> asked = new CopyOnWriteArrayList<>();

    StandInGateway(String node) throws Exception {
      MessageConsumer<JsonObject> consumer = cp.vertx.eventBus().consumer(Addresses.trafficLog(node), m -> {
        JsonObject q = m.body();
        asked.add(q);
        List<JsonObject> matching = lines.stream().filter(l -> matches(l, q)).toList();
        JsonArray last = new JsonArray();
        matching.subList(Math.max(0, matching.size() - q.getInteger("lines")), matching.size()).forEach(last::add);
        m.reply(new JsonObject().put("node", node).put("lines", last));
      });
      TestControlPlane.await(consumer.completion());
    }

    private static boolean matches(JsonObject line, JsonObject q) {
      String status = q.getString("status");
      String code = String.valueOf(line.getInteger("status"));
      return line.getString("endpoint").equals(q.getString("endpoint"))
          && (!q.containsKey("request_id") || q.getString("request_id").equals(line.getString("request_id")))
          && (!q.containsKey("since_ms") || Instant.parse(line.getString("time")).toEpochMilli() >= q.getLong("since_ms"))
          && (status == null || (status.endsWith("xx") ? code.charAt(0) == status.charAt(0) : code.equals(status)));
    }
  }
}
