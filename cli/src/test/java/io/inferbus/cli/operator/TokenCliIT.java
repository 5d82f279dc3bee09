package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.testing.Await;
import io.inferbus.testing.Cli.Result;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code inferbus token create|list|revoke|rotate-admin} as an operator runs them (the built launcher)
 * against a real node: tokens for scripts, their revocation, and the rotation of client.json's admin
 * token while the endpoints keep serving their callers. Bad inputs tried: a bad role, a bad and a too
 * distant expiry, a duplicate name, a missing role, revoking an unknown, an already revoked and an
 * unnamed token, revoking without --yes on a non-terminal, a reader's token creating one (403), the
 * rotated-away admin token used again and rotating again, and a named admin token rotating.
 */
class TokenCliIT extends CliNodeTest {
  private static Path clientJson() {
    return dataDir.resolve("client.json");
  }

  @Test
  void createPrintsTheTokenListShowsItAndRevokeEndsIt() {
    Result created = cli.run("token", "create", "--name", "ci", "--role", "operator", "--expires", "30d").ok();
    String token = created.stdout().strip();
    assertEquals(created.stdout(), token + "\n", "the token alone, for TOKEN=$(...): " + created);
    assertEquals(3, token.split("\\.").length, token);
    assertEquals("", created.stderr());
    cli.run("online-endpoint", "list", "--token", token).ok();
    cli.with("INFERBUS_TOKEN", token).run("online-endpoint", "show", "-n", "credit").ok();

    JsonNode asJson = cli.run("token", "create", "-n", "dashboard", "--role", "reader", "--expires",
        Instant.now().plus(Duration.ofDays(7)).toString(), "-o", "json").ok().json();
    assertEquals(List.of("expires_at", "name", "role", "token"), fields(asJson));
    assertEquals("reader", asJson.path("role").asText());

    Result list = cli.run("token", "list").ok();
    JsonNode ci = named(list.json(), "ci");
    assertEquals("operator", ci.path("role").asText(), list.toString());
    assertEquals("admin", ci.path("created_by").asText(), "the admin token of client.json made it");
    assertTrue(ci.path("revoked_at").isNull(), ci.toString());
    assertTrue(Instant.parse(ci.path("expires_at").asText()).isAfter(Instant.now().plus(Duration.ofDays(29))),
        ci.toString());
    assertFalse(list.stdout().contains(token.substring(token.lastIndexOf('.') + 1)), "never the token: " + list);

    String table = cli.run("token", "list", "-o", "table").ok().stdout();
    String[] lines = table.split("\n");
    assertEquals(List.of("Name", "Role", "Created_at", "Created_by", "Expires_at", "Revoked_at"),
        List.of(lines[0].trim().split("\\s+")), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("ci\\s+operator\\s+\\S+Z\\s+admin\\s+\\S+Z\\s*")), table);

    Result unasked = cli.run("token", "revoke", "ci");
    unasked.exits(1);
    assertEquals("ERROR: Unable to prompt for confirmation as no tty available. Use --yes.\n", unasked.stderr());
    cli.run("online-endpoint", "list", "--token", token).ok();

    Result revoked = cli.run("token", "revoke", "ci", "--yes").ok();
    assertEquals("", revoked.stdout());
    Result refused = cli.run("online-endpoint", "list", "--token", token);
    refused.exits(1);
    assertEquals("ERROR: (Unauthorized) the token is not valid: token 'ci' was revoked\n", refused.stderr());
    String revokedAt = cli.run("token", "list", "--query", "[?name=='ci'].revoked_at | [0]", "-o", "tsv").ok()
        .stdout().strip();
    assertTrue(Instant.parse(revokedAt).isAfter(Instant.now().minusSeconds(120)), revokedAt);

