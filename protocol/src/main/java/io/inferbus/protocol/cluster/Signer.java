package io.inferbus.protocol.cluster;

import io.inferbus.protocol.state.NodeState;
import java.security.PublicKey;
import java.util.Set;

/**
 * The node that signed a cluster record, as its certificate (issued by the cluster CA) names it.
 *
 * @param name the node's name (the certificate's CN)
 * @param roles the roles the certificate allows (its OUs)
 * @param fingerprint SHA-256 of the certificate, hex: one credential
 * @param notAfter epoch millis the certificate expires at
 */
public record Signer(String name, Set<String> roles, String fingerprint, PublicKey key, long notAfter) {
  /** Whether it may write what only a control plane writes. */
  public boolean controlPlane() {
    return roles.contains(NodeState.ROLE_CONTROL_PLANE);
  }
}
