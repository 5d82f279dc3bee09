package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.node.tls.TlsMaterial;
import io.inferbus.testing.Await;
import io.inferbus.testing.Cli;
import io.inferbus.testing.Cli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code inferbus online-endpoint ...} as a user runs it (the built launcher, a separate process)
 * against a real node serving the example endpoint. Bad inputs tried: a missing endpoint, a traffic
 * string with commas and one with a non-number, a traffic split naming an unknown deployment, a YAML
 * field neither Azure nor Inferbus knows, allowed_networks with a /33, a malformed JMESPath
 * query, an unknown output format, an unknown option, an ambiguous flag prefix, a wrong key type,
 * delete without --yes on a non-terminal, a control plane that is not running, a foreign CA.
 */
class OnlineEndpointCliIT extends CliNodeTest {
  @Test
  void listAndShowInEveryOutputFormat() {
    JsonNode list = cli.run("online-endpoint", "list").ok().json();
    assertTrue(list.isArray(), list.toString());
    JsonNode credit = null;
    for (JsonNode endpoint : list) {
      if (endpoint.path("name").asText().equals("credit")) {
        credit = endpoint;
      }
    }
    assertEquals("key", credit.path("auth_mode").asText(), list.toString());
    List<String> keys = new ArrayList<>();
    credit.fieldNames().forEachRemaining(keys::add);
    assertEquals(keys.stream().sorted().toList(), keys, "json keys are sorted, as az prints them");

    String table = cli.run("online-endpoint", "list", "-o", "table").ok().stdout();
    String[] lines = table.split("\n");
    assertEquals(List.of("Name", "Auth_mode", "Provisioning_state", "Traffic"), List.of(lines[0].trim().split("\\s+")),
        table);
    assertTrue(lines[1].matches("[- ]+"), table);
    assertTrue(table.lines().anyMatch(l -> l.matches("credit\\s+key\\s+Succeeded\\s+blue=100")), table);

    String yaml = cli.run("online-endpoint", "show", "-n", "credit", "-o", "yaml").ok().stdout();
    assertTrue(yaml.contains("name: credit\n") && yaml.contains("traffic:\n  blue: 100\n"), yaml);

    String uri = cli.run("online-endpoint", "show", "-n", "credit", "-o", "tsv", "--query", "scoring_uri").ok().stdout();
    assertEquals(node.scoring() + "/endpoints/credit/score\n", uri, "tsv of a string is the bare string");

    String tsv = cli.run("online-endpoint", "show", "-n", "credit", "-o", "tsv").ok().stdout();
    assertTrue(tsv.startsWith("key\t"), "an object's values in key order, auth_mode first: " + tsv);

    assertEquals("", cli.run("online-endpoint", "show", "-n", "credit", "-o", "none").ok().stdout());
    assertEquals("100\n", cli.run("online-endpoint", "show", "-n", "credit", "--query", "traffic.blue").ok().stdout());
    assertEquals("{\n  \"blue\": 100\n}\n", cli.run("online-endpoint", "show", "-n", "credit", "--query", "traffic")
        .ok().stdout());
  }

  @Test
  void queryFiltersLikeJmesPathBeforeFormatting() {
    String names = cli.run("online-endpoint", "list", "--query", "[?auth_mode=='key'].name", "-o", "tsv").ok().stdout();
    assertTrue(names.lines().anyMatch("credit"::equals), names);
    String picked = cli.run("online-endpoint", "list", "--query", "[].{endpoint: name, mode: auth_mode}", "-o", "table")
        .ok().stdout();
    assertTrue(picked.startsWith("Endpoint"), "a query picks the table's columns, in its order: " + picked);

    Result bad = cli.run("online-endpoint", "show", "-n", "credit", "--query", "traffic[");
    bad.exits(2);
    assertTrue(bad.stderr().contains("not a JMESPath expression"), bad.toString());
  }

  @Test
  void aMissingEndpointIsExitThreeWithTheServersErrorAndNoStackTrace() {
    Result missing = cli.run("online-endpoint", "show", "-n", "nope");
    missing.exits(3);
    assertEquals("", missing.stdout());
    assertTrue(missing.stderr().startsWith("ERROR: (NotFound) "), missing.toString());
    assertTrue(missing.stderr().contains("nope"), missing.toString());
    assertFalse(missing.stderr().contains("\tat "), "no stack trace: " + missing);
  }

