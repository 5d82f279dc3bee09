package io.inferbus.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.testing.Await;
import io.inferbus.testing.Cli;
import io.inferbus.testing.EmbeddedNodeTest;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The web console in a real headless Chromium against a whole node (the example endpoint
 * {@code credit}, plus a second deployment {@code green} at 0 %): signing in, the endpoint with its
 * traffic, a change to 90/10 that shows in the history and at the gateway, a one-click rollback, a
 * test request, a reader who is offered no change and whose forged change is refused, a change made
 * with the CLI showing within two seconds, every page at 1280 px and at a phone's width, no
 * Content-Security-Policy violation and no request to another host. It saves a picture of each
 * page under target/console-screenshots and reports the endpoint page's weight and load time.
 *
 * <p>An IT (after the package phase) because it runs the built {@code ./inferbus} for the CLI change.
 */
class ConsoleBrowserIT extends EmbeddedNodeTest {
  static final String ENDPOINT = "credit";
  static Browser browser;
  static String admin;
  static String key;
  static Cli cli;
  static String sample;

  @BeforeAll
  static void start() throws Exception {
    Browser.assumeInstalled();
    admin = node.adminToken();
    key = node.primaryKey(ENDPOINT);
    sample = Files.readString(TestNode.EXAMPLE.resolve("sample-request.json"));
    cli = Cli.of(dataDir.resolve("client.json"));
    node.awaitReady(ENDPOINT, key);
    // green: the example's model again, at 0 % until a test moves traffic to it
    HttpResponse<String> put = node.https.json("PUT", node.control() + "/endpoints/credit/deployments/green", admin,
        new JsonObject().put("model", "german-credit-bad-risk:1").put("instance_count", 1));
    assertEquals(201, put.statusCode(), put.body());
    Await.until("green Succeeded", Duration.ofSeconds(60), () -> Await.holds(() ->
        "Succeeded".equals(get("/endpoints/credit/deployments/green").getString("provisioning_state"))));
    browser = Browser.open(node.control());
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
  }

  /** The policy blocks anything inline or from elsewhere, and the browser says so in its console. */
  @AfterEach
  void noPolicyViolationsOrScriptErrors() {
    if (browser == null) {
      return;
    }
    List<String> bad = new ArrayList<>();
    for (String m : browser.consoleMessages()) {
      if (m.contains("Content Security Policy") || m.contains("Uncaught") || m.contains("SyntaxError")) {
        bad.add(m);
      }
    }
    assertTrue(bad.isEmpty(), "the browser's console: " + bad);
    Object hosts = browser.js("return [...new Set(performance.getEntriesByType('resource').map(r => new URL(r.name).host))]"
        + ".filter(h => h !== location.host)");
    assertEquals(List.of(), hosts, "requests to other hosts");
  }

  static JsonObject get(String path) throws Exception {
    HttpResponse<String> r = node.https.get(node.control() + path, admin);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return new JsonObject(r.body());
  }

  static void setTraffic(int blue, int green) throws Exception {
    HttpResponse<String> r = node.https.json("PATCH", node.control() + "/endpoints/credit", admin, new JsonObject()
        .put("traffic", new JsonObject().put("blue", blue).put("green", green)));
    assertEquals(200, r.statusCode(), r.body());
  }

