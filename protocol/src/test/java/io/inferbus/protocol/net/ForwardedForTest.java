package io.inferbus.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who the caller is behind proxies. Bad inputs tried: a forged header from an untrusted peer, a
 * header naming a host, garbage, an empty hop.
 */
class ForwardedForTest {
  private static final List<Cidr> PROXIES = List.of(Cidr.parse("10.0.0.5/32"), Cidr.parse("10.0.1.0/24"));
  private static final InetAddress PROXY = Cidr.address("10.0.0.5");

  private static InetAddress caller(String peer, String header) {
    return ForwardedFor.caller(Cidr.address(peer), header, PROXIES);
  }

  @Test
  void anUntrustedPeerIsTheCallerWhateverItForwards() {
    assertEquals(Cidr.address("8.8.8.8"), caller("8.8.8.8", "10.0.0.7"));
    assertEquals(Cidr.address("127.0.0.1"), ForwardedFor.caller(Cidr.address("127.0.0.1"), "10.0.0.7", List.of()),
        "with no trusted proxy the header changes nothing");
  }

  @Test
  void aTrustedProxyNamesTheCallerAsFarBackAsTrustedProxiesGo() {
    assertEquals(Cidr.address("192.168.3.4"), caller("10.0.0.5", "192.168.3.4"));
    assertEquals(Cidr.address("192.168.3.4"), caller("10.0.0.5", "8.8.8.8, 192.168.3.4, 10.0.1.9"),
        "the right-most address that is not a trusted proxy; what came before it anyone could write");
    assertEquals(Cidr.address("10.0.1.9"), caller("10.0.0.5", "10.0.1.9"),
        "only trusted proxies: the left-most is the closest known to the caller");
    assertEquals(PROXY, ForwardedFor.caller(PROXY, null, PROXIES), "no header: the proxy itself");
  }

  @Test
  void somethingATrustedProxyForwardsThatIsNoAddressIsNoCaller() {
    assertNull(caller("10.0.0.5", "client.example.com"));
    assertNull(caller("10.0.0.5", "8.8.8.8, garbage"));
    assertNull(caller("10.0.0.5", "8.8.8.8,"));
  }
}
