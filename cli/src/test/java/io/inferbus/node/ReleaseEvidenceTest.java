package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.endpoint.EvidenceMarkdown;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.testing.Await;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A small release on a real node, and the evidence bundle it leaves: blue at 100 %, green at 10 %,
 * then 50 %, a rollback, a key regeneration, with a bounded number of scoring requests in each phase
 * (sent one after another once the gateway has the phase's revision, and counted by the
 * {@code azureml-model-deployment} that answered). The bundle holds every revision with its actor,
 * the model's sha256, and per deployment and revision exactly the requests sent, errors by code
 * included; neither key, nor a key's hash, nor an operator token appears in the JSON or the markdown.
 */
class ReleaseEvidenceTest extends EmbeddedNodeTest {
  private static final String ENDPOINT = "release";
  private static final Duration CONVERGE = Duration.ofSeconds(30);
  private static final byte[] WRONG_WIDTH = "{\"input_data\": [[1, 2, 3]]}".getBytes(StandardCharsets.UTF_8);

  private String key;
  private byte[] sample;
  /** revision → deployment → answers the test received; and the 400s among them. */
  private final Map<Long, Map<String, Long>> sent = new TreeMap<>();
  private final Map<Long, Map<String, Long>> badInput = new TreeMap<>();

  @Test
  void aReleaseLeavesItsEvidence() throws Exception {
    String admin = node.adminToken();
    String engineer = node.token("release-engineer", OperatorRole.OPERATOR);
    String security = node.token("security-officer", OperatorRole.OPERATOR);
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    Path model = TestNode.EXAMPLE.resolve("model").resolve("german-credit-bad-risk.onnx");
    JsonObject spec = new JsonObject().put("instance_count", 1);
    key = node.deploy(ENDPOINT, "blue", model, spec, true);
    node.deploy(ENDPOINT, "green", model, spec, false);
    String sha256 = new JsonObject(node.https.get(node.control() + "/models/german-credit-bad-risk/versions/1", admin)
        .body()).getString("sha256");
    assertNotNull(sha256);

    long blueOnly = revision(admin);
    phase(blueOnly, 12, 0);
    long ten = change(engineer, new JsonObject().put("traffic", new JsonObject().put("blue", 90).put("green", 10)));
    phase(ten, 30, 0);
    long fifty = change(engineer, new JsonObject().put("traffic", new JsonObject().put("blue", 50).put("green", 50)));
    phase(fifty, 20, 2);
    HttpResponse<String> rollback = node.https.json("POST", node.control() + "/endpoints/" + ENDPOINT
        + "/traffic/rollback", engineer, new JsonObject());
    assertEquals(200, rollback.statusCode(), rollback.body());
    long rolledBack = new JsonObject(rollback.body()).getLong("traffic_revision");
    awaitGateway(rolledBack);
    phase(rolledBack, 10, 0);

    JsonObject keysBefore = new JsonObject(node.https.json("POST", node.control() + "/endpoints/" + ENDPOINT
        + "/keys", admin, null).body());
    HttpResponse<String> regenerated = node.https.json("POST", node.control() + "/endpoints/" + ENDPOINT
        + "/keys/regenerate", security, new JsonObject().put("key_type", "secondary"));
    assertEquals(200, regenerated.statusCode(), regenerated.body());
    JsonObject keysAfter = new JsonObject(regenerated.body());
    phase(rolledBack, 8, 0); // the primary key still scores

    // the rollups hold what was sent once the gateway recorded the last answers: wait for that
    JsonObject[] bundle = new JsonObject[1];
    Await.until("the evidence counts every request sent", CONVERGE, () -> Await.holds(() -> {
      bundle[0] = evidence(admin, "1h");
      return counts(bundle[0], "requests").equals(sent);
    }));
    JsonObject b = bundle[0];
    assertEquals(sent, counts(b, "requests"), "per deployment and revision, exactly what was sent");
    assertEquals(badInput, errors400(b), "the 400s, by the deployment and revision that answered them");

    // every revision, with who made it; the rollback and what it re-applied
    Map<Long, String> actors = new TreeMap<>();
    for (Object r : b.getJsonArray("traffic_revisions")) {
      actors.put(((JsonObject) r).getLong("revision"), ((JsonObject) r).getString("actor"));
    }
    assertTrue(actors.keySet().containsAll(List.of(blueOnly, ten, fifty, rolledBack)), actors.toString());
    assertEquals("release-engineer", actors.get(ten));
    assertEquals("release-engineer", actors.get(fifty));
    assertFalse(actors.get(blueOnly).isEmpty());
    JsonObject rb = b.getJsonArray("rollbacks").getJsonObject(0);
    assertEquals(rolledBack, rb.getLong("revision"));
    assertEquals(ten, rb.getLong("rolled_back_to"));
    assertEquals("release-engineer", rb.getString("actor"));
    JsonObject regeneration = b.getJsonArray("key_regenerations").getJsonObject(0);
    assertEquals("security-officer", regeneration.getString("actor"));
    assertEquals("secondary", regeneration.getString("key_type"));

    // the model served, with its sha256; instance counts; the endpoint's spec
    for (Object d : b.getJsonArray("deployments")) {
      JsonObject dep = (JsonObject) d;
      assertEquals(sha256, dep.getJsonObject("current").getJsonObject("model").getString("sha256"), dep.encode());
      assertEquals(1, dep.getJsonObject("current").getInteger("instance_count"));
      assertEquals("deployment.create", dep.getJsonArray("changes").getJsonObject(0).getString("action"));
      assertTrue(dep.getDouble("instance_hours") > 0, dep.encode());
    }
    assertEquals("key", b.getJsonObject("spec").getString("auth_mode"));
    assertEquals("enabled", b.getJsonObject("spec").getString("public_network_access"));
    assertTrue(b.getJsonArray("audit").size() >= 7, "creations, traffic changes, rollback, key: " + b.getJsonArray("audit"));

    // no secret, in either form
    String markdown = EvidenceMarkdown.render(Json.MAPPER.readTree(b.encode()));
    List<String> secrets = new ArrayList<>(List.of(admin, engineer, security));
    for (JsonObject keys : List.of(keysBefore, keysAfter)) {
      for (String k : List.of(keys.getString("primaryKey"), keys.getString("secondaryKey"))) {
        secrets.add(k);
        secrets.add(Sha256.hex(k));
      }
    }
    String json = b.encode();
    for (String secret : secrets) {
      assertFalse(json.contains(secret), "a secret in the JSON");
      assertFalse(markdown.contains(secret), "a secret in the markdown");
    }
    assertTrue(markdown.contains("| " + ten + " | ") && markdown.contains("release-engineer"), markdown);
    assertTrue(markdown.contains("`" + sha256 + "`"), markdown);
    // the page of this release, for the record (the closing note shows it)
    Path out = Path.of("target", "release-evidence.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, markdown);

    // the CLI's own rendering, in-process: the command as an operator types it
    String page = cli("online-endpoint", "evidence", "--name", ENDPOINT, "--since", "1h", "-o", "md",
        "--config", node.dataDir.resolve("client.json").toString());
    assertTrue(page.contains("# Release evidence: endpoint `" + ENDPOINT + "`"), page);
    assertTrue(page.contains("| " + rolledBack + " | ") && page.contains("`" + sha256 + "`"), page);
    for (String secret : secrets) {
      assertFalse(page.contains(secret), "a secret on the CLI's page");
    }
    String printed = cli("online-endpoint", "evidence", "-n", ENDPOINT, "-o", "json", "--query", "endpoint",
        "--config", node.dataDir.resolve("client.json").toString());
    assertTrue(printed.contains("\"" + ENDPOINT + "\""), printed);

    // the route's refusals
    HttpResponse<String> badSince = node.https.get(node.control() + "/endpoints/" + ENDPOINT
        + "/evidence?since=lately", admin);
    assertEquals(400, badSince.statusCode());
    assertEquals("since", new JsonObject(badSince.body()).getJsonObject("error").getString("target"));
    assertEquals(404, node.https.get(node.control() + "/endpoints/nosuch/evidence", admin).statusCode());
  }

  /** Runs the inferbus command line in this JVM (as {@code ./inferbus ...} would) and returns what it printed. */
  private static String cli(String... args) throws Exception {
    java.lang.reflect.Method commandLine = Class.forName("io.inferbus.cli.Main").getDeclaredMethod("commandLine",
        String[].class);
    commandLine.setAccessible(true);
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out = System.out;
    System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = ((picocli.CommandLine) commandLine.invoke(null, (Object) args)).execute(args);
    } finally {
      System.setOut(out);
    }
    String printed = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, String.join(" ", args) + ": " + printed);
    return printed;
  }

  private JsonObject evidence(String token, String since) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + "/endpoints/" + ENDPOINT + "/evidence?since=" + since,
        token);
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private long revision(String token) throws Exception {
    return new JsonObject(node.https.get(node.control() + "/endpoints/" + ENDPOINT, token).body())
        .getLong("traffic_revision");
  }

  /** A traffic change by {@code token}'s holder, acknowledged and reached the gateway; its revision. */
  private long change(String token, JsonObject body) throws Exception {
    HttpResponse<String> r = node.https.json("PATCH", node.control() + "/endpoints/" + ENDPOINT, token, body);
    assertEquals(200, r.statusCode(), r.body());
    long revision = new JsonObject(r.body()).getLong("traffic_revision");
    awaitGateway(revision);
    return revision;
  }

  /** Until the gateway's routing table has the revision: every request sent after that counts under it. */
  private void awaitGateway(long revision) {
    Await.until("the gateway routes by revision " + revision, CONVERGE, () -> node.metricQuietly(
        "inferbus_gateway_traffic_revision", "endpoint=\"" + ENDPOINT + "\"") == revision);
  }

  /** {@code ok} scoring requests and {@code bad} malformed ones, one after another, counted by who answered. */
  private void phase(long revision, int ok, int bad) throws Exception {
    for (int i = 0; i < ok + bad; i++) {
      boolean malformed = i >= ok;
      HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/" + ENDPOINT + "/score", key,
          "application/json", malformed ? WRONG_WIDTH : sample);
      assertEquals(malformed ? 400 : 200, r.statusCode(), r.body());
      String deployment = r.headers().firstValue("azureml-model-deployment").orElseThrow();
      sent.computeIfAbsent(revision, k -> new TreeMap<>()).merge(deployment, 1L, Long::sum);
      if (malformed) {
        badInput.computeIfAbsent(revision, k -> new TreeMap<>()).merge(deployment, 1L, Long::sum);
      }
    }
  }

  /** The bundle's revision → deployment → requests. */
  private static Map<Long, Map<String, Long>> counts(JsonObject bundle, String field) {
    Map<Long, Map<String, Long>> out = new TreeMap<>();
    for (Object d : bundle.getJsonObject("statistics").getJsonArray("deployments")) {
      JsonObject dep = (JsonObject) d;
      for (Object r : dep.getJsonArray("revisions")) {
        JsonObject rev = (JsonObject) r;
        out.computeIfAbsent(rev.getLong("revision"), k -> new TreeMap<>()).put(dep.getString("deployment"),
            rev.getLong(field));
      }
    }
    return out;
  }

  private static Map<Long, Map<String, Long>> errors400(JsonObject bundle) {
    Map<Long, Map<String, Long>> out = new TreeMap<>();
    for (Object d : bundle.getJsonObject("statistics").getJsonArray("deployments")) {
      JsonObject dep = (JsonObject) d;
      for (Object r : dep.getJsonArray("revisions")) {
        JsonObject rev = (JsonObject) r;
        Long n = rev.getJsonObject("errors").getLong("400");
        if (n != null) {
          out.computeIfAbsent(rev.getLong("revision"), k -> new TreeMap<>()).put(dep.getString("deployment"), n);
        }
      }
    }
    return out;
  }
}