  @Test
  void usageErrorsAreExitTwoWithAHint() {
    for (String[] args : List.of(new String[] {"online-endpoint", "show", "-n", "credit", "-o", "xml"},
        new String[] {"online-endpoint", "show", "-n", "credit", "--colour"},
        new String[] {"online-endpoint", "shw", "-n", "credit"},
        new String[] {"online-endpoint", "show"},
        new String[] {"online-endpoint", "regenerate-keys", "-n", "credit", "--key-type", "tertiary"})) {
      Result r = cli.run(args);
      r.exits(2);
      assertTrue(r.stderr().startsWith("ERROR: "), r.toString());
      assertFalse(r.stderr().contains("\tat "), r.toString());
    }
    Result typo = cli.run("online-endpoint", "shw", "-n", "credit");
    assertTrue(typo.stderr().contains("Did you mean"), typo.toString());
  }

  @Test
  void flagsTakeAnyUnambiguousPrefixAsAzDoes() {
    JsonNode pinned = cli.run("online-endpoint", "invoke", "--na", "credit", "--deployment", "blue", "--req",
        SAMPLE.toString()).ok().json();
    assertEquals("[0,1,0,0]", pinned.path("label").toString());
    assertEquals("credit", cli.run("online-deployment", "show", "--name", "blue", "--endpoint", "credit")
        .ok().json().path("endpoint_name").asText());
    Result ambiguous = cli.run("online-deployment", "show", "--name", "blue", "--endp", "credit");
    ambiguous.exits(2);
    assertTrue(ambiguous.stderr().contains("--endp"), ambiguous.toString());
  }

  @Test
  void createFromAnAzureFileNotesAzureOnlyFieldsAndRefusesUnknownOnes() throws Exception {
    Path file = tmp.resolve("endpoint.yml");
    Files.writeString(file, """
        $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
        name: from-file
        auth_mode: aml_token
        identity: {type: system_assigned}
        public_network_access: enabled
        description: created from Azure's YAML
        tags: {owner: risk-team, tier: 1}
        """);
    Result created = cli.run("online-endpoint", "create", "--name", "azure-file", "-f", file.toString());
    created.ok();
    assertEquals("azure-file", created.json().path("name").asText(), "--name overrides the file's name");
    assertEquals("aml_token", created.json().path("auth_mode").asText());
    assertEquals("1", created.json().path("tags").path("tier").asText(), "a tag is text");
    assertTrue(created.stderr().contains("$schema") && created.stderr().contains("identity")
        && created.stderr().contains("ignor"), created.toString());
    assertFalse(created.stderr().contains("public_network_access"), "an Inferbus field now: " + created);
    assertEquals("enabled", created.json().path("public_network_access").asText());
    assertEquals(1, created.stderr().lines().count(), "one note line: " + created);
    cli.run("online-endpoint", "show", "-n", "from-file").exits(3);

    Result again = cli.run("online-endpoint", "create", "--name", "azure-file", "-f", file.toString());
    again.exits(1);
    assertTrue(again.stderr().contains("already exists") && again.stderr().contains("online-endpoint update"),
        again.toString());

    Path typo = tmp.resolve("typo.yml");
    Files.writeString(typo, "name: typo-file\nauth_mode: key\ntrafic: {blue: 100}\n");
    Result unknown = cli.run("online-endpoint", "create", "-f", typo.toString());
    unknown.exits(1);
    assertTrue(unknown.stderr().contains("'trafic'"), "the error names the field: " + unknown);
    cli.run("online-endpoint", "show", "-n", "typo-file").exits(3);

    Path closed = tmp.resolve("closed.yml");
    Files.writeString(closed, "name: closed-file\npublic_network_access: disabled\nallowed_networks: [10.0.0.0/8]\n");
    Result disabled = cli.run("online-endpoint", "create", "-f", closed.toString());
    disabled.ok();
    assertEquals("disabled", disabled.json().path("public_network_access").asText());
    assertEquals("10.0.0.0/8", disabled.json().path("allowed_networks").path(0).asText());

    Path badNetwork = tmp.resolve("bad-network.yml");
    Files.writeString(badNetwork, "name: bad-network\npublic_network_access: disabled\nallowed_networks: [10.0.0.0/33]\n");
    Result refused = cli.run("online-endpoint", "create", "-f", badNetwork.toString());
    refused.exits(1);
    assertTrue(refused.stderr().contains("allowed_networks") && refused.stderr().contains("prefix length"),
        refused.toString());
    cli.run("online-endpoint", "show", "-n", "bad-network").exits(3);
  }

