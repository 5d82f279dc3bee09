package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.node.IdentityProvider;
import io.inferbus.testing.Cli;
import io.inferbus.testing.Cli.Result;
import io.inferbus.testing.TestNode;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI does for a person at a terminal (run under {@code script}, which gives it a pty): the
 * live progress line while a deployment starts, and the delete prompt answered y or n. And invoke
 * for an aad_token endpoint, whose caller brings a token of the trusted issuer (--token). Bad inputs
 * tried: a prompt answered n, then an unclear answer, an aad_token endpoint invoked without --token
 * and with a token lacking the score role.
 */
class TerminalCliIT {
  @TempDir
  static Path dataDir;
  static TestNode node;
  static IdentityProvider idp;
  static Cli cli;

  @BeforeAll
  static void start() throws Exception {
    idp = new IdentityProvider();
    node = TestNode.start(dataDir, idp.trustedIssuer(dataDir));
    cli = Cli.of(dataDir.resolve("client.json"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    idp.close();
  }

  /** {@code inferbus args} on a pseudo-terminal, with {@code typed} as what the person types. */
  private static Result onATerminal(String typed, String args) {
    return cli.bash("printf '" + typed + "' | script -qec \"inferbus " + args + "\" /dev/null");
  }

  @Test
  void createDrawsALiveProgressLineOnATerminal() {
    cli.run("online-endpoint", "create", "-n", "watched").ok();
    Result watched = onATerminal("", "online-deployment create -n blue -e watched --set "
        + "model=german-credit-bad-risk:1 instance_count=2");
    assertEquals(0, watched.exit(), watched.toString());
    // The first poll may already see instances ready (a cached model loads in ms): the line then shows
    // the state it found, Creating with 0 or 1 ready, or Succeeded with both; never a fixed count.
    assertTrue(Pattern.compile("deployment watched/blue: (Creating, ready instances [01]/2|Succeeded, ready "
        + "instances 2/2), \\d+\\.\\d s")
        .matcher(watched.stdout()).find(), "state, ready instances and elapsed time, redrawn with \\r: " + watched);
    assertTrue(watched.stdout().contains("\r"), watched.toString());
    Result quiet = onATerminal("", "online-deployment update -n blue -e watched --set instance_count=1 "
        + "--only-show-errors -o none");
    assertEquals(0, quiet.exit(), quiet.toString());
    assertTrue(!quiet.stdout().contains("ready instances"), "--only-show-errors: no progress either: " + quiet);
    Result piped = cli.run("online-deployment", "update", "-n", "blue", "-e", "watched", "--set", "instance_count=2");
    assertTrue(!piped.stderr().contains("ready instances") && !piped.stdout().contains("ready instances"),
        "no progress line when nobody watches: " + piped);
  }

  @Test
  void deleteAsksAPersonAndTakesNForNo() {
    cli.run("online-endpoint", "create", "-n", "asked").ok();
    Result no = onATerminal("n\\n", "online-endpoint delete -n asked");
    assertTrue(no.stdout().contains("Are you sure you want to perform this operation? (y/n):"), no.toString());
    assertTrue(no.stdout().contains("Operation cancelled."), no.toString());
    cli.run("online-endpoint", "show", "-n", "asked").ok();
    Result yes = onATerminal("maybe\\ny\\n", "online-endpoint delete -n asked");
    assertEquals(0, yes.exit(), yes.toString());
    assertTrue(yes.stdout().contains("Please enter 'y' or 'n'."), yes.toString());
    cli.run("online-endpoint", "show", "-n", "asked").exits(3);
    cli.run("online-endpoint", "create", "-n", "logged").ok();
    Result redirected = onATerminal("y\\n", "online-endpoint delete -n logged > " + dataDir.resolve("out.txt"));
    assertEquals(0, redirected.exit(), redirected.toString());
    assertTrue(redirected.stdout().contains("(y/n):"), "stdin decides, as in az, not stdout: " + redirected);
    cli.run("online-endpoint", "show", "-n", "logged").exits(3);
  }

  @Test
  void invokeSendsTheCallersTokenToAnAadTokenEndpoint() throws Exception {
    cli.run("online-endpoint", "create", "-n", "partner", "--auth-mode", "aad_token").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "partner", "--set", "model=german-credit-bad-risk:1",
        "--all-traffic").ok();
    String sample = Cli.ROOT.resolve("examples/credit-scoring/sample-request.json").toString();
    String token = idp.token("partner-app", "score:partner");
    assertEquals("[0,1,0,0]", cli.run("online-endpoint", "invoke", "-n", "partner", "-r", sample, "--token", token)
        .ok().json().path("label").toString());
    Result without = cli.run("online-endpoint", "invoke", "-n", "partner", "-r", sample);
    without.exits(2);
    assertTrue(without.stderr().contains("--token"), without.toString());
    Result wrongRole = cli.run("online-endpoint", "invoke", "-n", "partner", "-r", sample, "--token",
        idp.token("other-app", "score:credit"));
    wrongRole.exits(1);
    assertTrue(wrongRole.stderr().contains("403") && wrongRole.stderr().contains("Forbidden"), wrongRole.toString());
    Result credentials = cli.run("online-endpoint", "get-credentials", "-n", "partner");
    credentials.exits(1);
    assertTrue(credentials.stderr().contains("trusted issuer"), credentials.toString());
  }
}
