package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.testing.Cli.Result;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code inferbus console --no-browser} as an operator runs it (the built launcher) against a real
 * node: the link alone on stdout, a hint on stderr, and a code in the link that a browser exchanges
 * over HTTPS, once, for a token that works with the role of the CLI's token. Also: a reader's token
 * gives a reader's link, {@code -o json} prints the whole answer, help and completion know the
 * command, and without a valid token it fails as the other operator commands do.
 */
class ConsoleCliIT extends CliNodeTest {
  private static final Pattern LINK = Pattern.compile("(https://127\\.0\\.0\\.1:\\d+)/ui/#code=([A-Za-z0-9_-]{43})\n");

  private static HttpResponse<String> exchange(String base, String code) throws Exception {
    return node.https.send("POST", base + "/console/session", null, "application/json",
        new JsonObject().put("code", code).encode().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void printsOneLinkWhoseCodeSignsInOnceWithTheCliToken() throws Exception {
    Result run = cli.run("console", "--no-browser").ok();
    Matcher link = LINK.matcher(run.stdout());
    assertTrue(link.matches(), "exactly one line, the link: " + run);
    assertEquals(node.control(), link.group(1), "the address client.json reaches the control plane at");
    assertEquals("This link opens the console signed in as admin (admin); the link works once within 60 s.\n",
        run.stderr());

    HttpResponse<String> session = exchange(link.group(1), link.group(2));
    assertEquals(200, session.statusCode(), session.body());
    JsonObject signedIn = new JsonObject(session.body());
    assertEquals("admin", signedIn.getString("subject"));
    assertEquals("admin", signedIn.getString("role"));
    String token = signedIn.getString("token");
    assertEquals(node.adminToken(), token, "the CLI's own token, nothing new");
    HttpResponse<String> endpoints = node.https.get(node.control() + "/endpoints", token);
    assertEquals(200, endpoints.statusCode(), endpoints.body());

    HttpResponse<String> again = exchange(link.group(1), link.group(2));
    assertEquals(401, again.statusCode(), again.body());
    assertTrue(new JsonObject(again.body()).getJsonObject("error").getString("message")
        .startsWith("the sign-in code was already used"), again.body());
  }

  @Test
  void aReadersLinkSignsInAsAReader() throws Exception {
    String reader = node.token("dashboard", OperatorRole.READER);
    Result run = cli.with("INFERBUS_TOKEN", reader).run("console", "--no-browser", "--only-show-errors").ok();
    assertEquals("", run.stderr(), "no hint with --only-show-errors");
    Matcher link = LINK.matcher(run.stdout());
    assertTrue(link.matches(), run.toString());
    JsonObject signedIn = new JsonObject(exchange(link.group(1), link.group(2)).body());
    assertEquals("reader", signedIn.getString("role"), signedIn.encode());
    HttpResponse<String> put = node.https.json("PUT", node.control() + "/endpoints/from-console",
        signedIn.getString("token"), new JsonObject());
    assertEquals(403, put.statusCode(), put.body());
  }

  @Test
  void withOutputTheWholeAnswerIsPrinted() {
    JsonNode answer = cli.run("console", "--no-browser", "-o", "json").ok().json();
    assertEquals("admin", answer.path("subject").asText());
    assertTrue(answer.path("url").asText().endsWith("#code=" + answer.path("code").asText()), answer.toString());
    assertTrue(answer.has("expires_at"), answer.toString());
  }

  @Test
  void helpShowsAnExampleAndCompletionKnowsTheCommand() {
    Result help = cli.run("console", "--help").ok();
    assertTrue(help.stdout().contains("Example") && help.stdout().contains("inferbus console --no-browser"),
        help.toString());
    Result sourced = cli.bash("source <(inferbus completion bash) && COMP_WORDS=(inferbus cons) && COMP_CWORD=1 "
        + "&& _complete_inferbus && echo \"${COMPREPLY[@]}\" && COMP_WORDS=(inferbus console --no-b) "
        + "&& COMP_CWORD=2 && _complete_inferbus && echo \"${COMPREPLY[@]}\"");
    assertEquals("console\n--no-browser\n", sourced.ok().stdout(), sourced.toString());
  }

  @Test
  void anInvalidTokenFailsLikeEveryOperatorCommand() {
    Result run = cli.run("console", "--no-browser", "--token", "not-a-token");
    run.exits(1);
    assertEquals("", run.stdout());
    assertTrue(run.stderr().startsWith("ERROR: (Unauthorized) the token is not valid"), run.toString());
  }
}
