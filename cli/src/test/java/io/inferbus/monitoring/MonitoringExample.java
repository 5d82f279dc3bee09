package io.inferbus.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.inferbus.testing.Cli;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The files of examples/monitoring and the PromQL expressions in them. */
final class MonitoringExample {
  static final Path DIR = Cli.ROOT.resolve("examples/monitoring");
  static final Path PROMETHEUS_CONFIG = DIR.resolve("prometheus.yml");
  static final Path ALERTS = DIR.resolve("alerts.yml");
  static final Path ALERT_TESTS = DIR.resolve("alerts.test.yml");
  static final Path DASHBOARD = DIR.resolve("grafana-dashboard.json");

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\s*\\)");

  private MonitoringExample() {}

  /**
   * A PromQL expression and where it is: a panel's title and target, a templating variable, an alert.
   * {@code panel} is true for what a dashboard panel draws (it must show data when the node has traffic).
   */
  record Query(String where, String expr, boolean panel) {
    /** The expression as Grafana sends it with every endpoint and deployment selected ("All"). */
    String asGrafanaSendsIt(String rateInterval) {
      return expr.replace("$__rate_interval", rateInterval).replace("$endpoint", ".*").replace("$deployment", ".*");
    }
  }

  /** Every expression of the dashboard: each panel target, and the variables' label_values selectors. */
  static List<Query> dashboardQueries() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<Query> queries = new ArrayList<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(new Query("panel '" + panel.path("title").asText() + "' target " + target.path("refId").asText(),
            target.path("expr").asText(), true));
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        String definition = variable.path("definition").asText();
        Matcher m = LABEL_VALUES.matcher(definition);
        if (!m.matches()) {
          throw new AssertionError("variable " + variable.path("name") + " is not label_values(selector, label): " + definition);
        }
        // what Grafana asks Prometheus for: the label's values among the selector's series
        queries.add(new Query("variable " + variable.path("name").asText(),
            "count by (" + m.group(2) + ") (" + m.group(1) + ")", false));
      }
    }
    return queries;
  }

  /** The dashboard's panels, those inside collapsed rows included. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  /** Every alert rule's expression. */
  static List<Query> alertQueries() throws IOException {
    JsonNode rules = new YAMLMapper().readTree(ALERTS.toFile());
    List<Query> queries = new ArrayList<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.has("alert") ? "alert " + rule.path("alert").asText() : "rule " + rule.path("record").asText();
        queries.add(new Query(name, rule.path("expr").asText(), false));
      }
    }
    return queries;
  }
}
