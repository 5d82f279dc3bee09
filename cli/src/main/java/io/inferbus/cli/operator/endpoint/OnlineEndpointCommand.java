package io.inferbus.cli.operator.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import io.inferbus.cli.operator.ResourcePaths;
import io.inferbus.cli.operator.Terminal;
import io.inferbus.cli.operator.spec.AzureSchema;
import io.inferbus.cli.operator.spec.SetOverrides;
import io.inferbus.cli.operator.spec.SpecFile;
import io.inferbus.cli.operator.spec.SpecOptions;
import io.inferbus.protocol.state.SpecFields;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code inferbus online-endpoint ...}: az ml's online-endpoint commands against the control plane. */
@Command(name = "online-endpoint", mixinStandardHelpOptions = true,
    description = "Manage online endpoints: the stable HTTPS scoring URIs, their traffic and their keys.",
    footer = {"", "Example:", "  inferbus online-endpoint show -n credit --query traffic"})
public final class OnlineEndpointCommand {
  /** The subcommands, in the order help lists them (built only when named: see CommandTree). */
  public static final List<Class<?>> SUBCOMMANDS = List.of(
      OnlineEndpointCommand.ListEndpoints.class,
      OnlineEndpointCommand.Show.class,
      OnlineEndpointCommand.Create.class,
      OnlineEndpointCommand.Update.class,
      OnlineEndpointCommand.Delete.class,
      InvokeEndpoint.class,
      OnlineEndpointCommand.GetCredentials.class,
      OnlineEndpointCommand.RegenerateKeys.class,
      OnlineEndpointCommand.History.class,
      OnlineEndpointCommand.Rollback.class,
      RolloutCommand.class,
      OnlineEndpointCommand.GetTrafficLog.class,
      OnlineEndpointCommand.Evidence.class);