    Result again = cli.run("token", "revoke", "--name", "ci", "-y");
    again.exits(3);
    assertEquals("ERROR: Token ci is already revoked (at " + revokedAt + ").\n", again.stderr());
  }

  @Test
  void revokeAsksOnATerminal() {
    String token = cli.run("token", "create", "-n", "asked", "--role", "reader").ok().stdout().strip();
    Result no = cli.bash("printf 'n\\n' | script -qec \"inferbus token revoke asked\" /dev/null");
    assertEquals(1, no.exit(), no.toString());
    assertTrue(no.stdout().contains("Are you sure you want to perform this operation? (y/n): "), no.toString());
    cli.run("online-endpoint", "list", "--token", token).ok();
    Result yes = cli.bash("printf 'y\\n' | script -qec \"inferbus token revoke asked\" /dev/null");
    assertEquals(0, yes.exit(), yes.toString());
    cli.run("online-endpoint", "list", "--token", token).exits(1);
  }

  @Test
  void badInputsExitNonZeroWithAClearMessage() throws Exception {
    Result badRole = cli.run("token", "create", "-n", "bad-role", "--role", "root");
    badRole.exits(1);
    assertEquals("ERROR: (BadRequest) role 'root' is not one of reader, operator, admin\n", badRole.stderr());
    assertEquals("", badRole.stdout());

    Result badExpiry = cli.run("token", "create", "-n", "bad-expiry", "--role", "reader", "--expires", "soon");
    badExpiry.exits(1);
    assertTrue(badExpiry.stderr().startsWith("ERROR: (BadRequest) expires must be a time from now such as 30d"),
        badExpiry.toString());
    Result tooFar = cli.run("token", "create", "-n", "too-far", "--role", "reader", "--expires", "400d");
    tooFar.exits(1);
    assertEquals("ERROR: (BadRequest) expires 400d is more than 365 days away; a token lives at most 365 days "
        + "(365d)\n", tooFar.stderr());

    cli.run("token", "create", "-n", "twice", "--role", "reader").ok();
    Result duplicate = cli.run("token", "create", "-n", "twice", "--role", "admin");
    duplicate.exits(1);
    assertTrue(duplicate.stderr().startsWith("ERROR: (Conflict) a token named 'twice' exists until "),
        duplicate.toString());

    Result noRole = cli.run("token", "create", "-n", "no-role");
    noRole.exits(2);
    assertTrue(noRole.stderr().startsWith("ERROR: Missing required option: '--role=<role>'"), noRole.toString());

    Result unknown = cli.run("token", "revoke", "never-issued", "--yes");
    unknown.exits(3);
    assertEquals("ERROR: Token never-issued does not exist.\n", unknown.stderr());
    cli.run("token", "revoke", "--yes").exits(2);

    String reader = cli.run("token", "create", "-n", "ro", "--role", "reader").ok().stdout().strip();
    Result forbidden = cli.run("token", "create", "-n", "escalated", "--role", "admin", "--token", reader);
    forbidden.exits(1);
    assertEquals("ERROR: (Forbidden) this call needs role 'admin'; the token of 'token:ro' has 'reader'\n",
        forbidden.stderr());
    cli.run("token", "list", "--token", reader).exits(1);
    assertFalse(cli.run("token", "list").ok().stdout().contains("escalated"));

    // az's flag prefixes work here too
    cli.run("token", "create", "--na", "abbreviated", "--ro", "reader", "--exp", "1h").ok();
  }

  @Test
  void rotateAdminReplacesClientJsonsTokenWhileEndpointsKeepServing() throws Exception {
    // an aml_token endpoint with a scoring token, and the example's key, from before the rotation
    cli.run("online-endpoint", "create", "-n", "tokened", "--auth-mode", "aml_token").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "tokened", "--set", "model=german-credit-bad-risk:1",
        "--all-traffic").ok();
    String scoringToken = cli.run("online-endpoint", "get-credentials", "-n", "tokened", "-o", "tsv", "--query",
        "accessToken").ok().stdout().strip();
    String key = cli.run("online-endpoint", "get-credentials", "-n", "credit", "-o", "tsv", "--query", "primaryKey")
        .ok().stdout().strip();
    Await.until("gateways to route tokened", Duration.ofSeconds(30), () -> score("tokened", scoringToken) == 200);
    assertEquals(200, score("credit", key));
    JsonObject before = new JsonObject(Files.readString(clientJson()));
    String old = before.getString("token");

    Result rotated = cli.run("token", "rotate-admin").ok();
    JsonNode shown = rotated.json();
    assertEquals(List.of("client_config", "expires_at", "name", "role"), fields(shown), rotated.toString());
    assertEquals("admin", shown.path("name").asText());
    assertEquals(clientJson().toAbsolutePath().toString(), shown.path("client_config").asText());
    JsonObject after = new JsonObject(Files.readString(clientJson()));
    String fresh = after.getString("token");
    assertNotEquals(old, fresh);
    assertEquals(before.copy().put("token", fresh), after, "only the token changed");
    assertEquals(List.copyOf(before.fieldNames()), List.copyOf(after.fieldNames()), "in the same order");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(clientJson())));
    assertFalse(rotated.stdout().contains(fresh), "the new token is in the file, not on the screen");

    Result oldRefused = cli.run("online-endpoint", "list", "--token", old);
    oldRefused.exits(1);
    assertEquals("ERROR: (Unauthorized) the token is not valid: it was revoked\n", oldRefused.stderr());
    cli.run("token", "list").ok();

    // callers notice nothing: the same key, the same scoring token, the CLI's invoke with the new admin token
    assertEquals(200, score("credit", key));
    assertEquals(200, score("tokened", scoringToken));
    assertEquals("[0,1,0,0]", cli.run("online-endpoint", "invoke", "-n", "tokened", "-r", SAMPLE.toString())
        .ok().json().path("label").toString());
    assertEquals(key, cli.run("online-endpoint", "get-credentials", "-n", "credit", "-o", "tsv", "--query",
        "primaryKey").ok().stdout().strip());

    // the token given in the environment is client.json's: the file is rewritten again
    Result viaEnvironment = cli.with("INFERBUS_TOKEN", fresh).run("token", "rotate-admin").ok();
    assertNotEquals(fresh, new JsonObject(Files.readString(clientJson())).getString("token"), viaEnvironment.toString());

    // another admin token is rotated without touching client.json: the new one is printed
    String current = new JsonObject(Files.readString(clientJson())).getString("token");
    String colleagues = node.token("colleague", OperatorRole.ADMIN);
    Result printed = cli.run("token", "rotate-admin", "--token", colleagues).ok();
    assertEquals(List.of("expires_at", "name", "role", "token"), fields(printed.json()));
    assertTrue(printed.stderr().contains("no client.json was changed"), printed.toString());
    assertEquals(current, new JsonObject(Files.readString(clientJson())).getString("token"));
    cli.run("online-endpoint", "list", "--token", colleagues).exits(1);
    cli.run("online-endpoint", "list", "--token", printed.json().path("token").asText()).ok();

    Result twice = cli.run("token", "rotate-admin", "--token", old);
    twice.exits(1);
    assertEquals("ERROR: (Unauthorized) the token is not valid: it was revoked\n", twice.stderr());
    String named = cli.run("token", "create", "-n", "ops", "--role", "admin").ok().stdout().strip();
    Result byName = cli.run("token", "rotate-admin", "--token", named);
    byName.exits(1);
    assertTrue(byName.stderr().startsWith("ERROR: (BadRequest) rotation replaces the admin token it is called with"),
        byName.toString());
    assertEquals(current, new JsonObject(Files.readString(clientJson())).getString("token"));
  }

  @Test
  void everyTokenCommandsHelpShowsAnExample() {
    List<List<String>> commands = new ArrayList<>(List.of(List.of("token")));
    for (String c : List.of("create", "list", "revoke", "rotate-admin")) {
      commands.add(List.of("token", c));
    }
    for (List<String> command : commands) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");
      Result help = cli.run(args.toArray(String[]::new)).ok();
      assertTrue(help.stdout().contains("Example"), String.join(" ", command) + " --help: " + help);
      assertTrue(help.stdout().contains("inferbus " + String.join(" ", command)), help.toString());
    }
    assertTrue(cli.run("--help").ok().stdout().contains("token"));
  }

  /** The status of a scoring request to the gateway with {@code credential}. */
  private static int score(String endpoint, String credential) {
    try {
      HttpResponse<String> r = node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score",
          credential, "application/json", Files.readAllBytes(SAMPLE));
      return r.statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode named(JsonNode tokens, String name) {
    JsonNode found = null;
    for (JsonNode t : tokens) {
      if (name.equals(t.path("name").asText())) {
        found = t;
      }
    }
    assertTrue(found != null, name + " in " + tokens);
    return found;
  }

  private static List<String> fields(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names.stream().sorted().toList();
  }
}