  @Test
  void trafficStringsAreSpaceSeparatedAndABadOneChangesNothing() {
    cli.run("online-endpoint", "create", "-n", "split").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "split", "--set", "model=german-credit-bad-risk:1").ok();
    cli.run("online-deployment", "create", "-n", "green", "-e", "split", "--set", "model=german-credit-bad-risk:1",
        "--all-traffic").ok();
    assertEquals("{\"blue\":0,\"green\":100}", traffic("split"));

    Result commas = cli.run("online-endpoint", "update", "-n", "split", "--traffic", "blue=90, green=10");
    commas.exits(1);
    assertTrue(commas.stderr().startsWith("ERROR: Do not add a delimiter between traffic variables"), commas.toString());
    Result word = cli.run("online-endpoint", "update", "-n", "split", "--traffic", "blue=ninety green=10");
    word.exits(1);
    Result unknown = cli.run("online-endpoint", "update", "-n", "split", "--traffic", "blue=90 teal=10");
    unknown.exits(1);
    assertTrue(unknown.stderr().contains("teal"), unknown.toString());
    Result sum = cli.run("online-endpoint", "update", "-n", "split", "--traffic", "blue=90 green=20");
    sum.exits(1);
    assertTrue(sum.stderr().contains("sum to 110"), sum.toString());
    assertEquals("{\"blue\":0,\"green\":100}", traffic("split"), "refused changes leave the split alone");

    JsonNode updated = cli.run("online-endpoint", "update", "-n", "split", "--traffic", "blue=90 green=10").ok().json();
    assertEquals(90, updated.path("traffic").path("blue").asInt());
    cli.run("online-endpoint", "update", "-n", "split", "--traffic", "blue=100", "--mirror-traffic", "green=10").ok();
    assertEquals("{\"green\":10}", cli.run("online-endpoint", "show", "-n", "split", "--query", "mirror_traffic")
        .ok().json().toString());
    assertTrue(cli.run("online-endpoint", "list", "-o", "table").ok().stdout().lines()
        .anyMatch(l -> l.matches("split\\s+key\\s+Succeeded\\s+blue=100 green=0\\s+green=10")), "mirror column");
    cli.run("online-endpoint", "update", "-n", "split", "--mirror-traffic", "green=0").ok();
    assertEquals("{}", cli.run("online-endpoint", "show", "-n", "split", "--query", "mirror_traffic")
        .ok().json().toString(), "green=0 turns mirroring off");

    JsonNode history = cli.run("online-endpoint", "history", "-n", "split").ok().json();
    JsonNode last = history.get(history.size() - 1);
    assertEquals("admin", last.path("actor").asText(), "who changed it: the token's subject");
    assertFalse(last.path("time").asText().isEmpty());
    String table = cli.run("online-endpoint", "history", "-n", "split", "-o", "table").ok().stdout();
    assertTrue(table.startsWith("Revision"), table);
    assertTrue(table.contains("blue=90 green=10"), table);

