package io.inferbus.deployment.agent;

import io.inferbus.protocol.delivery.LocalInstances;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;

/**
 * Configuration of a node's deployment role.
 *
 * @param nodeId this node's cluster id, published with each instance
 * @param modelCacheDir where verified model files are kept
 * @param cores CPU cores the node's models may use: the runner threads shared by its instances, and
 *     ONNX Runtime's intra-op threads divided among the instances
 * @param metrics where instances record requests, runs and batch sizes
 * @param logs where the node's logging keeps its instances' recent lines (served to the control plane)
 * @param accessLines whether instances write one access line per request into {@code logs}
 * @param local where instances register so that a gateway on this node reaches them without the event bus
 */
public record DeploymentNodeOptions(String nodeId, Path modelCacheDir, int cores, MeterRegistry metrics,
    DeploymentLogs logs, boolean accessLines, LocalInstances local) {

  /** Without a log feed (the logs route finds only access lines from this node), reached over the event bus only. */
  public DeploymentNodeOptions(String nodeId, Path modelCacheDir, int cores, MeterRegistry metrics) {
    this(nodeId, modelCacheDir, cores, metrics, new DeploymentLogs(), true, LocalInstances.NONE);
  }
}
