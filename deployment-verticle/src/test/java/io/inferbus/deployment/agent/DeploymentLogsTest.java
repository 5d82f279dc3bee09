package io.inferbus.deployment.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
