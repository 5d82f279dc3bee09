package io.inferbus.protocol.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Networks in CIDR notation. Bad inputs tried: empty, blank, a host name (never resolved), 256 in an
 * octet, three octets, a prefix of 33 (IPv4) and 129 (IPv6), a negative or non-numeric prefix, a
 * zone id, two slashes.
 */
class CidrTest {
  @Test
  void ipv4NetworksContainTheirAddressesAndNoOthers() {
    Cidr ten = Cidr.parse("10.0.0.0/8");
    assertTrue(ten.contains(Cidr.address("10.255.1.2")));
    assertFalse(ten.contains(Cidr.address("11.0.0.1")));
    Cidr rfc1918 = Cidr.parse("172.16.0.0/12");
    assertTrue(rfc1918.contains(Cidr.address("172.31.255.255")));
    assertFalse(rfc1918.contains(Cidr.address("172.32.0.0")));
    assertTrue(Cidr.parse("0.0.0.0/0").contains(Cidr.address("8.8.8.8")), "/0 is every IPv4 address");
  }

  @Test
  void aBareAddressIsItsOwnNetworkAndHostBitsAreMaskedOff() {
    Cidr one = Cidr.parse("192.168.1.7");
    assertEquals("192.168.1.7/32", one.toString());
    assertTrue(one.contains(Cidr.address("192.168.1.7")));
    assertFalse(one.contains(Cidr.address("192.168.1.8")));
    assertEquals("192.168.1.0/24", Cidr.parse("192.168.1.77/24").toString());
    assertEquals(Cidr.parse("192.168.1.0/24"), Cidr.parse("192.168.1.77/24"));
  }

  @Test
  void ipv6NetworksAndMappedIpv4Addresses() {
    Cidr uniqueLocal = Cidr.parse("fc00::/7");
    assertTrue(uniqueLocal.contains(Cidr.address("fd12:3456::1")));
    assertFalse(uniqueLocal.contains(Cidr.address("fe80::1")));
    assertTrue(Cidr.parse("::1/128").contains(Cidr.address("[::1]")), "brackets around an IPv6 literal");
    assertTrue(Cidr.parse("10.0.0.0/8").contains(Cidr.address("::ffff:10.1.2.3")),
        "an IPv4-mapped IPv6 address is its IPv4 address");
    assertFalse(Cidr.parse("::/0").contains(Cidr.address("10.1.2.3")), "IPv6 networks hold no IPv4 address");
  }

  @Test
  void addressesWithPortsAsSomeProxiesForwardThem() {
    assertEquals(Cidr.address("10.1.2.3"), Cidr.address("10.1.2.3:51234"));
    assertEquals(Cidr.address("::1"), Cidr.address("[::1]:443"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "example.com", "10.0.0", "256.1.1.1", "1.2.3.4.5", "fe80::1%eth0", "", " ",
      "::g"})
  void whatIsNotAnIpLiteralIsNoAddress(String host) {
    assertNull(Cidr.address(host), "never a DNS lookup: " + host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost/8", "10.0.0/8", "256.0.0.0/8", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
      "10.0.0.0/x", "10.0.0.0/8/8", "fe80::1%eth0/64", "10.0.0.0/"})
  void badNetworksAreRefusedNamingTheField(String network) {
    InferbusException e = assertThrows(InferbusException.class, () -> Cidr.parse(network, "allowed_networks"));
    assertEquals(FailureKind.BAD_INPUT, e.kind());
    assertEquals("allowed_networks", e.target());
    assertTrue(e.getMessage().startsWith("allowed_networks"), e.getMessage());
    assertTrue(e.getMessage().contains("'" + network + "'"), e.getMessage());
  }

  @Test
  void emptyNetworksAreRefused() {
    for (String blank : new String[] {null, "", "  "}) {
      InferbusException e = assertThrows(InferbusException.class, () -> Cidr.parse(blank, "allowed_networks"));
      assertTrue(e.getMessage().contains("empty network"), e.getMessage());
    }
    IllegalArgumentException flag = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/40"));
    assertTrue(flag.getMessage().contains("prefix length '40'"), flag.getMessage());
  }
}
