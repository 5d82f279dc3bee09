package io.inferbus.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferbus.gateway.GatewayOptions;
import io.inferbus.gateway.auth.TrustedIssuerOptions;
import io.inferbus.gateway.connections.ConnectionLimit;
import io.inferbus.protocol.net.Cidr;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A node's config: the defaults a builder starts from, and withers that change one value and keep the rest. */
class NodeConfigTest {
  private static final Path DATA = Path.of("data");

  @Test
  void embeddedRunsEveryRoleWithTheDefaults() {
    NodeConfig config = NodeConfig.embedded(DATA, 1, 2, 3);
    assertEquals(new NodeConfig(Set.of(Role.values()), DATA, "127.0.0.1", 1, 2, 3, null, true, null, null, true,
        null, GatewayOptions.DEFAULT_MAX_BODY_BYTES, GatewayOptions.DEFAULT_REQUEST_READ_TIMEOUT_MS, 0, true,
        NodeConfig.DEFAULT_MANAGEMENT_HOST, null, ConnectionLimit.DEFAULT_MAX_CONNECTIONS, null, List.of()), config);
  }

  @Test
  void withersChangeOneValueAndKeepTheRest() {
    TrustedIssuerOptions issuer = new TrustedIssuerOptions(Path.of("jwks.json"), null, "iss", "aud");
    NodeConfig base = NodeConfig.builder(Set.of(Role.DEPLOYMENT), DATA).ports(0, 0, 0)
        .clusterConfig(Path.of("cluster.xml")).tls(Path.of("c.pem"), Path.of("k.pem")).build();
    NodeConfig changed = base.withHost("0.0.0.0").withTrustedIssuer(issuer).withMaxBodyBytes(7)
        .withRequestReadTimeoutMs(8).withEventLoops(9).withRequestLogging(false).withManagementHost("10.0.0.1")
        .withJoinFile(Path.of("join.json")).withMaxConnections(11).withControlPublicUrl("https://ops.example")
        .with(b -> b.trustedProxies(List.of(Cidr.parse("10.0.0.5"))));
    assertEquals(new NodeConfig(Set.of(Role.DEPLOYMENT), DATA, "0.0.0.0", 0, 0, 0, Path.of("cluster.xml"), false,
        Path.of("c.pem"), Path.of("k.pem"), false, issuer, 7, 8, 9, false, "10.0.0.1", Path.of("join.json"), 11,
        "https://ops.example", List.of(Cidr.parse("10.0.0.5/32"))),
        changed);
    assertEquals(base, base.toBuilder().build());
  }
}
