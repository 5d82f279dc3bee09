package io.inferbus.node.cluster;

import io.inferbus.protocol.cluster.ClusterCa;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

/**
 * The event bus between nodes over TLS with mutual authentication by the cluster CA: every node
 * presents its credential (a certificate of the cluster CA) as server and as client, and accepts
 * only peers that present one. A process without a credential can neither deliver a message to a
 * node nor receive one from it: the handshake fails before a byte of a scoring payload moves.
 *
 * <p>What it does not check: the peer's host name. Vert.x 5's clustered event bus turns host-name
 * verification off on its client ({@code ClusteredEventBus} sets the algorithm to ""), and custom
 * trust managers do not survive the way it copies its options, so any holder of a credential of
 * this cluster's CA is trusted as any node (docs/operations.md says so).
 */
public final class EventBusTls {
  private EventBusTls() {}

  public static EventBusOptions apply(EventBusOptions options, String caPem, ClusterCa.NodeCredential credential) {
    return options
        .setSsl(true)
        .setClientAuth(ClientAuth.REQUIRED)
        .setTrustAll(false)
        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(caPem)))
        .setKeyCertOptions(new PemKeyCertOptions().addCertValue(Buffer.buffer(credential.certPem()))
            .addKeyValue(Buffer.buffer(credential.keyPem())));
  }
}
