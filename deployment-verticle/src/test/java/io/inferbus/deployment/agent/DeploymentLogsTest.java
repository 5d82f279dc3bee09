package io.inferbus.deployment.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.deployment.instance.AccessLog;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which log lines a deployment keeps: those naming one of its instances, whatever the names' case. */
class DeploymentLogsTest {
  @Test
  void keepsLinesNamingItsInstancesIncludingCapitalisedNames() {
    DeploymentLogs logs = new DeploymentLogs();
    logs.track("Credit.Blue-2.0a1b2c3d", "Credit/Blue-2");
    logs.track("fraud.green.deadbeef", "fraud/green");
    logs.offer(1, "INFO", "instance Credit.Blue-2.0a1b2c3d of Credit/Blue-2 (m:1) ready on inferbus.instance.x");
    logs.offer(2, "INFO", "instance fraud.green.deadbeef draining");
    logs.offer(3, "INFO", "instance other.blue.12345678 ready"); // not this node's
    logs.offer(4, "INFO", "no instance named here.");
    List<DeploymentLogs.Line> credit = logs.last("Credit/Blue-2", 10);
    assertEquals(1, credit.size());
    assertEquals("Credit.Blue-2.0a1b2c3d", credit.get(0).instance());
    assertEquals(1, logs.last("fraud/green", 10).size());
    logs.forget("fraud/green");
    assertEquals(List.of(), logs.last("fraud/green", 10));
  }

  /**
   * Access lines (one per request) are kept apart from the lifecycle lines, so a busy deployment's
   * requests never push "loaded", "ready" or "failed" out; a read merges both by time.
   */
  @Test
  void accessLinesNeverPushLifecycleLinesOut() {
    DeploymentLogs logs = new DeploymentLogs();
    logs.track("credit.blue.0a1b2c3d", "credit/blue");
    logs.offer(1, "INFO", "instance credit.blue.0a1b2c3d loaded the model in 10 ms");
    logs.offer(2, "INFO", "instance credit.blue.0a1b2c3d of credit/blue (m:1) ready on inferbus.instance.x");
    for (int i = 0; i < DeploymentLogs.LINES_PER_DEPLOYMENT + 5; i++) {
      logs.record(new AccessLog.Line(10 + i, "credit.blue.0a1b2c3d", "req-" + i, "4bf92f3577b34da6a3ce929d0e0e4736",
          false, 200, 50_000, 500_000, 1));
    }
    logs.record(new AccessLog.Line(5, "other.blue.12345678", "not-ours", null, false, 200, 0, 0, 1));
    List<DeploymentLogs.Line> last = logs.last("credit/blue", 3);
    assertEquals(3, last.size());
    assertEquals("request req-1004 200 queued 0.050 ms run 0.500 ms rows 1 trace 4bf92f3577b34da6a3ce929d0e0e4736",
        last.get(2).message());
    List<DeploymentLogs.Line> all = logs.last("credit/blue", 10_000);
    assertEquals(2 + DeploymentLogs.LINES_PER_DEPLOYMENT, all.size(), "both lifecycle lines and the newest access lines");
    assertEquals("instance credit.blue.0a1b2c3d loaded the model in 10 ms", all.get(0).message());
    assertEquals("request req-5 200 queued 0.050 ms run 0.500 ms rows 1 trace 4bf92f3577b34da6a3ce929d0e0e4736",
        all.get(2).message(), "the oldest access lines went first");
  }
}
