package io.inferbus.deployment.agent;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;

/**
 * Configuration of a node's deployment role.
 *
 * @param nodeId this node's cluster id, published with each instance
 * @param modelCacheDir where verified model files are kept
 * @param cores CPU cores ONNX Runtime may use on this node, shared among its instances
 * @param metrics where instances record requests, runs and batch sizes
 * @param logs where the node's logging keeps its instances' recent lines (served to the control plane)
 * @param accessLines whether instances write one access line per request into {@code logs}
 */
public record DeploymentNodeOptions(String nodeId, Path modelCacheDir, int cores, MeterRegistry metrics,
    DeploymentLogs logs, boolean accessLines) {

  /** Without a log feed: the logs route finds only access lines from this node. */
  public DeploymentNodeOptions(String nodeId, Path modelCacheDir, int cores, MeterRegistry metrics) {
    this(nodeId, modelCacheDir, cores, metrics, new DeploymentLogs(), true);
  }
}
