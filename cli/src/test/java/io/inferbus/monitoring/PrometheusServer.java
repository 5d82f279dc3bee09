package io.inferbus.monitoring;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.inferbus.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus process on 127.0.0.1 and a free port, with its configuration and storage in a
 * given directory, and a client of its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final int port;
  private final Path log;

  private PrometheusServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * examples/monitoring/prometheus.yml as a test runs it: the node's real management port instead
   * of 9400, the example's rule file by its absolute path, and 1 s scrape and evaluation intervals
   * instead of 5 s so that a test sees samples within seconds. Everything else is the example's.
   */
  static String configFor(int managementPort) throws IOException {
    YAMLMapper yaml = new YAMLMapper();
    ObjectNode config = (ObjectNode) yaml.readTree(MonitoringExample.PROMETHEUS_CONFIG.toFile());
    ObjectNode global = (ObjectNode) config.path("global");
    global.put("scrape_interval", "1s").put("evaluation_interval", "1s");
    ArrayNode rules = (ArrayNode) config.path("rule_files");
    if (!rules.toString().equals("[\"alerts.yml\"]")) {
      throw new AssertionError("the example config loads " + rules + ", the test expects [alerts.yml]");
    }
    rules.removeAll().add(MonitoringExample.ALERTS.toString());
    ArrayNode targets = (ArrayNode) config.path("scrape_configs").path(0).path("static_configs").path(0).path("targets");
    if (!targets.toString().equals("[\"127.0.0.1:9400\"]")) {
      throw new AssertionError("the example scrapes " + targets + ", the test expects ./inferbus start's 127.0.0.1:9400");
    }
    targets.removeAll().add("127.0.0.1:" + managementPort);
    return yaml.writeValueAsString(config);
  }

  /** Starts {@code prometheus} with {@code config}; returns once it answers its readiness check. */
  static PrometheusServer start(String config, Path dir) throws Exception {
    Path configFile = dir.resolve("prometheus.yml");
    Files.writeString(configFile, config);
    Path log = dir.resolve("prometheus.log");
    int port = freePort();
    Process process = new ProcessBuilder(List.of(PrometheusTools.binary("prometheus").toString(),
        "--config.file=" + configFile, "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port))
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    PrometheusServer server = new PrometheusServer(process, port, log);
    try {
      Await.until("Prometheus ready on port " + port, Duration.ofSeconds(60),
          () -> !process.isAlive() || server.status("/-/ready") == 200);
      if (!process.isAlive()) {
        throw new AssertionError("prometheus exited with " + process.exitValue() + ":\n" + server.log());
      }
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  /** {@code /api/v1/targets}' active targets. */
  JsonArray activeTargets() throws Exception {
    return api("/api/v1/targets").getJsonObject("data").getJsonArray("activeTargets");
  }

  /** Waits until every active target has been scraped successfully ("health": "up"). */
  void awaitTargetsUp(Duration timeout) {
    Await.until("Prometheus' targets up", timeout, () -> {
      try {
        JsonArray targets = activeTargets();
        return !targets.isEmpty()
            && targets.stream().allMatch(t -> "up".equals(((JsonObject) t).getString("health")));
      } catch (Exception e) {
        return false;
      }
    });
  }

  /** An instant query's result vector; fails with Prometheus' error when the query is refused. */
  JsonArray query(String promql) throws Exception {
    JsonObject answer = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    return answer.getJsonObject("data").getJsonArray("result");
  }

  /** {@code /api/v1/alerts}: the pending and firing alerts. */
  JsonArray alerts() throws Exception {
    return api("/api/v1/alerts").getJsonObject("data").getJsonArray("alerts");
  }

  /** {@code /api/v1/rules}' groups, with each rule's health and last error. */
  JsonArray ruleGroups() throws Exception {
    return api("/api/v1/rules").getJsonObject("data").getJsonArray("groups");
  }

  private JsonObject api(String pathAndQuery) throws Exception {
    HttpResponse<String> r = get(pathAndQuery);
    JsonObject body = new JsonObject(r.body());
    if (r.statusCode() != 200 || !"success".equals(body.getString("status"))) {
      throw new AssertionError("Prometheus " + pathAndQuery + ": " + r.statusCode() + " " + r.body());
    }
    return body;
  }

  private int status(String path) {
    try {
      return get(path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** What Prometheus logged, for failure messages. */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy(); // SIGTERM: Prometheus shuts down cleanly
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
