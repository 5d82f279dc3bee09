package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.testing.Await;
import io.inferbus.testing.Cli.Result;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code inferbus online-endpoint get-traffic-log} as an operator runs it after a caller reports a
 * request id: the built launcher against a real node whose gateway scored that request. Bad inputs
 * tried: {@code --lines 0}, {@code --status 9xx}, {@code --since yesterday}, an unknown endpoint.
 */
class TrafficLogCliIT extends CliNodeTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
  private static String requestId;
  private static String refusedId;

  /** A caller with a wrong key is refused; then one scores the example with its own request id and trace context. */
  @BeforeAll
  static void scoreWithARequestIdAndATraceparent() throws Exception {
    refusedId = "it-refused-" + UUID.randomUUID();
    HttpResponse<String> refused = node.https.send("POST", node.scoring() + "/endpoints/credit/score",
        "not-the-key", "application/json", Files.readAllBytes(SAMPLE), "x-request-id", refusedId);
    assertEquals(401, refused.statusCode(), refused.body());
    requestId = "it-" + UUID.randomUUID();
    HttpResponse<String> scored = node.https.send("POST", node.scoring() + "/endpoints/credit/score",
        node.primaryKey("credit"), "application/json", Files.readAllBytes(SAMPLE),
        "x-request-id", requestId, "traceparent", TRACEPARENT);
    assertEquals(200, scored.statusCode(), scored.body());
    assertEquals(requestId, scored.headers().firstValue("x-request-id").orElse(null));
    // the gateway writes its traffic log asynchronously
    Await.until("the request in the traffic log", Duration.ofSeconds(30), () -> {
      Result r = cli.run("online-endpoint", "get-traffic-log", "-n", "credit", "--request-id", requestId);
      return r.exit() == 0 && r.json().size() == 1;
    });
  }

  @Test
  void theRequestIdFindsTheRequestWithItsStatusDeploymentAndTraceId() {
    JsonNode records = cli.run("online-endpoint", "get-traffic-log", "--name", "credit", "--request-id", requestId)
        .ok().json();
    assertTrue(records.isArray() && records.size() == 1, records.toString());
    JsonNode record = records.get(0);
    assertEquals(requestId, record.path("request_id").asText(), record.toString());
    assertEquals(200, record.path("status").asInt(), record.toString());
    assertEquals("blue", record.path("deployment").asText(), record.toString());
    assertEquals(TRACE_ID, record.path("trace_id").asText(), record.toString());
    assertEquals("credit", record.path("endpoint").asText(), record.toString());
    assertEquals("live", record.path("kind").asText(), record.toString());
    assertTrue(record.path("node").asText().length() > 0, record.toString());
    assertTrue(Instant.parse(record.path("time").asText()).isAfter(Instant.now().minus(Duration.ofMinutes(10))),
        record.toString());
  }

  @Test
  void filtersNarrowTheRecords() {
    assertTrue(traffic().size() >= 2, traffic().toString());
    JsonNode refused = traffic("--request-id", refusedId);
    assertEquals(1, refused.size(), refused.toString());
    assertEquals(401, refused.get(0).path("status").asInt(), refused.toString());
    JsonNode clientErrors = traffic("--status", "4xx");
    assertTrue(clientErrors.size() >= 1, clientErrors.toString());
    clientErrors.forEach(r -> assertEquals(4, r.path("status").asInt() / 100, clientErrors.toString()));
    assertEquals(1, traffic("--request-id", requestId, "--status", "200").size());
    assertEquals(1, traffic("--request-id", requestId, "--status", "2xx", "--since", "30m").size());
    assertEquals(0, traffic("--request-id", requestId, "--status", "5xx").size());
    assertEquals(0, traffic("--request-id", requestId, "--since", Instant.now().plusSeconds(3600).toString()).size());
    JsonNode last = traffic("-l", "1");
    assertEquals(1, last.size(), last.toString());
    assertEquals(requestId, last.get(0).path("request_id").asText(), "the newest record: " + last);
  }

  @Test
  void tableShowsTimeRequestIdDeploymentStatusDurationAndCaller() {
    String table = cli.run("online-endpoint", "get-traffic-log", "-n", "credit", "--request-id", requestId,
        "-o", "table").ok().stdout();
    String[] lines = table.split("\n");
    assertEquals(List.of("Time", "Request_id", "Deployment", "Kind", "Status", "Duration_ms", "Caller"),
        List.of(lines[0].trim().split("\\s+")), table);
    assertTrue(lines[1].matches("[- ]+"), table);
    assertTrue(lines[2].matches("\\S+Z\\s+" + requestId + "\\s+blue\\s+live\\s+200\\s+[0-9.]+\\s+\\S+.*"), table);
  }

  @Test
  void badInputsExitNonZeroWithTheServersMessage() {
    Result noLines = cli.run("online-endpoint", "get-traffic-log", "-n", "credit", "--lines", "0");
    noLines.exits(1);
    assertTrue(noLines.stderr().startsWith("ERROR: (BadRequest) lines must be a whole number from 1 to 10000"),
        noLines.toString());

    Result badStatus = cli.run("online-endpoint", "get-traffic-log", "-n", "credit", "--status", "9xx");
    badStatus.exits(1);
    assertTrue(badStatus.stderr().startsWith("ERROR: (BadRequest) status must be"), badStatus.toString());
    assertTrue(badStatus.stderr().contains("'9xx'"), badStatus.toString());

    Result badSince = cli.run("online-endpoint", "get-traffic-log", "-n", "credit", "--since", "yesterday");
    badSince.exits(1);
    assertTrue(badSince.stderr().startsWith("ERROR: (BadRequest) since must be"), badSince.toString());

    Result unknown = cli.run("online-endpoint", "get-traffic-log", "-n", "nope", "--request-id", requestId);
    unknown.exits(3);
    assertEquals("ERROR: (NotFound) no endpoint named 'nope'\n", unknown.stderr());
    assertEquals("", unknown.stdout());
  }

  private static JsonNode traffic(String... filters) {
    List<String> args = new java.util.ArrayList<>(List.of("online-endpoint", "get-traffic-log", "-n", "credit"));
    args.addAll(List.of(filters));
    JsonNode records = cli.run(args.toArray(String[]::new)).ok().json();
    assertTrue(records.isArray(), records.toString());
    return records;
  }
}
