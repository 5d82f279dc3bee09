package io.inferbus.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.inferbus.monitoring.MonitoringExample.Query;
import io.inferbus.testing.Await;
import io.inferbus.testing.NodeProcess;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/monitoring against a real node: {@code inferbus start} as its own process, a real
 * Prometheus scraping it with the example's configuration and alert rules, and traffic of every kind
 * the dashboard draws: answers of the example endpoint {@code credit} (deployment {@code blue}),
 * copies of them mirrored to a second deployment {@code green}, requests with a wrong key, and 503s
 * from a deployment whose model no instance can serve (endpoint {@code unservable}, testdata's
 * sequence-input.onnx), which the alerts must single out.
 */
class MonitoringExampleIT {
  private static final Duration DEADLINE = Duration.ofSeconds(90);
  private static final String MODEL = "german-credit-bad-risk:1";
  /**
   * Series that Prometheus makes itself for each target; they are never in a node's /metrics. The
   * only names the tests do not look up there.
   */
  private static final Set<String> MADE_BY_PROMETHEUS = Set.of("up");

  @TempDir
  static Path tmp;
  static NodeProcess node;
  static PrometheusServer prometheus;
  static String creditKey;
  static String unservableKey;
  static byte[] sample;
  /** Scoring requests sent so far: Prometheus has seen them all once its counters sum to this. */
  static int sent;

