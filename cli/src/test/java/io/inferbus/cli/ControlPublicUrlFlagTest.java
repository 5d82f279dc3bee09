package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferbus.node.NodeConfig;
import io.inferbus.node.Role;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code --control-public-url}: none unless given (links then use the address each caller used); an
 * https URL with an optional path, its trailing slash dropped; anything else (tried: http, no host, a
 * query, a fragment, not a URL) stops the start with a message naming the flag.
 */
class ControlPublicUrlFlagTest {
  private static NodeConfig configured(ServerOptions options) {
    options.check();
    return options.configure(NodeConfig.builder(Set.of(Role.CONTROL_PLANE), Path.of("data"))).build();
  }

  @Test
  void noneUnlessGiven() {
    assertNull(configured(TrustedIssuerFlagsTest.parse()).controlPublicUrl());
  }

  @Test
  void anHttpsUrlWithOrWithoutAPath() {
    assertEquals("https://inferbus.example.com", configured(TrustedIssuerFlagsTest.parse("--control-public-url",
        "https://inferbus.example.com/")).controlPublicUrl());
    assertEquals("https://proxy.example.com:8444/inferbus", configured(TrustedIssuerFlagsTest.parse(
        "--control-public-url", "https://proxy.example.com:8444/inferbus")).controlPublicUrl());
  }

  @Test
  void anythingElseStopsTheStart() {
    for (String bad : new String[] {"http://inferbus.example.com", "https:///path", "https://x.example/?a=b",
        "https://x.example/#ui", "not a url"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TrustedIssuerFlagsTest.parse("--control-public-url", bad).check(), bad);
      assertEquals("--control-public-url: the control plane's public URL '" + bad + "' "
          + (bad.equals("not a url") ? "is not a URL: Illegal character in path"
              : "must be https://host[:port][/path], such as https://inferbus.example.com or "
                  + "https://proxy.example.com:8444/inferbus"), e.getMessage());
    }
  }
}
