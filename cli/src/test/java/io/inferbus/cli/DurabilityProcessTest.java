package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.testing.Await;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acknowledged state survives {@code kill -9} at any moment: {@code inferbus start} runs as its
 * own process, acknowledges changes through the management API, is killed with SIGKILL (no clean
 * stop), and restarted on the same data directory. Every acknowledged change is then there and in
 * effect: the control plane reloaded its store and republished it, and the gateway and the agent
 * converged on it.
 */
class DurabilityProcessTest {
  private static final Duration START = Duration.ofMinutes(2);
  private static final int SIGKILLED = 128 + 9;
  private static final String MODEL = "german-credit-bad-risk";

  @TempDir
  Path tmp;
  private final List<NodeProcess> processes = new ArrayList<>();
  private ExecutorService writers;

  @AfterEach
  void destroyEverything() throws Exception {
    if (writers != null) {
      writers.shutdownNow();
    }
    for (NodeProcess p : processes) {
      p.close();
    }
  }

  @Test
  void everyChangeAcknowledgedBeforeSigkillIsThereAfterRestart() throws Exception {
    NodeProcess first = start("first");
    String token = first.adminToken();
    JsonObject creditKeys = first.keys("credit");

    // 1. a second version of the example model
    byte[] modelBytes = Files.readAllBytes(TestNode.EXAMPLE.resolve("model").resolve(MODEL + ".onnx"));
    HttpResponse<String> v2 = first.https().send("PUT", first.control() + "/models/" + MODEL + "/versions/2", token,
        "application/octet-stream", modelBytes);
    assertEquals(201, v2.statusCode(), v2.body());
    String sha256 = new JsonObject(v2.body()).getString("sha256");
    // 2. a second deployment on the example endpoint, on that version
    first.manage("PUT", "/endpoints/credit/deployments/green", new JsonObject().put("model", MODEL + ":2"));
    // 3. traffic 90/10
    long creditRevision = first.manage("PATCH", "/endpoints/credit", new JsonObject()
        .put("traffic", new JsonObject().put("blue", 90).put("green", 10))).getLong("traffic_revision");
    // 4. a new secondary key
    JsonObject regenerated = first.manage("POST", "/endpoints/credit/keys/regenerate",
        new JsonObject().put("key_type", "secondary"));
    assertEquals(creditKeys.getString("primaryKey"), regenerated.getString("primaryKey"));
    assertNotEquals(creditKeys.getString("secondaryKey"), regenerated.getString("secondaryKey"));
    // 5. a new endpoint with its own deployment and all its traffic
    first.manage("PUT", "/endpoints/loans",
        new JsonObject().put("auth_mode", "key").put("description", "created just before the kill"));
    JsonObject loansKeys = first.keys("loans");
    first.manage("PUT", "/endpoints/loans/deployments/main", new JsonObject().put("model", MODEL + ":2"));
    long loansRevision = first.manage("PATCH", "/endpoints/loans", new JsonObject()
        .put("traffic", new JsonObject().put("main", 100))).getLong("traffic_revision");
    // killed right after the last acknowledgement: no request, no clean stop in between
    assertEquals(SIGKILLED, first.kill(), "exit code of a SIGKILLed process");

    NodeProcess second = start("second");
    assertEquals(token, second.adminToken(), "the admin token survives");
    assertNotEquals(first.ports().getString("node_id"), second.ports().getString("node_id"),
        "ports.json is the new run's");

    JsonObject model = second.manage("GET", "/models/" + MODEL + "/versions/2", null);
    assertEquals(sha256, model.getString("sha256"));
    assertEquals(Set.of("credit", "loans"), names(second.manage("GET", "/endpoints", null)));
    assertEquals(Set.of("blue", "green"), names(second.manage("GET", "/endpoints/credit/deployments", null)));
    JsonObject green = second.manage("GET", "/endpoints/credit/deployments/green", null);
    assertEquals(MODEL, green.getJsonObject("model").getString("name"));
    assertEquals("2", green.getJsonObject("model").getString("version"));

    JsonObject credit = second.manage("GET", "/endpoints/credit", null);
    assertEquals(new JsonObject().put("blue", 90).put("green", 10), credit.getJsonObject("traffic"));
    assertEquals(creditRevision, credit.getLong("traffic_revision"));
    JsonObject loans = second.manage("GET", "/endpoints/loans", null);
    assertEquals(new JsonObject().put("main", 100), loans.getJsonObject("traffic"));
    assertEquals(loansRevision, loans.getLong("traffic_revision"));
    assertEquals("created just before the kill", loans.getString("description"));
    assertEquals(regenerated, second.keys("credit"));
    assertEquals(loansKeys, second.keys("loans"));
    for (String[] d : new String[][] {{"credit", "blue"}, {"credit", "green"}, {"loans", "main"}}) {
      Await.until(d[0] + "/" + d[1] + " Succeeded", Duration.ofSeconds(30), () -> "Succeeded".equals(
          quietly(() -> second.manage("GET", "/endpoints/" + d[0] + "/deployments/" + d[1], null)
              .getString("provisioning_state"))));
    }

    // the gateway converged: keys as acknowledged, the new endpoint serves, traffic as acknowledged
    assertEquals(200, score(second, "credit", regenerated.getString("secondaryKey")).statusCode(), "new secondary key");
    assertEquals(200, score(second, "credit", creditKeys.getString("primaryKey")).statusCode(), "primary key kept");
    assertEquals(401, score(second, "credit", creditKeys.getString("secondaryKey")).statusCode(),
        "the regenerated-away secondary key is refused");
    String loansKey = loansKeys.getString("primaryKey");
    Await.until("loans ready", Duration.ofSeconds(30), () -> Integer.valueOf(200).equals(quietly(() -> second.https()
        .get(second.scoring() + "/v2/models/loans/ready", loansKey).statusCode())));
    HttpResponse<String> scored = score(second, "loans", loansKey);
    assertEquals(200, scored.statusCode(), scored.body());
    assertEquals("main", scored.headers().firstValue("azureml-model-deployment").orElse(null));

    Map<String, Integer> servedBy = new TreeMap<>();
    for (int i = 0; i < 200; i++) {
      HttpResponse<String> r = score(second, "credit", creditKeys.getString("primaryKey"));
      assertEquals(200, r.statusCode(), r.body());
      servedBy.merge(r.headers().firstValue("azureml-model-deployment").orElse("?"), 1, Integer::sum);
    }
    // 90/10 over 200 requests: green expects 20; below 3 or above 60 has a probability under 1e-6
    assertEquals(Set.of("blue", "green"), servedBy.keySet(), servedBy.toString());
    assertTrue(servedBy.get("green") >= 3 && servedBy.get("green") <= 60, servedBy.toString());

    List<String> actions = second.manage("GET", "/audit", null).getJsonArray("value").stream()
        .map(o -> ((JsonObject) o).getString("action") + " " + ((JsonObject) o).getString("target")).toList();
    List<String> acknowledged = List.of("model.create models/" + MODEL + "/versions/2",
        "deployment.create endpoints/credit/deployments/green", "endpoint.traffic endpoints/credit",
        "endpoint.regenerate-key endpoints/credit/keys/secondary", "endpoint.create endpoints/loans",
        "deployment.create endpoints/loans/deployments/main", "endpoint.traffic endpoints/loans");
    assertEquals(acknowledged, actions.subList(actions.size() - acknowledged.size(), actions.size()),
        "the audit log ends with the acknowledged changes, in order");
  }

