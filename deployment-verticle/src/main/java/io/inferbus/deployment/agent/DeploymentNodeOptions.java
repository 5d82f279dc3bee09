package io.inferbus.deployment.agent;

import java.nio.file.Path;

/**
 * Configuration of a node's deployment role.
 *
 * @param nodeId this node's cluster id, published with each instance
 * @param modelCacheDir where verified model files are kept
 * @param cores CPU cores ONNX Runtime may use on this node, shared among its instances
 */
public record DeploymentNodeOptions(String nodeId, Path modelCacheDir, int cores) {}
