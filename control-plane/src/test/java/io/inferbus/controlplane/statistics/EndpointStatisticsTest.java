package io.inferbus.controlplane.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.core.HazelcastInstance;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.testing.TestCluster;
import io.inferbus.controlplane.testing.TestControlPlane;
import io.inferbus.controlplane.testing.TestControlPlane.Answer;
import io.inferbus.protocol.state.NodeState;
import io.inferbus.protocol.stats.TrafficKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /endpoints/{e}/metrics} and {@code GET /metrics/endpoints} as the console calls them: a
 * real control plane over HTTPS asks the gateways in the cluster's node table over the event bus and
 * merges their answers. Two stand-in gateways answer the statistics contract from answers they
 * "served" at known times; others answer late, never, or garbage.
 *
 * <p>Bad inputs tried: minutes 0, 61, -1, 1.5, a word and empty on both routes, an unknown endpoint,
 * no token.
 */
class EndpointStatisticsTest {
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
  /** When the stand-ins served their answers; the control plane's clock is the same. */
  static long now;
  /** The latencies of credit/blue's live answers, every gateway's. */
  static final List<Double> blueLatencies = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    hazelcast = TestCluster.member();
    cp = TestControlPlane.start(dataDir, hazelcast);
    reader = cp.token(OperatorRole.READER);
    String admin = cp.token(OperatorRole.ADMIN);
    assertEquals(201, cp.registerModel("credit-model", "1", TestControlPlane.EXAMPLE_MODEL).status());
    for (String endpoint : List.of("credit", "loans")) {
      assertEquals(201, cp.call("PUT", "/endpoints/" + endpoint, admin, new JsonObject()).status());
    }
    for (String d : List.of("credit/blue", "credit/green", "loans/blue")) {
      Answer a = cp.call("PUT", "/endpoints/" + d.replace("/", "/deployments/"), admin,
          new JsonObject().put("model", "credit-model:1"));
      assertEquals(201, a.status(), a.text());
    }

