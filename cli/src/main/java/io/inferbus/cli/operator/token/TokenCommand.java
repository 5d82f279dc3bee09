package io.inferbus.cli.operator.token;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.ClientConfig;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import io.inferbus.cli.operator.ResourcePaths;
import io.inferbus.cli.operator.Terminal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code inferbus token ...}: operator credentials. Named tokens with a role and an expiry for
 * scripts and colleagues, and the rotation of client.json's admin token (POST/GET/DELETE /tokens,
 * POST /tokens/admin/rotate; every call needs the admin role).
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Manage operator tokens: named tokens with a role and an expiry, and the admin token of client.json.",
    footer = {"", "Example:", "  TOKEN=$(inferbus token create --name ci --role operator --expires 30d)"})
public final class TokenCommand {
  /** The subcommands, in the order help lists them (built only when named: see CommandTree). */
  public static final List<Class<?>> SUBCOMMANDS = List.of(
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Revoke.class,
      TokenCommand.RotateAdmin.class);

  /** Table rows of tokens: every listed field, a revoked token's time of revocation last. */
  private static JsonNode tokenRows(JsonNode tokens) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    for (JsonNode t : tokens.isArray() ? tokens : Json.MAPPER.createArrayNode().add(tokens)) {
      ObjectNode row = rows.addObject();
      row.put("Name", t.path("name").asText());
      row.put("Role", t.path("role").asText());
      row.put("Created_at", text(t.path("created_at")));
      row.put("Created_by", text(t.path("created_by")));
      row.put("Expires_at", text(t.path("expires_at")));
      row.put("Revoked_at", text(t.path("revoked_at")));
    }
    return rows;
  }

  private static String text(JsonNode value) {
    return value.isMissingNode() || value.isNull() ? "" : value.asText();
  }

  @Command(name = "create",
      description = "Issue a named token with a role and an expiry; prints the token (shown this once).",
      footer = {"", "Examples:", "  TOKEN=$(inferbus token create --name ci --role operator --expires 30d)",
          "  inferbus token create -n dashboard --role reader --expires 2026-12-31T00:00:00Z -o json"})
  static final class Create extends OperatorCommand {
    @Spec
    CommandSpec spec;

    @Option(names = {"-n", "--name"}, required = true,
        description = "Name of the token: 1-63 lower-case letters, digits and dashes; unique among live tokens.")
    String name;

    @Option(names = "--role", required = true, description = "reader, operator or admin.")
    String role;

    @Option(names = "--expires", paramLabel = "WHEN",
        description = "A time from now (90m, 12h, 30d) or an ISO-8601 instant, at most 365d (default: 30d).")
    String expires;

    @Override
    protected void execute() {
      ObjectNode body = Json.object().put("name", name).put("role", role);
      if (expires != null) {
        body.put("expires", expires);
      }
      JsonNode created = client().post("/tokens", body);
      if (spec.commandLine().getParseResult().hasMatchedOption("--output") || options.query != null) {
        print(created);
      } else {
        // the bare token, for TOKEN=$(...); -o or --query print the object
        System.out.println(created.path("token").asText());
      }
    }
  }

  @Command(name = "list",
      description = "List the named tokens, live, expired or revoked: role, who created them, expiry (never the token).",
      footer = {"", "Example:", "  inferbus token list -o table"})
  static final class ListTokens extends OperatorCommand {
    @Override
    protected void execute() {
      print(client().get("/tokens").path("value"), TokenCommand::tokenRows);
    }
  }

  @Command(name = "revoke",
      description = "Revoke a named token: every control plane refuses it within a second (asks first unless --yes).",
      footer = {"", "Examples:", "  inferbus token revoke ci", "  inferbus token revoke --name ci --yes"})
  static final class Revoke extends OperatorCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Name of the token.")
    String positionalName;

    @Option(names = {"-n", "--name"}, description = "Name of the token (instead of NAME).")
    String name;

    @Option(names = {"-y", "--yes"}, description = "Do not prompt for confirmation.")
    boolean yes;

    @Override
    protected void execute() {
      String token = name();
      JsonNode latest = null;
      for (JsonNode t : client().get("/tokens").path("value")) {
        if (token.equals(t.path("name").asText())) {
          latest = t; // listed oldest first
        }
      }
      if (latest == null) {
        throw new CliException(CliException.NOT_FOUND, "Token " + token + " does not exist.");
      }
      if (!latest.path("revoked_at").isNull()) {
        throw new CliException(CliException.NOT_FOUND, "Token " + token + " is already revoked (at "
            + latest.path("revoked_at").asText() + ").");
      }
      if (!Instant.parse(latest.path("expires_at").asText()).isAfter(Instant.now())) {
        throw new CliException(CliException.NOT_FOUND, "Token " + token + " has expired (at "
            + latest.path("expires_at").asText() + ").");
      }
      Terminal.confirm("Are you sure you want to perform this operation?", yes);
      client().delete(ResourcePaths.token(token));
    }

    private String name() {
      if (positionalName != null && name != null && !positionalName.equals(name)) {
        throw CliException.usage("give the token's name once: NAME or --name/-n, not both");
      }
      String given = positionalName != null ? positionalName : name;
      if (given == null) {
        throw CliException.usage("give the name of the token to revoke: inferbus token revoke NAME");
      }
      return given;
    }
  }

  @Command(name = "rotate-admin",
      description = {"Replace the admin token: the control plane issues a new one and revokes the one this command "
          + "runs with, everywhere within a second. The new token goes into the client.json the command used when "
          + "it held the old one (its other fields kept), else it is printed; endpoint keys and scoring tokens keep "
          + "working."},
      footer = {"", "Examples:", "  inferbus token rotate-admin",
          "  inferbus token rotate-admin --config /etc/inferbus/client.json"})
  static final class RotateAdmin extends OperatorCommand {
    @Override
    protected void execute() {
      ClientConfig config = client().config();
      if (config.token() == null) {
        throw new CliException("no token to rotate: client.json has none and neither --token nor INFERBUS_TOKEN "
            + "gives one");
      }
      // the client.json the command used gets the new token when it holds the one being replaced
      Path file = config.source() != null && config.token().equals(ClientConfig.tokenIn(config.source()))
          ? config.source() : null;
      if (file != null && !(Files.isWritable(file) && Files.isWritable(file.toAbsolutePath().getParent()))) {
        throw new CliException("cannot write " + file + ", where the new admin token must go; nothing was changed "
            + "(make it writable, or give the admin token with --token to have the new one printed)");
      }
      JsonNode rotated = client().post("/tokens/admin/rotate", Json.object());
      String token = rotated.path("token").asText();
      if (file == null) {
        note("The rotated token was not client.json's, so no client.json was changed: keep the new token printed "
            + "here; the old one is refused from now on.");
        print(rotated);
        return;
      }
      try {
        ClientConfig.replaceToken(file, token);
      } catch (IOException | CliException e) {
        print(rotated);
        throw new CliException("the admin token was rotated (the old one is refused), but " + file
            + " could not be written: " + e.getMessage() + "; the new token is printed above: put it in the file's "
            + "token field", e);
      }
      note("The new admin token is in " + file + "; the old one is refused from now on.");
      ObjectNode shown = ((ObjectNode) rotated).deepCopy();
      shown.remove("token");
      shown.put("client_config", file.toAbsolutePath().toString());
      print(shown);
    }
  }
}