  @Test
  void aKillDuringABurstOfTrafficChangesKeepsTheLastAcknowledgedOrALaterOne() throws Exception {
    NodeProcess first = start("first");
    first.manage("PUT", "/endpoints/credit/deployments/green", new JsonObject().put("model", MODEL + ":1"));
    String token = first.adminToken();

    // Two writers PATCH traffic concurrently; every request gives green a weight of its own, so the
    // stored traffic tells which request it came from. The writer that sees the 30th acknowledgement
    // kills the node at once, while the other writer's request is in flight.
    int killAfter = 30;
    AtomicInteger nextGreen = new AtomicInteger(1);
    AtomicInteger acknowledgements = new AtomicInteger();
    Set<Integer> sent = ConcurrentHashMap.newKeySet();
    Map<Long, Integer> acknowledged = new ConcurrentHashMap<>(); // traffic_revision -> green weight
    ConcurrentLinkedQueue<String> wrongAnswers = new ConcurrentLinkedQueue<>();
    Runnable writer = () -> {
      for (int green = nextGreen.getAndIncrement(); green < 100; green = nextGreen.getAndIncrement()) {
        sent.add(green);
        JsonObject traffic = new JsonObject().put("blue", 100 - green).put("green", green);
        HttpResponse<String> answer;
        try {
          answer = first.https().json("PATCH", first.control() + "/endpoints/credit", token,
              new JsonObject().put("traffic", traffic));
        } catch (Exception e) {
          return; // the node is gone
        }
        HttpResponse<String> r = answer;
        JsonObject body = r.statusCode() == 200 ? quietly(() -> new JsonObject(r.body())) : null;
        if (body == null || !traffic.equals(body.getJsonObject("traffic"))) {
          wrongAnswers.add("PATCH " + traffic + ": " + r.statusCode() + " " + r.body());
          return;
        }
        acknowledged.put(body.getLong("traffic_revision"), green);
        if (acknowledgements.incrementAndGet() == killAfter) {
          first.process().destroyForcibly(); // SIGKILL
        }
      }
    };
    writers = Executors.newFixedThreadPool(2);
    writers.execute(writer);
    writers.execute(writer);
    writers.shutdown();
    Await.until("both writers stopped", Duration.ofSeconds(60), writers::isTerminated);
    assertEquals(List.of(), List.copyOf(wrongAnswers));
    assertEquals(SIGKILLED, first.kill(), "exit code of a SIGKILLed process; log: " + first.stderr());
    assertTrue(acknowledgements.get() >= killAfter, "acknowledged: " + acknowledged);

    long lastAcknowledged = acknowledged.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
    Set<Integer> unacknowledged = sent.stream().filter(g -> !acknowledged.containsValue(g)).collect(Collectors.toSet());

    NodeProcess second = start("second");
    JsonObject credit = second.manage("GET", "/endpoints/credit", null);
    long revision = credit.getLong("traffic_revision");
    JsonObject traffic = credit.getJsonObject("traffic");
    int green = traffic.getInteger("green");
    String state = "after restart: revision " + revision + ", traffic " + traffic + "; acknowledged " + acknowledged
        + ", unacknowledged green weights " + unacknowledged;
    assertEquals(100, traffic.getInteger("blue") + green, state);
    assertTrue(revision >= lastAcknowledged, "an acknowledged change was lost: " + state);
    if (acknowledged.containsKey(revision)) {
      assertEquals(acknowledged.get(revision), green, "the revision holds another request's traffic: " + state);
    } else {
      assertTrue(unacknowledged.contains(green), "traffic nobody asked for after the last acknowledged: " + state);
      assertTrue(revision - lastAcknowledged <= unacknowledged.size(), state);
    }

    // the audit log has every acknowledged revision with its traffic, and ends at the stored one
    TreeMap<Long, Integer> audited = new TreeMap<>();
    for (Object o : second.manage("GET", "/audit", null).getJsonArray("value")) {
      JsonObject record = (JsonObject) o;
      if ("endpoint.traffic".equals(record.getString("action"))
          && "endpoints/credit".equals(record.getString("target"))) {
        JsonObject after = record.getJsonObject("after");
        audited.put(after.getLong("traffic_revision"), after.getJsonObject("traffic").getInteger("green"));
      }
    }
    assertTrue(audited.entrySet().containsAll(acknowledged.entrySet()), "audit " + audited + "; " + state);
    assertEquals(revision, audited.lastKey(), "audit " + audited + "; " + state);

    assertEquals("ok", integrityCheck(tmp.resolve("data").resolve("inferbus.db")));
    assertEquals(revision, revisionRows(tmp.resolve("data").resolve("inferbus.db")),
        "traffic revisions 1.." + revision + " are all stored, no gap and no extra");

    String key = second.keys("credit").getString("primaryKey");
    HttpResponse<String> scored = score(second, "credit", key);
    assertEquals(200, scored.statusCode(), scored.body());
  }