  @BeforeAll
  static void nodeWithTrafficOfEveryKindAndPrometheus() throws Exception {
    node = NodeProcess.start(tmp.resolve("node"), tmp.resolve("logs"), "monitoring").awaitServing(Duration.ofMinutes(3));
    sample = Files.readAllBytes(TestNode.EXAMPLE.resolve("sample-request.json"));
    creditKey = node.keys("credit").getString("primaryKey");
    node.manage("PUT", "/endpoints/credit/deployments/green", new JsonObject().put("model", MODEL));
    awaitProvisioning("credit", "green", "Succeeded");
    node.manage("PATCH", "/endpoints/credit", new JsonObject().put("mirror_traffic", new JsonObject().put("green", 50)));

    HttpResponse<String> model = node.https().send("PUT", node.control() + "/models/sequence-input/versions/1",
        node.adminToken(), "application/octet-stream",
        Files.readAllBytes(TestNode.TEST_MODELS.resolve("sequence-input.onnx")));
    assertEquals(201, model.statusCode(), model.body());
    node.manage("PUT", "/endpoints/unservable", new JsonObject());
    node.manage("PUT", "/endpoints/unservable/deployments/broken", new JsonObject().put("model", "sequence-input:1"));
    awaitProvisioning("unservable", "broken", "Failed");
    unservableKey = node.keys("unservable").getString("primaryKey");
    Await.until("green routable at the gateway", DEADLINE, () -> {
      try {
        return node.https().get(node.scoring() + "/v2/models/credit/versions/green/ready", creditKey).statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    });

    // green gets a random half of credit's requests: score until one was mirrored and answered
    Await.until("a request of credit mirrored to green", DEADLINE, () -> {
      try {
        return score("credit", creditKey).statusCode() == 200
            && node.metricQuietly("inferbus_gateway_mirror_requests_total") > 0;
      } catch (Exception e) {
        return false;
      }
    });

    Path dir = Files.createDirectories(tmp.resolve("prometheus"));
    prometheus = PrometheusServer.start(PrometheusServer.configFor(node.ports().getInteger("management")), dir);
    prometheus.awaitTargetsUp(DEADLINE);
    // a first round creates the series; rates need a later increase that Prometheus sees too
    trafficSeenByPrometheus();
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void prometheusScrapesTheNodeAndAnswersTheExamplesP95Latency() throws Exception {
    JsonArray targets = prometheus.activeTargets();
    assertEquals(1, targets.size(), targets.encode());
    JsonObject target = targets.getJsonObject(0);
    assertEquals("http://127.0.0.1:" + node.ports().getInteger("management") + "/metrics", target.getString("scrapeUrl"));
    assertEquals("inferbus", target.getJsonObject("labels").getString("job"));

    trafficSeenByPrometheus();
    String p95 = "histogram_quantile(0.95, sum by (le) (rate(inferbus_gateway_request_duration_seconds_bucket"
        + "{endpoint=\"credit\",deployment=\"blue\"}[1m])))";
    double[] seconds = {Double.NaN};
    await("a finite p95 of credit/blue", () -> {
      try {
        seconds[0] = valueOf(p95);
      } catch (Exception e) {
        throw new AssertionError(p95, e);
      }
      return Double.isFinite(seconds[0]);
    }, () -> String.valueOf(seconds[0]));
    // the example answers in milliseconds; its request timeout is 5 s
    assertTrue(seconds[0] > 0 && seconds[0] < 5, "p95 of credit/blue in seconds: " + seconds[0]);
    System.out.println("p95 of credit/blue from Prometheus: " + seconds[0] + " s");
  }

  @Test
  void everyMetricTheDashboardReadsIsOnTheNodesMetricsPage() throws Exception {
    List<Query> queries = MonitoringExample.dashboardQueries();
    assertTrue(queries.size() >= 20, "dashboard targets and variables: " + queries);
    assertExported(queries);
  }

  @Test
  void everyMetricTheAlertsReadIsOnTheNodesMetricsPage() throws Exception {
    List<Query> queries = MonitoringExample.alertQueries();
    assertEquals(5, queries.size(), queries.toString());
    assertExported(queries);
  }

  /**
   * Each panel target and variable query as Grafana sends it ("All" selected) is valid PromQL that
   * Prometheus evaluates, and each panel draws something: a metric name, a label matcher or a label
   * in an aggregation that the node does not have leaves a panel empty.
   */
  @Test
  void everyDashboardQueryShowsDataInPrometheus() throws Exception {
    trafficSeenByPrometheus();
    List<Query> queries = MonitoringExample.dashboardQueries();
    Map<String, String> empty = new TreeMap<>();
    await("every dashboard query to show data", () -> {
      empty.clear();
      for (Query q : queries) {
        try {
          JsonArray result = prometheus.query(q.asGrafanaSendsIt("1m"));
          if (result.isEmpty()) {
            empty.put(q.where(), q.expr());
          }
        } catch (Exception e) {
          empty.put(q.where(), e.getMessage());
        }
      }
      return empty.isEmpty();
    }, () -> "no data from " + empty);
  }

  /**
   * The alert rules against the node's real series: the failed deployment, and only it, has no Ready
   * instance, fewer instances than desired, and answers 5xx; the example endpoint alerts nothing (of
   * these; its latency is left out). Every rule evaluates without error.
   */
  @Test
  void theAlertsSingleOutTheDeploymentThatCannotServeAndNothingElse() throws Exception {
    trafficSeenByPrometheus();
    List<String> expected = List.of("InferbusDeploymentInstancesBelowDesired unservable/broken",
        "InferbusDeploymentNoReadyInstance unservable/broken", "InferbusHighErrorRate unservable/broken");
    List<String> active = new ArrayList<>();
    await("the alerts of unservable/broken, and only them, pending", () -> {
      active.clear();
      try {
        for (Object a : prometheus.alerts()) {
          JsonObject labels = ((JsonObject) a).getJsonObject("labels");
          active.add(labels.getString("alertname") + " " + labels.getString("endpoint") + "/"
              + labels.getString("deployment"));
        }
      } catch (Exception e) {
        active.add(e.toString());
      }
      // latency is not this test's to control on a shared machine: a slow start can make p95 > 1 s
      active.removeIf(a -> a.startsWith("InferbusHighLatencyP95 "));
      active.sort(null);
      return active.equals(expected);
    }, () -> "alerts pending or firing: " + active + ", expected " + expected);

    for (Object group : prometheus.ruleGroups()) {
      for (Object rule : ((JsonObject) group).getJsonArray("rules")) {
        JsonObject r = (JsonObject) rule;
        assertEquals("ok", r.getString("health"), () -> r.getString("name") + ": " + r.getString("lastError"));
      }
    }
  }

  /** Each metric name the queries read is a sample name on the node's /metrics page, as written. */
  private static void assertExported(List<Query> queries) throws Exception {
    trafficSeenByPrometheus();
    Set<String> exported = sampleNames(metricsPage());
    Map<String, Set<String>> missing = new TreeMap<>();
    int names = 0;
    for (Query q : queries) {
      for (String name : PromQl.metricNames(q.expr())) {
        names++;
        if (!exported.contains(name) && !MADE_BY_PROMETHEUS.contains(name)) {
          missing.computeIfAbsent(name, n -> new TreeSet<>()).add(q.where());
        }
      }
    }
    assertTrue(names >= queries.size(), "every query reads a metric: " + queries);
    if (!missing.isEmpty()) {
      StringBuilder message = new StringBuilder("not on the node's /metrics page:");
      missing.forEach((name, where) -> {
        message.append("\n  ").append(name).append(" (").append(String.join(", ", where)).append(')');
        String base = name.replaceFirst("_bucket$", "");
        if (!base.equals(name) && exported.contains(base + "_count")) {
          message.append(": the node exports ").append(base).append(" without buckets (a summary, not a histogram)");
        }
      });
      fail(message.toString());
    }
  }

  /** The names of the samples on a Prometheus text page ({@code name{labels} value} or {@code name value}). */
  static Set<String> sampleNames(String page) {
    Set<String> names = new TreeSet<>();
    for (String line : page.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  private static String metricsPage() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + node.ports().getInteger("management") + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  /**
   * One round of every kind of traffic (answers of credit, half of them mirrored to green, a wrong
   * key, 503s from unservable), then waits until Prometheus scraped all of it: its rates over the
   * last minute then count this round.
   */
  static void trafficSeenByPrometheus() throws Exception {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = score("credit", creditKey);
      assertEquals(200, r.statusCode(), r.body());
    }
    HttpResponse<String> wrongKey = score("credit", "not-the-key");
    assertEquals(401, wrongKey.statusCode(), wrongKey.body());
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = score("unservable", unservableKey, "azureml-model-deployment", "broken");
      assertEquals(503, r.statusCode(), r.body());
    }
    double[] seen = {Double.NaN, Double.NaN};
    await("Prometheus to have scraped " + sent + " scoring requests and a mirrored one", () -> {
      try {
        seen[0] = valueOf("sum(inferbus_gateway_requests_total)");
        seen[1] = valueOf("sum(inferbus_gateway_mirror_requests_total)");
      } catch (Exception e) {
        return false;
      }
      return seen[0] >= sent && seen[1] > 0;
    }, () -> "requests " + seen[0] + ", mirrored " + seen[1]);
  }

  private static HttpResponse<String> score(String endpoint, String key, String... headers) throws Exception {
    sent++; // every scoring request the gateway answers is counted, refusals included
    return node.https().send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
        endpoint.equals("credit") ? sample : "{\"input_data\": [[1]]}".getBytes(StandardCharsets.UTF_8), headers);
  }

  /** The single value of an instant query; NaN when its result is empty. */
  private static double valueOf(String promql) throws Exception {
    JsonArray result = prometheus.query(promql);
    if (result.isEmpty()) {
      return Double.NaN;
    }
    assertEquals(1, result.size(), promql + " gave " + result.encode());
    return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }

  private static void awaitProvisioning(String endpoint, String deployment, String state) {
    String[] last = {null};
    await(endpoint + "/" + deployment + " " + state, () -> {
      try {
        last[0] = node.manage("GET", "/endpoints/" + endpoint + "/deployments/" + deployment, null)
            .getString("provisioning_state");
      } catch (Exception e) {
        last[0] = e.toString();
      }
      return state.equals(last[0]);
    }, () -> "provisioning_state " + last[0]);
  }

  /** {@link Await#until} with {@link #DEADLINE}, saying what was last seen when it times out. */
  private static void await(String what, BooleanSupplier condition, Supplier<String> lastSeen) {
    try {
      Await.until(what, DEADLINE, condition);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last seen: " + lastSeen.get(), e);
    }
  }
}
