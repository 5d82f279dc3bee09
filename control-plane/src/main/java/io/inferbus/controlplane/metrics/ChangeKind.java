package io.inferbus.controlplane.metrics;

/**
 * What a mutating management call changes: the {@code kind} label of
 * {@code inferbus_controlplane_changes_total}. A closed set, so no caller can add label values.
 */
public enum ChangeKind {
  /** {@code PUT /models/{name}/versions/{v}}. */
  MODEL_REGISTER,
  /** {@code PUT /endpoints/{e}} of an endpoint that does not exist. */
  ENDPOINT_CREATE,
  /** {@code PUT /endpoints/{e}} of an existing endpoint; {@code PATCH} without traffic or mirror_traffic. */
  ENDPOINT_UPDATE,
  /** {@code DELETE /endpoints/{e}}. */
  ENDPOINT_DELETE,
  /** {@code PATCH /endpoints/{e}} with traffic or mirror_traffic. */
  TRAFFIC,
  /** {@code POST /endpoints/{e}/traffic/rollback}. */
  ROLLBACK,
  /** {@code POST /endpoints/{e}/keys/regenerate}. */
  KEYS_REGENERATE,
  /** {@code POST /endpoints/{e}/token}: a scoring token issued. */
  TOKEN,
  /** {@code PUT /endpoints/{e}/deployments/{d}} of a deployment that does not exist. */
  DEPLOYMENT_CREATE,
  /** {@code PUT /endpoints/{e}/deployments/{d}} of an existing deployment. */
  DEPLOYMENT_UPDATE,
  /** {@code PATCH /endpoints/{e}/deployments/{d}}: instance_count or request_settings. */
  DEPLOYMENT_SCALE,
  /** {@code DELETE /endpoints/{e}/deployments/{d}}. */
  DEPLOYMENT_DELETE,
  /** {@code POST /tokens}: a named operator token issued. */
  OPERATOR_TOKEN_CREATE,
  /** {@code DELETE /tokens/{name}}. */
  OPERATOR_TOKEN_REVOKE,
  /** {@code POST /tokens/admin/rotate}. */
  ADMIN_TOKEN_ROTATE,
  /** {@code DELETE /cluster/nodes/{name}}: a node's credential removed. */
  NODE_REMOVE,
  /** {@code POST /endpoints/{e}/rollout}: a canary rollout started. */
  ROLLOUT_START,
  /** {@code POST /endpoints/{e}/rollout/promote}. */
  ROLLOUT_PROMOTE,
  /** {@code POST /endpoints/{e}/rollout/abort}. */
  ROLLOUT_ABORT;

  /** The label value: {@code endpoint_create}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