  private NodeProcess start(String name) throws Exception {
    NodeProcess p = NodeProcess.start(tmp.resolve("data"), tmp.resolve("logs"), name);
    processes.add(p);
    return p.awaitServing(START);
  }

  private static HttpResponse<String> score(NodeProcess node, String endpoint, String key) throws Exception {
    return node.https().send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
        Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json")));
  }

  private static Set<String> names(JsonObject list) {
    JsonArray value = list.getJsonArray("value");
    return value.stream().map(o -> ((JsonObject) o).getString("name")).collect(Collectors.toSet());
  }

  /** SQLite's own check of the store, read-only, beside the running node (WAL allows a second reader). */
  private static String integrityCheck(Path db) throws Exception {
    try (Connection c = readOnly(db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      return rs.next() ? rs.getString(1) : "no answer";
    }
  }

  private static long revisionRows(Path db) throws Exception {
    try (Connection c = readOnly(db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), min(CAST(revision AS INTEGER)), max(CAST(revision AS INTEGER))"
            + " FROM traffic_revisions WHERE endpoint = 'credit'")) {
      rs.next();
      assertEquals(1, rs.getLong(2), "the first revision");
      assertEquals(rs.getLong(1), rs.getLong(3), "as many rows as the highest revision");
      return rs.getLong(3);
    }
  }

  private static Connection readOnly(Path db) throws Exception {
    org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
    config.setReadOnly(true);
    return DriverManager.getConnection("jdbc:sqlite:" + db, config.toProperties());
  }

  private interface Call<T> {
    T call() throws Exception;
  }

  /** For conditions polled by Await: a failed call is "not yet". */
  private static <T> T quietly(Call<T> call) {
    try {
      return call.call();
    } catch (Exception | AssertionError e) {
      return null;
    }
  }
}