    now = System.currentTimeMillis();
    east = new StandInGateway(cp.vertx, EAST);
    west = new StandInGateway(cp.vertx, WEST);
    deploymentNode = new StandInGateway(cp.vertx, DEPLOYMENT_NODE);
    long halfAMinuteAgo = now - 30_000;
    long threeMinutesAgo = now - 180_000;
    for (int i = 1; i <= 50; i++) {
      east.serve(halfAMinuteAgo, "credit", "blue", TrafficKind.LIVE, 200, i, 1);
      west.serve(threeMinutesAgo, "credit", "blue", TrafficKind.LIVE, 200, 50 + i, 1);
      blueLatencies.add((double) i);
      blueLatencies.add(50.0 + i);
    }
    east.serve(halfAMinuteAgo, "credit", "blue", TrafficKind.LIVE, 500, 200, 1)
        .serve(halfAMinuteAgo, "credit", "blue", TrafficKind.LIVE, 429, 0.4, 2)
        .serve(halfAMinuteAgo, "credit", "blue", TrafficKind.LIVE, 404, 2, 1);
    west.serve(threeMinutesAgo, "credit", "blue", TrafficKind.LIVE, 503, 3000, 1);
    blueLatencies.addAll(List.of(200.0, 0.4, 0.4, 2.0, 3000.0));
    // green answers only mirrored copies; a deleted deployment's answers count in the endpoint's total
    east.serve(halfAMinuteAgo, "credit", "green", TrafficKind.MIRRORED, 200, 9, 5);
    west.serve(threeMinutesAgo, "credit", "green", TrafficKind.MIRRORED, 500, 9, 2);
    east.serve(halfAMinuteAgo, "credit", "retired", TrafficKind.LIVE, 200, 1, 3);
    west.serve(now - 10 * 60_000, "loans", "blue", TrafficKind.LIVE, 200, 5, 10);
    deploymentNode.serve(halfAMinuteAgo, "credit", "blue", TrafficKind.LIVE, 200, 1, 1000);
    cp.nodeJoined(EAST, NodeState.ROLE_GATEWAY);
    cp.nodeJoined(WEST, NodeState.ROLE_GATEWAY, NodeState.ROLE_CONTROL_PLANE);
    cp.nodeJoined(DEPLOYMENT_NODE, NodeState.ROLE_DEPLOYMENT);
  }

  @AfterAll
  static void stop() throws Exception {
    cp.close();
    hazelcast.shutdown();
  }

  @BeforeEach
  void forgetQuestions() {
    east.asked.clear();
    west.asked.clear();
    deploymentNode.asked.clear();
  }

  @Test
  void eachDeploymentsLiveAnswersMergedOverTheGateways() throws Exception {
    JsonObject m = metrics("credit", "");
    assertEquals("credit", m.getString("endpoint"));
    assertEquals(15, m.getInteger("minutes"), "the default");
    assertEquals(List.of("blue", "green"), new ArrayList<>(m.getJsonObject("deployments").fieldNames()),
        "every deployment of the endpoint, in the store's order; the deleted one is not shown");
    JsonObject blue = m.getJsonObject("deployments").getJsonObject("blue");
    assertEquals(105, blue.getLong("requests"));
    assertEquals(0, blue.getLong("mirrored_requests"));
    assertEquals(new JsonObject().put("404", 1).put("429", 2).put("500", 1).put("503", 1),
        blue.getJsonObject("errors"));
    assertEquals(Math.round(4 / 105.0 * 1e6) / 1e6, blue.getDouble("error_rate"),
        "500, 503 and two 429s are failures; the 404 is the caller's");
    assertQuantiles(blue, blueLatencies);
    assertEquals(List.of(EAST, WEST), m.getJsonArray("gateways").getList());
    assertEquals(List.of(), m.getJsonArray("missing_gateways").getList());
    assertEquals(List.of(), deploymentNode.asked, "a node without the gateway role is not asked");
  }

  @Test
  void aDeploymentWithOnlyMirroredAnswersShowsThemApartWithZerosAndNullQuantiles() throws Exception {
    JsonObject green = metrics("credit", "").getJsonObject("deployments").getJsonObject("green");
    assertEquals(0, green.getLong("requests"));
    assertEquals(7, green.getLong("mirrored_requests"), "five copies on east, two on west");
    assertEquals(new JsonObject(), green.getJsonObject("errors"), "the mirror's 500s are not its live errors");
    assertEquals(0.0, green.getDouble("error_rate"));
    assertNull(green.getValue("p50_ms"));
    assertNull(green.getValue("p95_ms"));
    assertNull(green.getValue("p99_ms"));
    assertTrue(green.containsKey("p99_ms"), "present, as null");
    for (Object p : green.getJsonArray("series")) {
      JsonObject point = (JsonObject) p;
      assertEquals(0, point.getLong("requests"));
      assertNull(point.getValue("p95_ms"));
    }
  }

  @Test
  void theSeriesHasAPointForEveryTenSecondsOfTheWindowZerosIncluded() throws Exception {
    JsonObject m = metrics("credit", "");
    assertEquals(10, m.getInteger("step_seconds"));
    long from = Instant.parse(m.getString("from")).toEpochMilli();
    long to = Instant.parse(m.getString("to")).toEpochMilli();
    assertEquals(15 * 60_000, to - from);
    assertEquals(0, to % 10_000, "steps are aligned to the clock");
    assertTrue(to > now, "the last step is the one in progress");
    JsonArray series = m.getJsonObject("deployments").getJsonObject("blue").getJsonArray("series");
    assertEquals(90, series.size());
    for (int i = 0; i < 90; i++) {
      JsonObject point = series.getJsonObject(i);
      assertEquals(Instant.ofEpochMilli(from + i * 10_000L).toString(), point.getString("t"));
      long t = from + i * 10_000L;
      long expected = t == slot(now - 30_000) ? 54 : t == slot(now - 180_000) ? 51 : 0;
      assertEquals(expected, point.getLong("requests"), "point " + point);
      if (expected == 0) {
        assertNull(point.getValue("p50_ms"));
        assertEquals(new JsonObject(), point.getJsonObject("errors"));
      } else {
        assertNotNull(point.getValue("p99_ms"));
      }
    }
    JsonObject west = series.stream().map(JsonObject.class::cast).filter(p -> p.getLong("requests") == 51).findFirst()
        .orElseThrow();
    assertEquals(new JsonObject().put("503", 1), west.getJsonObject("errors"));
    assertEquals(3000.0, west.getDouble("p99_ms"), 3000 * 0.04, "the slow 503 is west's p99");
  }

  @Test
  void theTotalIsEveryLiveAnswerOfTheEndpointADeletedDeploymentsIncluded() throws Exception {
    JsonObject total = metrics("credit", "").getJsonObject("total");
    assertEquals(108, total.getLong("requests"), "blue's 105 and the deleted deployment's 3; no mirrored copies");
    assertEquals(new JsonObject().put("404", 1).put("429", 2).put("500", 1).put("503", 1), total.getJsonObject(
        "errors"));
    assertEquals(Math.round(4 / 108.0 * 1e6) / 1e6, total.getDouble("error_rate"));
    assertNotNull(total.getValue("p95_ms"));
  }

  @Test
  void longerWindowsComeInStepsOfAMinute() throws Exception {
    JsonObject hour = metrics("credit", "?minutes=60");
    assertEquals(60, hour.getInteger("minutes"));
    assertEquals(60, hour.getInteger("step_seconds"));
    JsonArray series = hour.getJsonObject("deployments").getJsonObject("blue").getJsonArray("series");
    assertEquals(60, series.size());
    assertEquals(105, series.stream().mapToLong(p -> ((JsonObject) p).getLong("requests")).sum());
    assertEquals(60_000 * 60, Instant.parse(hour.getString("to")).toEpochMilli()
        - Instant.parse(hour.getString("from")).toEpochMilli());
    assertEquals(60_000L, east.asked.get(0).getLong("step_ms"), "the gateways add the slots up per minute");

    JsonObject sixteen = metrics("credit", "?minutes=16");
    assertEquals(60, sixteen.getInteger("step_seconds"));
    assertEquals(16, sixteen.getJsonObject("deployments").getJsonObject("blue").getJsonArray("series").size());

    JsonObject one = metrics("credit", "?minutes=1");
    assertEquals(10, one.getInteger("step_seconds"));
    assertEquals(6, one.getJsonObject("deployments").getJsonObject("blue").getJsonArray("series").size());
    long from = Instant.parse(one.getString("from")).toEpochMilli();
    assertEquals(slot(now - 30_000) >= from ? 54 : 0, one.getJsonObject("deployments").getJsonObject("blue")
        .getLong("requests"), "at most east's answers of half a minute ago (when the test runs within 20 s), never"
        + " west's of three minutes ago");
  }

  @Test
  void theEndpointsSummaryShowsEveryEndpointInTheStore() throws Exception {
    JsonObject summary = summary("");
    assertEquals(5, summary.getInteger("minutes"), "the default");
    assertEquals(List.of(), summary.getJsonArray("missing_gateways").getList());
    JsonObject credit = endpointIn(summary, "credit");
    assertEquals(108, credit.getLong("requests"));
    double rate = credit.getDouble("requests_per_second");
    assertTrue(rate >= 108 / 300.0 - 0.001 && rate <= 108 / 290.0 + 0.001,
        "108 answers over the 290 to 300 seconds since the window's start: " + rate);
    assertEquals(Math.round(4 / 108.0 * 1e6) / 1e6, credit.getDouble("error_rate"));
    assertNotNull(credit.getValue("p95_ms"));
    JsonObject loans = endpointIn(summary, "loans");
    assertEquals(0, loans.getLong("requests"), "its answers were ten minutes ago");
    assertEquals(0.0, loans.getDouble("requests_per_second"));
    assertEquals(0.0, loans.getDouble("error_rate"));
    assertNull(loans.getValue("p95_ms"));
    assertEquals(2, summary.getJsonArray("value").size());
    assertEquals(new JsonObject().put("from_ms", east.asked.get(0).getLong("from_ms"))
        .put("to_ms", east.asked.get(0).getLong("to_ms")).put("step_ms", 300_000L), east.asked.get(0),
        "one window per series, every endpoint");

    assertEquals(10, endpointIn(summary("?minutes=15"), "loans").getLong("requests"));
  }

  @Test
  void gatewaysThatAnswerLateNeverOrGarbageAreNamedAndTheOthersNumbersStillCome() throws Exception {
    StandInGateway silent = new StandInGateway(cp.vertx, "gw-silent", StandInGateway.Behaviour.NEVER_ANSWERS, 0);
    StandInGateway late = new StandInGateway(cp.vertx, "gw-late", StandInGateway.Behaviour.ANSWERS_LATE,
        StatisticsGatherer.DEFAULT_TIMEOUT_MS + 1000);
    StandInGateway garbage = new StandInGateway(cp.vertx, "gw-garbage", StandInGateway.Behaviour.ANSWERS_GARBAGE, 0);
    late.serve(now - 30_000, "credit", "blue", TrafficKind.LIVE, 200, 1, 1000);
    List<String> odd = List.of("gw-garbage", "gw-gone", "gw-late", "gw-silent"); // gw-gone has left the event bus
    for (String node : odd) {
      cp.nodeJoined(node, NodeState.ROLE_GATEWAY);
    }
    try {
      JsonObject m = metrics("credit", "");
      assertEquals(odd, m.getJsonArray("missing_gateways").getList());
      assertEquals(List.of(EAST, WEST), m.getJsonArray("gateways").getList());
      assertEquals(105, m.getJsonObject("deployments").getJsonObject("blue").getLong("requests"),
          "east's and west's answers; none of the late gateway's");
      assertEquals(1, silent.asked.size());
      JsonObject summary = summary("");
      assertEquals(odd, summary.getJsonArray("missing_gateways").getList());
      assertEquals(108, endpointIn(summary, "credit").getLong("requests"));
    } finally {
      for (String node : odd) {
        cp.nodeLeft(node);
      }
      silent.stop();
      late.stop();
      garbage.stop();
    }
  }

  @Test
  void anUnknownEndpointIsNotFoundAndNoGatewayIsAsked() throws Exception {
    Answer answer = cp.call("GET", "/endpoints/nope/metrics", reader, null);
    assertEquals(404, answer.status(), answer.text());
    assertEquals("NotFound", answer.error().getString("code"));
    assertEquals("no endpoint named 'nope'", answer.error().getString("message"));
    assertEquals(List.of(), east.asked);
  }

  /** Bad inputs: minutes 0, 61, -1, 1.5, a word, empty; on both routes a 400 naming minutes, no gateway asked. */
  @ParameterizedTest
  @ValueSource(strings = {"0", "61", "-1", "1.5", "ten", ""})
  void minutesOutsideOneToSixtyAreRefusedNamingThem(String minutes) throws Exception {
    for (String path : List.of("/endpoints/credit/metrics", "/metrics/endpoints", "/endpoints/nope/metrics")) {
      Answer answer = cp.call("GET", path + "?minutes=" + minutes, reader, null);
      assertEquals(400, answer.status(), path + ": " + answer.text());
      assertEquals("BadRequest", answer.error().getString("code"));
      assertEquals("minutes", answer.error().getString("target"));
      assertEquals("minutes must be a whole number from 1 to 60, not '" + minutes + "'",
          answer.error().getString("message"));
    }
    assertEquals(List.of(), east.asked);
  }

  /** Bad input: no token. A reader's token is enough (every other call here uses one). */
  @Test
  void aCallerWithoutATokenIsRefused() throws Exception {
    assertEquals(401, cp.call("GET", "/endpoints/credit/metrics", null, null).status());
    assertEquals(401, cp.call("GET", "/metrics/endpoints", null, null).status());
    assertEquals(List.of(), east.asked);
  }

  // ------------------------------------------------------------------ helpers

  private static JsonObject metrics(String endpoint, String query) throws Exception {
    Answer answer = cp.call("GET", "/endpoints/" + endpoint + "/metrics" + query, reader, null);
    assertEquals(200, answer.status(), answer.text());
    return answer.json();
  }

  private static JsonObject summary(String query) throws Exception {
    Answer answer = cp.call("GET", "/metrics/endpoints" + query, reader, null);
    assertEquals(200, answer.status(), answer.text());
    return answer.json();
  }

  private static JsonObject endpointIn(JsonObject summary, String endpoint) {
    return summary.getJsonArray("value").stream().map(JsonObject.class::cast)
        .filter(e -> endpoint.equals(e.getString("endpoint"))).findFirst().orElseThrow();
  }

  private static long slot(long timeMs) {
    return Math.floorDiv(timeMs, 10_000) * 10_000;
  }

  /** p50, p95 and p99 within the histogram's 4 % of the exact (nearest-rank) quantiles, and rounded to the µs. */
  private static void assertQuantiles(JsonObject shown, List<Double> latencies) {
    double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    for (String[] q : new String[][] {{"p50_ms", "0.5"}, {"p95_ms", "0.95"}, {"p99_ms", "0.99"}}) {
      double exact = sorted[(int) Math.ceil(Double.parseDouble(q[1]) * sorted.length) - 1];
      double shownMs = shown.getDouble(q[0]);
      assertTrue(Math.abs(shownMs - exact) <= exact * 0.04 + 0.001, q[0] + " " + shownMs + " vs exact " + exact
          + " of " + Arrays.toString(sorted));
      assertEquals(Math.round(shownMs * 1000) / 1000.0, shownMs);
    }
  }
}