  /** Table rows of endpoints: the columns az users look at first. */
  static JsonNode endpointRows(JsonNode endpoints) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    for (JsonNode e : endpoints.isArray() ? endpoints : Json.MAPPER.createArrayNode().add(endpoints)) {
      ObjectNode row = rows.addObject();
      row.put("Name", e.path("name").asText());
      row.put("Auth_mode", e.path("auth_mode").asText());
      row.put("Provisioning_state", e.path("provisioning_state").asText());
      row.put("Traffic", TrafficString.format(e.get("traffic")));
      String mirror = TrafficString.format(nonZero(e.get("mirror_traffic")));
      if (!mirror.isEmpty()) {
        row.put("Mirror_traffic", mirror);
      }
    }
    return rows;
  }

  private static JsonNode nonZero(JsonNode weights) {
    ObjectNode kept = Json.object();
    if (weights != null) {
      weights.fields().forEachRemaining(e -> {
        if (e.getValue().asInt() != 0) {
          kept.set(e.getKey(), e.getValue());
        }
      });
    }
    return kept;
  }

  @Command(name = "list",
      description = "List the endpoints.",
      footer = {"", "Example:", "  inferbus online-endpoint list -o table"})
  static final class ListEndpoints extends OperatorCommand {
    @Override
    protected void execute() {
      print(client().get("/endpoints").path("value"), OnlineEndpointCommand::endpointRows);
    }
  }

  @Command(name = "show",
      description = "Show an endpoint: scoring URI, traffic, state.",
      footer = {"", "Examples:", "  inferbus online-endpoint show -n credit",
          "  inferbus online-endpoint show -n credit -o tsv --query scoring_uri"})
  static final class Show extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Override
    protected void execute() {
      print(client().get(ResourcePaths.endpoint(name)), OnlineEndpointCommand::endpointRows);
    }
  }

  @Command(name = "create",
      description = "Create an endpoint from an Azure ML YAML file (managedOnlineEndpoint schema) or flags.",
      footer = {"", "Examples:", "  inferbus online-endpoint create -f examples/credit-scoring/endpoint.yml",
          "  inferbus online-endpoint create --name loans -f examples/credit-scoring/endpoint.yml",
          "  inferbus online-endpoint create --name loans --auth-mode aml_token"})
  static final class Create extends OperatorCommand {
    @Mixin
    SpecOptions spec;

    @Option(names = {"-n", "--name"}, description = "Name of the endpoint; overrides the file's name.")
    String name;

    @Option(names = "--auth-mode", description = "key, aml_token or aad_token; overrides the file's auth_mode.")
    String authMode;

    @Option(names = "--no-wait", description = "Do not wait for the operation to finish (and print nothing).")
    boolean noWait;

    @Override
    protected void execute() {
      SpecFile file = spec.readWithOverrides().override("name", name).override("auth_mode", authMode)
          .checkFields(AzureSchema.ENDPOINT);
      note(file.ignoredNote());
      String endpoint = file.text("name");
      if (endpoint == null) {
        throw CliException.usage("the endpoint needs a name: give --name/-n, or name: in --file");
      }
      if (client().find(ResourcePaths.endpoint(endpoint)) != null) {
        throw new CliException("An endpoint with this name already exists. If you are trying to create a new "
            + "endpoint, use a different name. If you are trying to update an existing endpoint, use "
            + "`inferbus online-endpoint update` instead.");
      }
      JsonNode created = client().put(ResourcePaths.endpoint(endpoint), file.spec());
      if (noWait) {
        note("Endpoint create request initiated. Status can be checked using `inferbus online-endpoint show -n "
            + endpoint + "`");
      } else {
        print(created, OnlineEndpointCommand::endpointRows);
      }
    }
  }

  @Command(name = "update",
      description = "Update an endpoint: its traffic split, mirror traffic, description, tags or auth mode.",
      footer = {"", "Examples:", "  inferbus online-endpoint update -n credit --traffic \"blue=90 green=10\"",
          "  inferbus online-endpoint update -n credit --mirror-traffic \"green=10\"",
          "  inferbus online-endpoint update -n credit --set description=\"loan prequalification\" tags.owner=risk",
          "  inferbus online-endpoint update -f examples/credit-scoring/endpoint.yml"})
  static final class Update extends OperatorCommand {
    @Mixin
    SpecOptions spec;

    @Option(names = {"-n", "--name"}, description = "Name of the endpoint; overrides the file's name.")
    String name;

    @Option(names = {"-r", "--traffic"}, paramLabel = "\"D=PERCENT ...\"",
        description = "Live traffic, space-separated: \"blue=90 green=10\". Replaces the whole split.")
    String traffic;

    @Option(names = "--mirror-traffic", paramLabel = "\"D=PERCENT\"",
        description = "Mirror traffic: \"green=10\" copies 10 % of live requests to green; \"green=0\" turns it off.")
    String mirrorTraffic;

    @Option(names = "--no-wait", description = "Do not wait for the operation to finish (and print nothing).")
    boolean noWait;

    @Override
    protected void execute() {
      SetOverrides overrides = spec.overrides();
      String endpoint;
      ObjectNode body;
      boolean put;
      if (spec.file != null) {
        SpecFile file = SpecFile.read(spec.file).override("name", name).apply(overrides)
            .checkFields(AzureSchema.ENDPOINT);
        note(file.ignoredNote());
        endpoint = file.text("name");
        if (endpoint == null) {
          throw CliException.usage("the endpoint needs a name: give --name/-n, or name: in --file");
        }
        if (client().find(ResourcePaths.endpoint(endpoint)) == null) {
          throw new CliException(CliException.NOT_FOUND, "Endpoint " + endpoint + " does not exist.");
        }
        body = file.spec();
        put = true;
      } else {
        if (name == null) {
          throw CliException.usage("give the endpoint's --name/-n (or a --file)");
        }
        endpoint = name;
        if (overrides.isEmpty()) {
          body = Json.object();
          put = false;
        } else {
          ObjectNode current = editable(client().get(ResourcePaths.endpoint(endpoint)));
          overrides.applyTo(current);
          SpecFile.of(current).checkFields(AzureSchema.ENDPOINT);
          put = !SpecFields.ENDPOINT_PATCH.containsAll(overrides.topLevelFields());
          if (put) {
            // the whole spec, but the traffic only if --set changed it: a split moved since the GET stays
            for (String field : List.of("traffic", "mirror_traffic")) {
              if (!overrides.topLevelFields().contains(field)) {
                current.remove(field);
              }
            }
            body = current;
          } else {
            body = Json.object();
            for (String field : overrides.topLevelFields()) {
              body.set(field, current.get(field));
            }
          }
        }
      }
      if (traffic != null) {
        body.set("traffic", TrafficString.parse("--traffic", traffic));
      }
      if (mirrorTraffic != null) {
        body.set("mirror_traffic", TrafficString.parse("--mirror-traffic", mirrorTraffic));
      }
      if (body.isEmpty() && !put) {
        throw CliException.usage("nothing to update: give --traffic, --mirror-traffic, --set or --file");
      }
      JsonNode updated = put ? client().put(ResourcePaths.endpoint(endpoint), body) : client().patch(ResourcePaths.endpoint(endpoint), body);
      if (noWait) {
        note("Endpoint update request initiated. Status can be checked using `inferbus online-endpoint show -n "
            + endpoint + "`");
      } else {
        print(updated, OnlineEndpointCommand::endpointRows);
      }
    }

    /** The endpoint as shown, reduced to the fields its spec takes (what --set may change). */
    private static ObjectNode editable(JsonNode shown) {
      ObjectNode spec = Json.object();
      for (String field : AzureSchema.ENDPOINT.inferbusFields()) {
        if (shown.has(field)) {
          spec.set(field, shown.get(field).deepCopy());
        }
      }
      return spec;
    }
  }

  @Command(name = "delete",
      description = "Delete an endpoint with all its deployments (asks first unless --yes).",
      footer = {"", "Example:", "  inferbus online-endpoint delete -n loans --yes"})
  static final class Delete extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Option(names = {"-y", "--yes"}, description = "Do not prompt for confirmation.")
    boolean yes;

    @Option(names = "--no-wait", description = "Do not wait for the operation to finish.")
    boolean noWait;

    @Override
    protected void execute() {
      if (client().find(ResourcePaths.endpoint(name)) == null) {
        throw new CliException(CliException.NOT_FOUND, "Online endpoint " + name + " does not exist.");
      }
      Terminal.confirm("Are you sure you want to perform this operation?", yes);
      client().delete(ResourcePaths.endpoint(name));
    }
  }

  @Command(name = "get-credentials",
      description = "The endpoint's keys (auth_mode key) or a fresh scoring token (auth_mode aml_token).",
      footer = {"", "Example:", "  KEY=$(inferbus online-endpoint get-credentials -n credit -o tsv --query primaryKey)"})
  static final class GetCredentials extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Override
    protected void execute() {
      print(Credentials.of(client(), name, client().get(ResourcePaths.endpoint(name)).path("auth_mode").asText()).answer());
    }
  }

  @Command(name = "regenerate-keys",
      description = "Replace one of the endpoint's two keys; the old one stops working on every gateway within a second.",
      footer = {"", "Example:", "  inferbus online-endpoint regenerate-keys -n credit --key-type secondary"})
  static final class RegenerateKeys extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Option(names = "--key-type", defaultValue = "primary", description = "primary or secondary (default: primary).")
    String keyType;

    @Option(names = "--no-wait", description = "Do not wait for the operation to finish.")
    boolean noWait;

    @Override
    protected void execute() {
      if (!keyType.equals("primary") && !keyType.equals("secondary")) {
        throw CliException.usage("Key type must be 'primary' or 'secondary'.");
      }
      JsonNode endpoint = client().get(ResourcePaths.endpoint(name));
      if (!"key".equals(endpoint.path("auth_mode").asText())) {
        throw new CliException("Endpoint '" + name + "' does not use keys for authentication (auth_mode "
            + endpoint.path("auth_mode").asText() + ").");
      }
      client().post(ResourcePaths.endpoint(name) + "/keys/regenerate", Json.object().put("key_type", keyType));
    }
  }

  @Command(name = "history",
      description = "The endpoint's traffic revisions, oldest first: weights, mirror, who and when.",
      footer = {"", "Example:", "  inferbus online-endpoint history -n credit -o table"})
  static final class History extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Override
    protected void execute() {
      print(client().get(ResourcePaths.endpoint(name) + "/traffic/history").path("value"), History::rows);
    }

    private static JsonNode rows(JsonNode revisions) {
      ArrayNode rows = Json.MAPPER.createArrayNode();
      for (JsonNode r : revisions) {
        ObjectNode row = rows.addObject();
        row.put("Revision", r.path("revision").asLong());
        row.put("Traffic", TrafficString.format(r.get("traffic")));
        row.put("Mirror_traffic", TrafficString.format(nonZero(r.get("mirror_traffic"))));
        row.put("Actor", r.path("actor").asText());
        row.put("Time", r.path("time").asText());
        row.put("Rolled_back_to", r.has("rolled_back_to") ? r.get("rolled_back_to").asText() : "");
      }
      return rows;
    }
  }

  @Command(name = "rollback",
      description = "Re-apply an earlier traffic revision (default: the one before the current) as a new revision.",
      footer = {"", "Examples:", "  inferbus online-endpoint rollback -n credit",
          "  inferbus online-endpoint rollback -n credit --to-revision 2"})
  static final class Rollback extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Option(names = "--to-revision", paramLabel = "N", description = "The revision to re-apply (see history).")
    Long toRevision;

    @Override
    protected void execute() {
      ObjectNode body = Json.object();
      if (toRevision != null) {
        body.put("to_revision", toRevision);
      }
      print(client().post(ResourcePaths.endpoint(name) + "/traffic/rollback", body), OnlineEndpointCommand::endpointRows);
    }
  }

  @Command(name = "get-traffic-log",
      description = "The endpoint's traffic log: one record per request a gateway served (live or mirrored), "
          + "gathered from every gateway, newest last.",
      footer = {"", "Examples:", "  inferbus online-endpoint get-traffic-log -n credit --request-id \"$REQUEST_ID\"",
          "  inferbus online-endpoint get-traffic-log -n credit --since 30m --status 5xx -o table",
          "  inferbus online-endpoint get-traffic-log -n credit -l 1000 --query \"[?deployment=='green'].duration_ms\""})
  static final class GetTrafficLog extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Option(names = "--request-id", paramLabel = "ID",
        description = "Only the request with this id (the x-request-id its caller got back).")
    String requestId;

    @Option(names = "--since", paramLabel = "TIME",
        description = "Only requests from then on: an ISO-8601 instant (2026-01-31T12:00:00Z) or a time back "
            + "from now (30m, 2h, 7d).")
    String since;

    @Option(names = "--status", paramLabel = "STATUS",
        description = "Only requests answered with this status (503) or class (5xx).")
    String status;

    @Option(names = {"-l", "--lines"}, paramLabel = "N",
        description = "How many of the latest matching records, 1-10000 (default: 100).")
    Integer lines;

    @Override
    protected void execute() {
      Map<String, Object> query = new LinkedHashMap<>();
      query.put("request_id", requestId);
      query.put("since", since);
      query.put("status", status);
      query.put("lines", lines);
      JsonNode answer = client().get(ResourcePaths.withQuery(ResourcePaths.endpoint(name) + "/traffic-log", query));
      for (JsonNode node : answer.path("unreachable_nodes")) {
        note("warning: gateway " + node.asText() + " did not answer; its records are missing");
      }
      for (JsonNode node : answer.path("logging_off_nodes")) {
        note("note: gateway " + node.asText() + " runs with --request-logging off and keeps no traffic log");
      }
      print(answer.path("value"), GetTrafficLog::rows);
    }

    /** One row per request: when, which, where it went, how it ended, how long it took, who asked. */
    private static JsonNode rows(JsonNode records) {
      ArrayNode rows = Json.MAPPER.createArrayNode();
      for (JsonNode r : records) {
        ObjectNode row = rows.addObject();
        row.put("Time", r.path("time").asText());
        row.put("Request_id", r.path("request_id").asText());
        row.put("Deployment", r.path("deployment").isNull() ? "" : r.path("deployment").asText());
        row.put("Kind", r.path("kind").asText());
        row.put("Status", r.path("status").asInt());
        row.put("Duration_ms", r.path("duration_ms").asText());
        row.put("Caller", r.path("caller").isNull() ? "" : r.path("caller").asText());
      }
      return rows;
    }
  }

  @Command(name = "evidence",
      description = "The release evidence bundle of the endpoint over a window: its spec, deployments with model "
          + "sha256 and instance counts as they changed, traffic revisions and rollbacks, key regenerations, audit "
          + "records, instance-hours, and requests, errors and latency per deployment and revision.",
      footer = {"", "Examples:", "  inferbus online-endpoint evidence -n credit --since 30d -o md > evidence.md",
          "  inferbus online-endpoint evidence -n credit --since 2026-01-31T12:00:00Z -o json"})
  static final class Evidence extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the endpoint.")
    String name;

    @Option(names = "--since", paramLabel = "TIME", defaultValue = "30d",
        description = "Start of the window: a time back from now (30d, 12h, 90m) or an ISO-8601 instant "
            + "(default: 30d).")
    String since;

    @Override
    protected void execute() {
      JsonNode bundle = client().get(ResourcePaths.withQuery(ResourcePaths.endpoint(name) + "/evidence",
          Map.of("since", since)));
      if (options.output == io.inferbus.cli.operator.output.OutputFormat.MD) {
        if (options.query != null) {
          throw CliException.usage("--query applies to -o json or yaml, not to the markdown page");
        }
        System.out.print(EvidenceMarkdown.render(bundle));
        System.out.flush();
        return;
      }
      print(bundle);
    }
  }
}