  static String servedBy() throws Exception {
    HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/credit/score", key,
        "application/json", sample.getBytes());
    assertEquals(200, r.statusCode(), r.body());
    return r.headers().firstValue("azureml-model-deployment").orElseThrow();
  }

  // ------------------------------------------------------------------ signing in, the endpoints

  @Test
  void aPastedTokenSignsInAndTheExampleEndpointShowsWithItsTraffic() throws Exception {
    setTraffic(100, 0);
    browser.driver.get(browser.base + "/ui");
    browser.js("sessionStorage.clear(); location.reload()");
    browser.await("signin-token");
    browser.screenshot("01-sign-in");
    browser.type("signin-token", admin);
    browser.click("signin-submit");
    browser.awaitText("endpoint-row-credit", "credit");
    browser.awaitText("traffic-bar-credit", "blue 100 %");
    assertTrue(browser.textOf("endpoint-row-credit").contains("key"));
    assertTrue(browser.textOf("endpoint-row-credit").contains("Succeeded"));
    assertEquals("admin", browser.textOf("who-role"));
    browser.screenshot("02-endpoints");

    browser.type("endpoint-search", "zzz");
    browser.await("endpoints-table-empty");
    browser.type("endpoint-search", "cre");
    browser.await("endpoint-row-credit");
  }

  @Test
  void aTokenInTheFragmentSignsInAndLeavesNoTraceInTheAddress() {
    browser.signIn(admin);
    assertFalse(browser.driver.getCurrentUrl().contains(admin.substring(0, 20)));
    assertFalse((Boolean) browser.js("return history.length > 0 && location.href.includes('token=')"));
    browser.await("endpoint-row-credit");
  }

  @Test
  void aWrongTokenIsRefusedWithTheServersReason() {
    browser.driver.get(browser.base + "/ui/#token=not.a.token");
    browser.awaitText("signin-error", "401");
    browser.signIn(admin);
  }

  // ------------------------------------------------------------------ traffic and rollback

  @Test
  void trafficChangedTo90And10IsANewRevisionInTheHistoryAndAtTheGateway() throws Exception {
    setTraffic(100, 0);
    long before = get("/endpoints/credit").getLong("traffic_revision");
    browser.signIn(admin);
    browser.go("/endpoints/credit/traffic");
    browser.awaitText("revision-" + before, "current");
    assertEquals("100", browser.await("weight-blue").getDomProperty("value"));
    browser.type("weight-blue", "80");
    browser.awaitText("traffic-problem", "sum to 80 %");
    assertFalse(browser.await("traffic-apply").isEnabled(), "no apply while the weights do not sum to 100");
    browser.type("weight-blue", "90");
    browser.type("weight-green", "10");
    browser.awaitText("traffic-sum", "100 %");
    browser.click("traffic-apply");

    WebElement diff = browser.await("traffic-diff");
    assertTrue(diff.getText().contains("blue 100 % 90 %"), diff.getText());
    assertTrue(diff.getText().contains("green 0 % 10 %"), diff.getText());
    browser.screenshot("05-traffic-confirm");
    browser.click("confirm-traffic-ok");

    long after = before + 1;
    browser.awaitText("revision-" + after, "blue 90 %");
    browser.awaitText("revision-" + after, "green 10 %");
    browser.awaitText("revision-" + after, "current");
    browser.awaitText("traffic-revision", "traffic revision " + after);
    JsonObject shown = get("/endpoints/credit");
    assertEquals(after, shown.getLong("traffic_revision"));
    assertEquals(new JsonObject().put("blue", 90).put("green", 10), shown.getJsonObject("traffic"));
    browser.screenshot("06-traffic-history");
    // at the gateway: green answers some (at 10 %, none in 300 would be a chance of 2e-14)
    int[] sent = {0};
    Await.until("a green answer at the gateway", Duration.ofSeconds(60), () -> Await.holds(() ->
        ++sent[0] <= 300 && "green".equals(servedBy())));
  }

  @Test
  void oneClickRollsBackToAnEarlierRevision() throws Exception {
    setTraffic(100, 0);
    long hundred = get("/endpoints/credit").getLong("traffic_revision");
    setTraffic(50, 50);
    long fifty = hundred + 1;
    browser.signIn(admin);
    browser.go("/endpoints/credit/traffic");
    browser.awaitText("revision-" + fifty, "current");
    browser.click("rollback-" + hundred);

    long rolledBack = fifty + 1;
    browser.awaitText("revision-" + rolledBack, "rollback to " + hundred);
    browser.awaitText("revision-" + rolledBack, "blue 100 %");
    browser.awaitText("toasts", "Rolled back to revision " + hundred);
    JsonObject shown = get("/endpoints/credit");
    assertEquals(rolledBack, shown.getLong("traffic_revision"));
    assertEquals(100, shown.getJsonObject("traffic").getInteger("blue"));
    JsonArray history = get("/endpoints/credit/traffic/history").getJsonArray("value");
    assertEquals(hundred, history.getJsonObject(history.size() - 1).getLong("rolled_back_to"));
    // the gateway follows: 20 blue answers in a row (a chance of 1e-6 while it still routes 50/50)
    int[] run = {0};
    Await.until("20 blue answers in a row", Duration.ofSeconds(30), () -> Await.holds(() -> {
      run[0] = "blue".equals(servedBy()) ? run[0] + 1 : 0;
      return run[0] >= 20;
    }));
  }

  // ------------------------------------------------------------------ the test tab, the charts

  @Test
  void aTestRequestShowsTheAnswerItsStatusAndTime() throws Exception {
    browser.signIn(admin);
    browser.go("/endpoints/credit/test");
    WebElement body = browser.await("test-body");
    browser.waiting(Browser.WAIT).until(d -> body.getDomProperty("value").contains("input_data"));
    assertTrue(body.getDomProperty("value").contains("[\n    [\n      0,"), "the signature's template: "
        + body.getDomProperty("value"));
    new org.openqa.selenium.support.ui.Select(browser.await("test-deployment")).selectByValue("green");
    browser.click("test-send");
    browser.awaitText("test-status", "200");
    browser.awaitText("test-served-by", "green");
    assertTrue(browser.textOf("test-answer").contains("probabilities"), browser.textOf("test-answer"));
    assertTrue(browser.textOf("test-time").endsWith("ms"), browser.textOf("test-time"));
    browser.screenshot("07-test-request");

    // a body the user cleared stays cleared while the page refreshes (it was filled again with the
    // template, and what was typed next went after it)
    body.clear();
    long refreshes = refreshes();
    browser.waiting(Browser.WAIT).until(d -> refreshes() >= refreshes + 2);
    assertEquals("", body.getDomProperty("value"));
    body.sendKeys("{\"input_data\": [[1, 2]]}");
    browser.click("test-send");
    browser.awaitText("test-status", "400");
    assertTrue(browser.textOf("test-answer").contains("features"), browser.textOf("test-answer"));
  }

  /** How many times the page has refreshed its data (app.js marks each). */
  private long refreshes() {
    return ((Number) browser.js("const m = performance.getEntriesByName('inferbus:page-refreshed'); return m.length ? m[0].detail : 0")).longValue();
  }

  @Test
  void aChartShowsDataAfterScoring() throws Exception {
    for (int i = 0; i < 20; i++) {
      servedBy();
    }
    browser.signIn(admin);
    browser.go("/endpoints/credit/charts");
    browser.waiting(Duration.ofSeconds(30)).until(d -> {
      String points = browser.await("chart-requests").getDomAttribute("data-points");
      return points != null && Integer.parseInt(points) > 0;
    });
    assertFalse(browser.driver.findElements(By.cssSelector("[data-test='chart-requests'] canvas")).isEmpty());
    browser.awaitText("tile-blue", "requests");
    browser.screenshot("08-charts");
  }

  /**
   * The statistics routes' documented answers, put in the page's way (its fetch answers them) so
   * that the drawing is checked against the contract whether or not this node gathers statistics:
   * the list's rate, error share and p95, and the charts tab's tiles and uPlot charts.
   */
  @Test
  void theStatisticsContractIsDrawn() throws Exception {
    long now = System.currentTimeMillis() / 10_000 * 10_000;
    JsonArray blueSeries = new JsonArray();
    JsonArray greenSeries = new JsonArray();
    for (int i = 14; i >= 0; i--) {
      String t = Instant.ofEpochMilli(now - i * 10_000L).toString(); // steps as the docs show them
      blueSeries.add(new JsonObject().put("t", t).put("requests", 100 + i).put("errors", new JsonObject().put("500", i % 3))
          .put("p50_ms", 2.5).put("p95_ms", 7.0 + i).put("p99_ms", 12.0 + i));
      greenSeries.add(new JsonObject().put("t", t).put("requests", i % 2 == 0 ? 10 : 0)
          .put("errors", new JsonObject().put("429", i % 2)).putNull("p50_ms").putNull("p95_ms").putNull("p99_ms"));
    }
    JsonObject blue = new JsonObject().put("requests", 1605).put("mirrored_requests", 0)
        .put("errors", new JsonObject().put("500", 14)).put("error_rate", 0.0087).put("p50_ms", 2.5).put("p95_ms", 14.0)
        .put("p99_ms", 20.0).put("series", blueSeries);
    JsonObject green = new JsonObject().put("requests", 80).put("mirrored_requests", 12)
        .put("errors", new JsonObject().put("429", 7)).put("error_rate", 0.0875).putNull("p50_ms").putNull("p95_ms")
        .putNull("p99_ms").put("series", greenSeries);
    JsonObject metrics = new JsonObject().put("endpoint", "credit").put("minutes", 15).put("step_seconds", 10)
        .put("from", Instant.ofEpochMilli(now - 14 * 10_000L).toString())
        .put("to", Instant.ofEpochMilli(now + 10_000).toString())
        .put("deployments", new JsonObject().put("blue", blue).put("green", green)).put("total", blue)
        .put("gateways", new JsonArray().add("n1")).put("missing_gateways", new JsonArray());
    JsonObject list = new JsonObject().put("minutes", 5).put("value", new JsonArray().add(new JsonObject()
        .put("endpoint", "credit").put("requests", 600).put("requests_per_second", 2.0).put("error_rate", 0.005)
        .put("p95_ms", 14.0))).put("missing_gateways", new JsonArray());

    browser.signIn(admin);
    browser.js("const answers = {'/endpoints/credit/metrics': arguments[0], '/metrics/endpoints': arguments[1]};"
        + "const real = window.fetch;"
        + "window.fetch = (url, options) => { const a = answers[new URL(url, location.href).pathname];"
        + " return a ? Promise.resolve(new Response(a, {status: 200, headers: {'content-type': 'application/json'}}))"
        + " : real(url, options); };", metrics.encode(), list.encode());
    browser.awaitText("endpoint-row-credit", "2.00");
    assertTrue(browser.textOf("endpoint-row-credit").contains("0.50 %"), browser.textOf("endpoint-row-credit"));
    assertTrue(browser.textOf("endpoint-row-credit").contains("14 ms"), browser.textOf("endpoint-row-credit"));
    assertTrue(browser.textOf("stats-note").contains("last 5 minutes"));

    browser.js("location.hash = '#/endpoints/credit/charts'");
    // blue has requests in all 15 steps, green in 8
    browser.waiting(Browser.WAIT).until(d -> "23".equals(browser.await("chart-requests").getDomAttribute("data-points")));
    for (String chart : List.of("chart-requests", "chart-errors", "chart-latency-blue", "chart-latency-green")) {
      assertFalse(browser.driver.findElements(By.cssSelector("[data-test='" + chart + "'] canvas")).isEmpty(), chart);
    }
    browser.awaitText("tile-blue", "1,605");
    assertTrue(browser.textOf("tile-green").contains("12 mirrored"), browser.textOf("tile-green"));
    assertTrue(browser.textOf("chart-errors").contains("500") && browser.textOf("chart-errors").contains("429"),
        "a series per status code: " + browser.textOf("chart-errors"));
    browser.screenshot("08-charts-of-the-contract");
  }

  /** Until the control plane gathers statistics (GET /endpoints/{e}/metrics), the tab says there are none. */
  @Test
  void theChartsTabDrawsStatisticsOrSaysThereAreNone() throws Exception {
    browser.signIn(admin);
    browser.go("/endpoints/credit/charts");
    browser.await("charts-note");
    browser.waiting(Browser.WAIT).until(d -> browser.textOf("charts-note").contains("No statistics yet")
        || browser.textOf("charts-note").startsWith("Step "));
    if (browser.textOf("charts-note").startsWith("Step ")) {
      browser.await("chart-requests");
    } else {
      browser.screenshot("08-charts");
    }
  }

  // ------------------------------------------------------------------ roles

  @Test
  void aReaderIsOfferedNoChangeAndAForgedChangeIsRefused() throws Exception {
    setTraffic(100, 0);
    String reader = node.token("viewer", OperatorRole.READER);
    browser.signIn(reader);
    browser.awaitText("who-role", "reader");
    browser.await("endpoint-row-credit");
    // each page, and what shows once it has its data: a note in place of the controls
    Map<String, String> pages = Map.of("/endpoints/credit", "deployments-table", "/endpoints/credit/traffic",
        "needs-operator", "/endpoints/credit/keys", "needs-admin", "/endpoints/credit/test", "needs-operator",
        "/endpoints/credit/deployments/blue", "needs-operator");
    for (Map.Entry<String, String> page : pages.entrySet()) {
      browser.go(page.getKey());
      browser.await(page.getValue());
      browser.await(page.getKey().contains("deployments/") ? "instances-table" : "traffic-current");
      for (String change : List.of("traffic-apply", "rollback-", "weight-", "mirror-", "keys-show", "key-regenerate-",
          "token-get", "test-send", "scale-apply", "scale-count")) {
        assertTrue(browser.startingWith(change).isEmpty(), page.getKey() + " offers " + change + " to a reader");
      }
    }
    browser.go("/endpoints/credit/traffic");
    browser.await("history-table");
    browser.screenshot("09-reader-traffic");

    // the same calls the buttons would make, forged in the page with the reader's token
    String forge = "const done = arguments[arguments.length - 1];"
        + "fetch(arguments[0], {method: arguments[1], headers: {Authorization: 'Bearer ' + sessionStorage.getItem('inferbus.token'),"
        + " 'Content-Type': 'application/json'}, body: arguments[2]})"
        + ".then(r => r.json().then(j => done([r.status, j.error.code])), e => done([0, String(e)]));";
    Map<String, String[]> forged = Map.of(
        "traffic", new String[] {"/endpoints/credit", "PATCH", "{\"traffic\": {\"blue\": 0, \"green\": 100}}"},
        "rollback", new String[] {"/endpoints/credit/traffic/rollback", "POST", "{}"},
        "scale", new String[] {"/endpoints/credit/deployments/blue", "PATCH", "{\"instance_count\": 3}"},
        "keys", new String[] {"/endpoints/credit/keys/regenerate", "POST", "{\"key_type\": \"secondary\"}"},
        "test", new String[] {"/endpoints/credit/test", "POST", sample});
    for (Map.Entry<String, String[]> f : forged.entrySet()) {
      Object answer = browser.jsAsync(forge, (Object[]) f.getValue());
      assertEquals(List.of(403L, "Forbidden"), answer, f.getKey());
    }
    JsonObject credit = get("/endpoints/credit");
    assertEquals(100, credit.getJsonObject("traffic").getInteger("blue"), "nothing changed");
    assertEquals(1, get("/endpoints/credit/deployments/blue").getInteger("instance_count"));
  }

  // ------------------------------------------------------------------ a change from elsewhere

  @Test
  void aChangeMadeWithTheCliShowsWithinTwoSeconds() throws Exception {
    setTraffic(100, 0);
    browser.signIn(admin);
    browser.go("/endpoints/credit");
    browser.awaitText("traffic-current", "blue 100 %");
    cli.run("online-endpoint", "update", "--name", "credit", "--traffic", "blue=70 green=30").ok();
    long acknowledged = System.nanoTime();
    long revision = get("/endpoints/credit").getLong("traffic_revision");
    browser.waiting(Duration.ofMillis(2000)).withMessage(() -> "the page shows revision " + revision + " within 2 s")
        .until(d -> browser.textOf("traffic-revision").equals("traffic revision " + revision)
            && browser.textOf("traffic-current").contains("blue 70 %"));
    long shownMs = (System.nanoTime() - acknowledged) / 1_000_000;
    System.out.println("console: a CLI traffic change showed on the endpoint page " + shownMs
        + " ms after the CLI returned");
    browser.screenshot("04-endpoint-after-cli-change");
    setTraffic(100, 0);
  }

  @Test
  void theLinkInferbusConsolePrintsSignsInOnce() throws Exception {
    String printed = cli.run("console", "--no-browser").ok().stdout();
    Matcher link = Pattern.compile("https://\\S+/ui/#code=\\S+").matcher(printed);
    assertTrue(link.find(), printed);
    browser.driver.get(browser.base + "/ui/"); // sessionStorage is the console's origin's, not about:blank's
    browser.js("sessionStorage.clear()");
    browser.driver.get("about:blank");
    browser.driver.get(link.group());
    browser.await("endpoint-row-credit");
    assertFalse(browser.driver.getCurrentUrl().contains("code="), "the code leaves the address bar");
    assertEquals("admin", browser.textOf("who-role"));
    browser.js("sessionStorage.clear()");
    browser.driver.get("about:blank");
    browser.driver.get(link.group());
    browser.awaitText("signin-error", "The sign-in link was not accepted"); // once only
    browser.signIn(admin);
  }

  // ------------------------------------------------------------------ the other pages

  @Test
  void theEndpointPageShowsHowToCallItAndItsDeployments() throws Exception {
    browser.signIn(admin);
    browser.go("/endpoints/credit");
    String scoring = get("/endpoints/credit").getString("scoring_uri");
    browser.awaitText("copy-scoring-uri-text", scoring);
    assertTrue(browser.textOf("copy-curl-text").contains(scoring));
    assertTrue(browser.textOf("copy-cli-text").contains("inferbus online-endpoint invoke --name credit"));
    assertEquals("public network access", browser.textOf("network-access"), "the endpoint's network access");
    browser.awaitText("deployment-row-blue", "1 / 1");
    assertTrue(browser.textOf("deployment-row-blue").contains("german-credit-bad-risk:1"));
    assertTrue(browser.textOf("deployment-row-green").contains("Succeeded"));
    browser.screenshot("03-endpoint");
  }

  @Test
  void theDeploymentPageShowsItsInstancesLogsAndScales() throws Exception {
    browser.signIn(admin);
    browser.go("/endpoints/credit/deployments/green");
    browser.awaitText("ready-count", "1 of 1 ready");
    browser.awaitText("instances-table", "Ready");
    browser.awaitText("logs", "ready on");
    browser.screenshot("10-deployment");

    browser.type("scale-count", "2");
    browser.click("scale-apply");
    browser.waiting(Duration.ofSeconds(60)).until(d -> browser.textOf("ready-count").equals("2 of 2 ready"));
    assertEquals(2, get("/endpoints/credit/deployments/green").getInteger("instance_count"));
    browser.type("scale-count", "1");
    browser.click("scale-apply");
    browser.waiting(Duration.ofSeconds(60)).until(d -> browser.textOf("ready-count").equals("1 of 1 ready"));
  }

  @Test
  void anAdminSeesCopiesAndRegeneratesKeys() throws Exception {
    browser.signIn(admin);
    browser.go("/endpoints/credit/keys");
    browser.click("keys-show");
    String masked = browser.await("key-primary-text").getText();
    assertFalse(masked.contains(key.substring(0, 8)), "shown only on request");
    browser.click("key-reveal-primary");
    browser.awaitText("key-primary-text", key);
    browser.screenshot("11-keys");

    String secondary = node.https.json("POST", node.control() + "/endpoints/credit/keys", admin, null).body();
    browser.click("key-regenerate-secondary");
    browser.await("confirm-regenerate");
    browser.click("confirm-regenerate-ok");
    browser.awaitText("toasts", "secondary key of credit is new");
    assertFalse(node.https.json("POST", node.control() + "/endpoints/credit/keys", admin, null).body()
        .contains(new JsonObject(secondary).getString("secondaryKey")));
    assertEquals(key, node.primaryKey("credit"), "the primary key stays");
  }

  @Test
  void modelsNodesAndTheAuditLogShowWhatTheApiHas() throws Exception {
    browser.signIn(admin);
    browser.go("/models");
    String sha = get("/models/german-credit-bad-risk/versions/1").getString("sha256");
    WebElement model = browser.await("model-row-german-credit-bad-risk-1");
    assertTrue(model.getText().contains("features FP32 [-1, 7]"), model.getText());
    assertTrue(model.findElement(By.cssSelector("[title='" + sha + "']")).getText().startsWith(sha.substring(0, 12)));
    browser.screenshot("12-models");

    browser.go("/nodes");
    JsonObject member = get("/nodes").getJsonArray("value").getJsonObject(0);
    String row = "node-" + member.getString("name");
    browser.awaitText(row, "gateway, deployment, control-plane");
    assertTrue(browser.textOf(row).contains(member.getString("node_id")));
    assertTrue(browser.textOf(row).contains("up "));
    browser.screenshot("13-nodes");

    setTraffic(100, 0);
    browser.go("/audit");
    browser.awaitText("audit-list", "endpoint.traffic");
    new org.openqa.selenium.support.ui.Select(browser.await("audit-endpoint")).selectByValue("credit");
    new org.openqa.selenium.support.ui.Select(browser.await("audit-actor")).selectByValue("inferbus");
    browser.waiting(Browser.WAIT).until(d -> browser.startingWith("audit-row").stream()
        .allMatch(r -> r.getText().contains("inferbus") && r.getText().contains("credit")));
    assertTrue(browser.textOf("audit-list").contains("endpoint.create"));
    browser.screenshot("14-audit");
  }

  // ------------------------------------------------------------------ layout, keyboard, weight

  @Test
  void everyPageFitsAPhonesWidth() throws Exception {
    browser.signIn(admin);
    browser.resize(390, 844);
    try {
      for (String[] page : new String[][] {{"/endpoints", "endpoint-row-credit", "15-phone-endpoints"},
          {"/endpoints/credit", "deployments-table", "16-phone-endpoint"},
          {"/endpoints/credit/traffic", "history-table", "17-phone-traffic"},
          {"/models", "models-table", null}, {"/nodes", "nodes-table", null}, {"/audit", "audit-table", null}}) {
        browser.go(page[0]);
        browser.await(page[1]);
        Number overflow = (Number) browser.js(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assertTrue(overflow.intValue() <= 0, page[0] + " is wider than the phone by " + overflow + " px");
        if (page[2] != null) {
          browser.screenshot(page[2]);
        }
      }
    } finally {
      browser.resize(1280, 900);
    }
  }

  @Test
  void everyControlHasANameAndTheKeyboardReachesTheTrafficForm() {
    browser.signIn(admin);
    browser.go("/endpoints/credit/traffic");
    browser.await("weight-blue");
    Object unnamed = browser.js("return [...document.querySelectorAll('input, select, textarea, button, a[href]')]"
        + ".filter(e => e.offsetParent !== null)"
        + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
        + ".map(e => e.outerHTML)");
    assertEquals(List.of(), unnamed, "controls without a name");
    browser.js("document.activeElement.blur(); document.querySelector('.brand').focus()");
    WebElement weight = browser.driver.findElement(Browser.test("weight-blue"));
    for (int i = 0; i < 40 && !weight.equals(browser.driver.switchTo().activeElement()); i++) {
      browser.driver.switchTo().activeElement().sendKeys(Keys.TAB);
    }
    assertEquals(weight, browser.driver.switchTo().activeElement(), "Tab reaches the first weight");
    Object outline = browser.js("return getComputedStyle(document.activeElement).outlineStyle");
    assertNotNull(outline);
    assertFalse("none".equals(outline), "the focused control shows it");
  }

  /** A cold load of the endpoint page (no cache): what it transfers and when it shows its data. */
  @Test
  void theEndpointPageIsLightAndQuick() throws Exception {
    browser.signIn(admin);
    browser.driver.get("about:blank");
    browser.cdp("Network.enable", Map.of());
    browser.cdp("Network.setCacheDisabled", Map.of("cacheDisabled", true));
    try {
      browser.go("/endpoints/credit");
      browser.await("deployments-table");
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) browser.js(
          "const nav = performance.getEntriesByType('navigation')[0];"
          + "const res = performance.getEntriesByType('resource');"
          + "const shown = performance.getEntriesByName('inferbus:page-shown');"
          + "return {transfer: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),"
          + " body: nav.encodedBodySize + res.reduce((a, r) => a + r.encodedBodySize, 0),"
          + " decoded: nav.decodedBodySize + res.reduce((a, r) => a + r.decodedBodySize, 0),"
          + " requests: 1 + res.length, shown: shown.length ? Math.round(shown[0].startTime) : -1,"
          + " load: Math.round(nav.loadEventEnd), files: res.map(r => new URL(r.name).pathname + ' ' + r.transferSize)}");
      long transfer = ((Number) m.get("transfer")).longValue();
      long shown = ((Number) m.get("shown")).longValue();
      String report = "console endpoint page, cold (no cache): " + m.get("requests") + " requests, " + transfer
          + " bytes transferred (" + m.get("body") + " bytes of bodies, " + m.get("decoded") + " uncompressed); "
          + "load event at " + m.get("load") + " ms, data shown at " + shown + " ms\n  " + m.get("files");
      System.out.println(report);
      Files.writeString(Browser.SCREENSHOTS.resolve("endpoint-page-weight.txt"), report + "\n");
      assertTrue(transfer < 100 * 1024, "the endpoint page stays under 100 KiB: " + report);
      assertTrue(shown > 0 && shown < 3000, "the endpoint page shows its data within 3 s: " + report);
    } finally {
      browser.cdp("Network.setCacheDisabled", Map.of("cacheDisabled", false));
    }
  }
}
