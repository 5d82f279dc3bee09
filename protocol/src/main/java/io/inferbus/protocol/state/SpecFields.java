package io.inferbus.protocol.state;

import java.util.Set;

/**
 * The fields of endpoint and deployment specs that Inferbus serves (Azure ML's names): the control
 * plane takes them, and the CLI tells them from Azure-only fields and typos. Plain Java, so the CLI
 * reads it without loading Vert.x.
 */
public final class SpecFields {
  public static final Set<String> ENDPOINT = Set.of("name", "auth_mode", "description", "tags", "traffic",
      "mirror_traffic", "public_network_access", "allowed_networks");
  public static final Set<String> DEPLOYMENT = Set.of("name", "endpoint_name", "model", "instance_count",
      "request_settings", "batching", "description", "tags", "scale_settings");

  /** What a PATCH of an endpoint may change (operator role); anything else is a PUT (admin). */
  public static final Set<String> ENDPOINT_PATCH = Set.of("traffic", "mirror_traffic", "description", "tags");
  /** What a PATCH of a deployment may change (operator role: scale, request settings, autoscaling bounds). */
  public static final Set<String> DEPLOYMENT_PATCH = Set.of("instance_count", "request_settings", "scale_settings");

  /**
   * A deployment YAML's {@code rollout:} block (Inferbus extension): the CLI starts a canary rollout
   * of the deployment with it once the deployment serves; the control plane never sees the block.
   */
  public static final String DEPLOYMENT_ROLLOUT = "rollout";
  /** The fields of a rollout ({@code POST /endpoints/{e}/rollout} and the YAML block). */
  public static final Set<String> ROLLOUT = Set.of("deployment", "steps", "step_interval_s", "max_step_extension_s",
      "min_requests", "max_error_rate", "max_p95_ms", "max_error_rate_increase", "max_p95_increase_ms",
      "max_p95_ratio");

  private SpecFields() {}
}
