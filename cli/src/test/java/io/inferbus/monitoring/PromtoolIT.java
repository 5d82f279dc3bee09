package io.inferbus.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.monitoring.PrometheusTools.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * examples/monitoring as Prometheus' own checker reads it: the configurations (the one for
 * {@code ./inferbus start} and docker-compose.yml's, each with the rule file it loads) are valid, the
 * rules are valid, and the alerts fire on the synthetic series of alerts.test.yml, and only there.
 */
class PromtoolIT {
  @ParameterizedTest
  @ValueSource(strings = {"prometheus.yml", "prometheus-compose.yml"})
  void theExampleConfigurationIsValidAndLoadsTheAlertRules(String config) throws Exception {
    Run run = PrometheusTools.promtool(MonitoringExample.DIR, "check", "config", config);
    assertEquals(0, run.exit(), run::toString);
    assertTrue(run.output().contains("SUCCESS: 1 rule files found"), run::toString);
  }

  @Test
  void theAlertRulesAreValid() throws Exception {
    Run run = PrometheusTools.promtool(MonitoringExample.DIR, "check", "rules", "alerts.yml");
    assertEquals(0, run.exit(), run::toString);
    assertTrue(run.output().contains("SUCCESS: 5 rules found"), run::toString);
  }

  @Test
  void theAlertsFireOnTheirUnitTestsSeriesAndOnlyThere() throws Exception {
    Run run = PrometheusTools.promtool(MonitoringExample.DIR, "test", "rules", "alerts.test.yml");
    assertEquals(0, run.exit(), run::toString);
    assertTrue(run.output().contains("SUCCESS"), run::toString);
  }
}
