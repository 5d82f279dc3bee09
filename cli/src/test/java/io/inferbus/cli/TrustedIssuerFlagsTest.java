package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.gateway.auth.TrustedIssuerOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The trusted-issuer flags of {@code inferbus start} and {@code inferbus node}, as picocli reads them. */
class TrustedIssuerFlagsTest {
  static ServerOptions parse(String... args) {
    StartCommand start = new StartCommand();
    new CommandLine(start).setAbbreviatedOptionsAllowed(true).parseArgs(args);
    return start.server;
  }

  @Test
  void withoutTheFlagsThereIsNoTrustedIssuer() {
    ServerOptions o = parse();
    o.check();
    assertNull(o.trustedIssuer());
  }

  @Test
  void aJwksFileWithIssuerAndAudience() {
    ServerOptions o = parse("--jwks-file", "/etc/inferbus/jwks.json", "--jwt-issuer", "https://idp.example/v2.0",
        "--jwt-audience", "api://inferbus");
    o.check();
    assertEquals(new TrustedIssuerOptions(Path.of("/etc/inferbus/jwks.json"), null, "https://idp.example/v2.0",
        "api://inferbus"), o.trustedIssuer());
  }

  @Test
  void aJwksUrlOnANodeCommand() {
    NodeCommand node = new NodeCommand();
    new CommandLine(node).parseArgs("--roles", "gateway", "--jwks-url", "https://idp.example/keys", "--jwt-issuer",
        "https://idp.example/v2.0", "--jwt-audience", "api://inferbus");
    assertEquals("https://idp.example/keys", node.server.trustedIssuer().jwksUrl());
  }

  @Test
  void incompleteFlagsStopTheStart() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse("--jwks-file", "jwks.json").check());
    assertTrue(e.getMessage().contains("--jwt-issuer is required"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("--jwt-issuer", "https://idp", "--jwt-audience",
        "x").check());
    assertTrue(e.getMessage().contains("exactly one of --jwks-file and --jwks-url"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> parse("--jwks-url", "http://idp.example/keys",
        "--jwt-issuer", "https://idp", "--jwt-audience", "x").check());
    assertTrue(e.getMessage().contains("must be https"), e.getMessage());
  }
}
