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
 */
public record DeploymentNodeOptions(String nodeId, Path modelCacheDir, int cores, MeterRegistry metrics) {}