    cli.run("online-endpoint", "rollback", "-n", "split", "--to-revision", "3").ok();
    assertEquals("{\"blue\":90,\"green\":10}", traffic("split"));
    JsonNode back = cli.run("online-endpoint", "history", "-n", "split", "--query", "[-1].rolled_back_to").ok().json();
    assertEquals(3, back.asInt());
    cli.run("online-endpoint", "rollback", "-n", "split", "--to-revision", "99").exits(3);
    cli.run("online-endpoint", "delete", "-n", "split", "--yes").ok();
  }

  @Test
  void setUpdatesFieldsOfTheLiveEndpoint() {
    cli.run("online-endpoint", "create", "-n", "settable").ok();
    JsonNode updated = cli.run("online-endpoint", "update", "-n", "settable", "--set", "description=loan desk",
        "tags.owner=risk", "tags.cost_center=42").ok().json();
    assertEquals("loan desk", updated.path("description").asText());
    assertEquals("42", updated.path("tags").path("cost_center").asText());
    assertEquals("aml_token", cli.run("online-endpoint", "update", "-n", "settable", "--set", "auth_mode=aml_token")
        .ok().json().path("auth_mode").asText());
    Result unknown = cli.run("online-endpoint", "update", "-n", "settable", "--set", "colour=blue");
    unknown.exits(1);
    assertTrue(unknown.stderr().contains("'colour'"), unknown.toString());
    cli.run("online-endpoint", "delete", "-n", "settable", "--yes").ok();
  }

  @Test
  void deleteAsksAndRefusesWithoutATerminalUnlessYes() {
    cli.run("online-endpoint", "create", "-n", "doomed").ok();
    Result refused = cli.run("online-endpoint", "delete", "-n", "doomed");
    refused.exits(1);
    assertTrue(refused.stderr().contains("Unable to prompt for confirmation as no tty available. Use --yes."),
        refused.toString());
    cli.run("online-endpoint", "show", "-n", "doomed").ok();
    Result deleted = cli.run("online-endpoint", "delete", "-n", "doomed", "--yes");
    deleted.ok();
    assertEquals("", deleted.stdout(), "az prints nothing for a delete");
    cli.run("online-endpoint", "show", "-n", "doomed").exits(3);
    cli.run("online-endpoint", "delete", "-n", "doomed", "--yes").exits(3);
  }

  @Test
  void keysAndRegenerationAsAzScriptsReadThem() throws Exception {
    cli.run("online-endpoint", "create", "-n", "keyed").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "keyed", "--set", "model=german-credit-bad-risk:1",
        "--all-traffic").ok();
    String key = cli.run("online-endpoint", "get-credentials", "-n", "keyed", "-o", "tsv", "--query", "primaryKey")
        .ok().stdout();
    assertTrue(key.matches("[A-Za-z0-9_-]{20,}\n"), "the bare key and a newline: " + key);
    String primary = key.strip();
    assertEquals(200, score("keyed", primary));

    Result regenerated = cli.run("online-endpoint", "regenerate-keys", "-n", "keyed", "--key-type", "primary");
    regenerated.ok();
    assertEquals("", regenerated.stdout());
    String fresh = cli.run("online-endpoint", "get-credentials", "-n", "keyed", "--query", "primaryKey", "-o", "tsv")
        .ok().stdout().strip();
    assertNotEquals(primary, fresh);
    Await.until("the old key refused", Duration.ofSeconds(5), () -> score("keyed", primary) == 401);
    assertEquals(200, score("keyed", fresh));
    cli.run("online-endpoint", "delete", "-n", "keyed", "--yes").ok();
  }

  @Test
  void invokePrintsTheAnswerAsJsonAndARefusalAsAnError() throws Exception {
    JsonNode answer = cli.run("online-endpoint", "invoke", "-n", "credit", "--request-file", SAMPLE.toString())
        .ok().json();
    assertEquals("[0,1,0,0]", answer.path("label").toString());
    assertEquals(4, answer.path("probabilities").size());

    Path wrong = tmp.resolve("wrong-shape.json");
    Files.writeString(wrong, "{\"input_data\": [[1, 2, 3]]}");
    Result refused = cli.run("online-endpoint", "invoke", "-n", "credit", "--request-file", wrong.toString());
    refused.exits(1);
    assertEquals("", refused.stdout());
    assertTrue(refused.stderr().contains("400") && refused.stderr().contains("BadRequest")
        && refused.stderr().contains("features"), "status, code and the server's message: " + refused);

    Path notJson = tmp.resolve("not.json");
    Files.writeString(notJson, "input_data = 1");
    cli.run("online-endpoint", "invoke", "-n", "credit", "--request-file", notJson.toString()).exits(1);
    cli.run("online-endpoint", "invoke", "-n", "credit", "-d", "teal", "--request-file", SAMPLE.toString()).exits(3);
    cli.run("online-endpoint", "invoke", "-n", "credit", "--request-file", tmp.resolve("absent.json").toString())
        .exits(1);
  }

  @Test
  void invokeFetchesAScoringTokenForAnAmlTokenEndpoint() {
    cli.run("online-endpoint", "create", "-n", "tokened", "--auth-mode", "aml_token").ok();
    cli.run("online-deployment", "create", "-n", "blue", "-e", "tokened", "--set", "model=german-credit-bad-risk:1",
        "--all-traffic").ok();
    JsonNode credentials = cli.run("online-endpoint", "get-credentials", "-n", "tokened").ok().json();
    assertEquals("Bearer", credentials.path("tokenType").asText());
    assertTrue(credentials.path("expiryTimeUtc").asLong() > 0, credentials.toString());
    assertEquals("[0,1,0,0]", cli.run("online-endpoint", "invoke", "-n", "tokened", "-r", SAMPLE.toString())
        .ok().json().path("label").toString());
    Result noKeys = cli.run("online-endpoint", "regenerate-keys", "-n", "tokened");
    noKeys.exits(1);
    assertTrue(noKeys.stderr().contains("does not use keys"), noKeys.toString());
    cli.run("online-endpoint", "delete", "-n", "tokened", "--yes").ok();
  }

  @Test
  void aControlPlaneThatIsNotRunningIsOneClearLine() {
    Result down = cli.run("online-endpoint", "list", "--endpoint-url", "https://127.0.0.1:1");
    down.exits(1);
    assertEquals("ERROR: cannot reach the control plane at https://127.0.0.1:1: is `./inferbus start` running?\n",
        down.stderr());
  }

  @Test
  void aForeignCaFailsTheHandshakeWithAStackTraceOnlyUnderDebug() throws Exception {
    TlsMaterial.loadOrCreate(tmp.resolve("foreign"), null, null);
    Path config = tmp.resolve("client.json");
    Files.writeString(config, "{\"control_plane_url\": \"" + node.control() + "\", \"ca_file\": \""
        + tmp.resolve("foreign").resolve("ca.pem") + "\", \"token\": \"x\"}");
    Result plain = cli.run("online-endpoint", "list", "--config", config.toString());
    plain.exits(1);
    assertTrue(plain.stderr().startsWith("ERROR: TLS with the control plane"), plain.toString());
    assertFalse(plain.stderr().contains("\tat "), plain.toString());
    Result debug = cli.run("online-endpoint", "list", "--config", config.toString(), "--debug");
    debug.exits(1);
    assertTrue(debug.stderr().contains("\tat "), "--debug shows where: " + debug);
  }

  /** The operator CLI is an HTTPS client: none of the server's classes may load on its path. */
  @Test
  void anOperatorCommandLoadsNoneOfTheServer() throws Exception {
    Path loaded = tmp.resolve("classes.txt");
    cli.with("INFERBUS_CLI_JAVA_OPTS", "-Xlog:class+load:file=" + loaded)
        .run("online-endpoint", "invoke", "-n", "credit", "-r", SAMPLE.toString()).ok();
    List<String> classes = Files.readAllLines(loaded);
    assertTrue(classes.stream().anyMatch(l -> l.contains("io.inferbus.cli.operator.endpoint.InvokeEndpoint")),
        "the log is of the command: " + classes.size() + " lines");
    assertTrue(classes.stream().anyMatch(l -> l.contains("io.inferbus.cli.operator.HttpsClient ")
        && l.contains("shared objects file")), "the CLI's classes come from the archive the build wrote");
    for (String server : List.of(" io.vertx.", " com.hazelcast.", " ai.onnxruntime.", " io.netty.", " org.slf4j.",
        " ch.qos.logback.", " io.inferbus.node.", " io.inferbus.gateway.", " io.inferbus.controlplane.")) {
      assertTrue(classes.stream().noneMatch(l -> l.contains(server)), server.strip() + " loaded: "
          + classes.stream().filter(l -> l.contains(server)).limit(5).toList());
    }
  }

  @Test
  void jvmOptionsForTheCliAndRefusedTokensSayWhatHappened() {
    assertEquals("credit\n", cli.with("INFERBUS_CLI_JAVA_OPTS", "-XX:+UseParallelGC")
        .run("online-endpoint", "show", "-n", "credit", "--query", "name", "-o", "tsv").ok().stdout(),
        "a collector chosen in INFERBUS_CLI_JAVA_OPTS replaces the CLI's own");
    Result refused = cli.run("online-endpoint", "update", "-n", "credit", "--traffic", "blue=100", "--token", "bad");
    refused.exits(1);
    assertTrue(refused.stderr().startsWith("ERROR: (Unauthorized) ") && refused.stderr().contains("token"),
        "the server's own message for a refused request with a body: " + refused);
  }

  @Test
  void everyCommandsHelpShowsAnExample() {
    List<List<String>> commands = List.of(List.of(), List.of("online-endpoint"), List.of("online-deployment"),
        List.of("model"), List.of("completion"));
    List<List<String>> all = new ArrayList<>(commands);
    for (String c : List.of("list", "show", "create", "update", "delete", "invoke", "get-credentials",
        "regenerate-keys", "history", "rollback", "get-traffic-log", "evidence")) {
      all.add(List.of("online-endpoint", c));
    }
    for (String c : List.of("list", "show", "create", "update", "delete", "get-logs")) {
      all.add(List.of("online-deployment", c));
    }
    for (String c : List.of("list", "show", "create")) {
      all.add(List.of("model", c));
    }
    for (List<String> command : all) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");
      Result help = cli.run(args.toArray(String[]::new)).ok();
      assertTrue(help.stdout().contains("Example"), String.join(" ", command) + " --help: " + help);
      assertTrue(help.stdout().contains("inferbus " + String.join(" ", command)), help.toString());
    }
  }

  @Test
  void completionScriptsForBashAndZsh() {
    String bash = cli.run("completion", "bash").ok().stdout();
    assertTrue(bash.contains("complete -F") && bash.contains("online-endpoint") && bash.contains("--traffic"), bash);
    Result sourced = cli.bash("source <(inferbus completion bash) && COMP_WORDS=(inferbus online-endpoint up) "
        + "&& COMP_CWORD=2 && _complete_inferbus && echo \"${COMPREPLY[@]}\"");
    sourced.ok();
    assertEquals("update\n", sourced.stdout(), sourced.toString());
    assertTrue(cli.run("completion", "zsh").ok().stdout().contains("bashcompinit"));
    cli.run("completion", "fish").exits(2);
  }

  @Test
  void theCliFindsClientJsonFromAnyDirectoryAndSaysWhereItLooked() throws Exception {
    Path home = tmp.resolve("home");
    Files.createDirectories(home.resolve(".inferbus"));
    Files.copy(dataDir.resolve("client.json"), home.resolve(".inferbus").resolve("client.json"));
    // the launcher's own directory holds no client.json here, and the JVM's user.home is the test's
    Cli elsewhere = cli.in(tmp).with("INFERBUS_CONFIG", null).with("INFERBUS_HOME", tmp.toString())
        .with("INFERBUS_CLI_JAVA_OPTS", "-Duser.home=" + home);
    assertEquals("credit\n", elsewhere.run("online-endpoint", "show", "-n", "credit", "--query", "name", "-o", "tsv")
        .ok().stdout());
    Cli nowhere = cli.in(tmp).with("INFERBUS_CONFIG", null).with("INFERBUS_HOME", tmp.toString())
        .with("INFERBUS_CLI_JAVA_OPTS", "-Duser.home=" + tmp);
    Result lost = nowhere.run("online-endpoint", "list");
    lost.exits(1);
    assertTrue(lost.stderr().contains("no client.json found") && lost.stderr().contains("./inferbus start"),
        lost.toString());
  }

  private static String traffic(String endpoint) {
    return cli.run("online-endpoint", "show", "-n", endpoint, "--query", "traffic").ok().json().toString();
  }

  private static int score(String endpoint, String key) {
    try {
      return node.https.send("POST", node.scoring() + "/endpoints/" + endpoint + "/score", key, "application/json",
          Files.readAllBytes(SAMPLE)).statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
