package io.inferbus.cli.operator.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferbus.cli.operator.CliException;
import io.inferbus.cli.operator.ControlPlaneClient.ApiException;
import io.inferbus.cli.operator.Json;
import io.inferbus.cli.operator.OperatorCommand;
import io.inferbus.cli.operator.ResourcePaths;
import io.inferbus.cli.operator.Terminal;
import io.inferbus.cli.operator.endpoint.RolloutFlags;
import io.inferbus.cli.operator.model.ModelRegistry;
import io.inferbus.cli.operator.spec.AzureSchema;
import io.inferbus.cli.operator.spec.SetOverrides;
import io.inferbus.cli.operator.spec.SpecFile;
import io.inferbus.cli.operator.spec.SpecOptions;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.state.ScaleSettings;
import io.inferbus.protocol.state.SpecFields;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code inferbus online-deployment ...}: az ml's online-deployment commands against the control plane. */
@Command(name = "online-deployment", mixinStandardHelpOptions = true,
    description = "Manage the deployments behind an endpoint: a model, its instances and request settings.",
    footer = {"", "Example:", "  inferbus online-deployment list -e credit -o table"})
public final class OnlineDeploymentCommand {
  /** The subcommands, in the order help lists them (built only when named: see CommandTree). */
  public static final List<Class<?>> SUBCOMMANDS = List.of(
      OnlineDeploymentCommand.ListDeployments.class,
      OnlineDeploymentCommand.Show.class,
      OnlineDeploymentCommand.Create.class,
      OnlineDeploymentCommand.Update.class,
      OnlineDeploymentCommand.Delete.class,
      OnlineDeploymentCommand.GetLogs.class);
  private static final ObjectNode DEFAULT_REQUEST_SETTINGS = Json.object()
      .put("request_timeout_ms", RequestSettings.DEFAULT_REQUEST_TIMEOUT_MS)
      .put("max_concurrent_requests_per_instance", RequestSettings.DEFAULT_MAX_CONCURRENT_REQUESTS_PER_INSTANCE)
      .put("max_queue_wait_ms", RequestSettings.DEFAULT_MAX_QUEUE_WAIT_MS);

  /** Autoscaling's defaults, as the control plane fills them in (plain constants: ScaleSettings is not loaded). */
  private static final ObjectNode DEFAULT_SCALE_SETTINGS = Json.object()
      .put(ScaleSettings.TYPE, ScaleSettings.TARGET_UTILIZATION)
      .put(ScaleSettings.MIN_INSTANCES, ScaleSettings.DEFAULT_MIN_INSTANCES)
      .put(ScaleSettings.MAX_INSTANCES, ScaleSettings.DEFAULT_MAX_INSTANCES)
      .put(ScaleSettings.POLLING_INTERVAL, ScaleSettings.DEFAULT_POLLING_INTERVAL_S)
      .put(ScaleSettings.TARGET_UTILIZATION_PERCENTAGE, ScaleSettings.DEFAULT_TARGET_UTILIZATION_PERCENTAGE)
      .put(ScaleSettings.SCALE_UP_DELAY, ScaleSettings.DEFAULT_SCALE_UP_DELAY_S)
      .put(ScaleSettings.SCALE_DOWN_DELAY, ScaleSettings.DEFAULT_SCALE_DOWN_DELAY_S)
      .put(ScaleSettings.SCALE_TO_ZERO_IDLE_PERIOD, ScaleSettings.DEFAULT_SCALE_TO_ZERO_IDLE_PERIOD_S);
  private static final ObjectNode FIXED_SCALE = Json.object().put(ScaleSettings.TYPE, ScaleSettings.DEFAULT);

  static JsonNode deploymentRows(JsonNode deployments) {
    ArrayNode rows = Json.MAPPER.createArrayNode();
    for (JsonNode d : deployments.isArray() ? deployments : Json.MAPPER.createArrayNode().add(deployments)) {
      ObjectNode row = rows.addObject();
      row.put("Name", d.path("name").asText());
      row.put("Endpoint_name", d.path("endpoint_name").asText());
      row.put("Model", d.path("model").path("name").asText() + ":" + d.path("model").path("version").asText());
      row.put("Instance_count", d.path("instance_count").asInt());
      row.put("Provisioning_state", d.path("provisioning_state").asText());
    }
    return rows;
  }

  /** The deployment as shown, reduced to the fields its spec takes (what --set and a file change). */
  static ObjectNode editable(JsonNode shown) {
    ObjectNode spec = Json.object();
    for (String field : AzureSchema.DEPLOYMENT.inferbusFields()) {
      JsonNode value = shown.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      if (field.equals("model") && value.isObject()) {
        spec.put("model", value.path("name").asText() + ":" + value.path("version").asText());
      } else {
        spec.set(field, value.deepCopy());
      }
    }
    return spec;
  }

  /** A field as the control plane stores it when the spec leaves it out. */
  private static JsonNode normalized(String field, JsonNode value) {
    boolean absent = value == null || value.isNull();
    return switch (field) {
      case "description" -> absent ? Json.MAPPER.getNodeFactory().textNode("") : value;
      case "tags" -> absent ? Json.object() : value;
      case "instance_count" -> absent ? Json.MAPPER.getNodeFactory().numberNode(1) : value;
      case "request_settings" -> {
        ObjectNode merged = DEFAULT_REQUEST_SETTINGS.deepCopy();
        if (!absent && value.isObject()) {
          merged.setAll((ObjectNode) value);
        }
        yield merged;
      }
      case ScaleSettings.FIELD -> {
        // absent and type default are both a fixed count; an autoscaled spec as stored, with the defaults
        if (absent || SpecFile.fixedScale(value)) {
          yield FIXED_SCALE;
        }
        if (!value.isObject()) {
          yield value; // refused by the control plane, with its message
        }
        ObjectNode merged = DEFAULT_SCALE_SETTINGS.deepCopy();
        merged.setAll((ObjectNode) value);
        if (merged.path(ScaleSettings.TYPE).asText("").replace("_", "").equalsIgnoreCase("targetutilization")) {
          merged.put(ScaleSettings.TYPE, ScaleSettings.TARGET_UTILIZATION); // Azure's REST spelling, as stored
        }
        yield merged;
      }
      default -> absent ? NullNode.getInstance() : value;
    };
  }

  /** Whether a spec's scale_settings autoscale it (then the autoscaler, not the spec, sets instance_count). */
  private static boolean autoscaled(JsonNode spec) {
    return normalized(ScaleSettings.FIELD, spec.get(ScaleSettings.FIELD)) != FIXED_SCALE;
  }

  /** The spec fields whose values differ between the current deployment and the desired spec. */
  static Set<String> changedFields(ObjectNode current, ObjectNode desired) {
    Set<String> fields = new LinkedHashSet<>();
    current.fieldNames().forEachRemaining(fields::add);
    desired.fieldNames().forEachRemaining(fields::add);
    Set<String> changed = new LinkedHashSet<>();
    for (String field : fields) {
      if (!Objects.equals(normalized(field, current.get(field)), normalized(field, desired.get(field)))) {
        changed.add(field);
      }
    }
    return changed;
  }

  @Command(name = "list",
      description = "List an endpoint's deployments.",
      footer = {"", "Example:", "  inferbus online-deployment list -e credit -o table"})
  static final class ListDeployments extends OperatorCommand {
    @Option(names = {"-e", "--endpoint-name", "--endpoint"}, required = true, description = "Name of the endpoint.")
    String endpoint;

    @Override
    protected void execute() {
      print(client().get(ResourcePaths.endpoint(endpoint) + "/deployments").path("value"), OnlineDeploymentCommand::deploymentRows);
    }
  }

  @Command(name = "show",
      description = "Show a deployment: spec, model signature, provisioning state, instances, failure reason.",
      footer = {"", "Example:", "  inferbus online-deployment show -n blue -e credit --query provisioning_state"})
  static final class Show extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the deployment.")
    String name;

    @Option(names = {"-e", "--endpoint-name", "--endpoint"}, required = true, description = "Name of the endpoint.")
    String endpoint;

    @Override
    protected void execute() {
      print(client().get(ResourcePaths.deployment(endpoint, name)), OnlineDeploymentCommand::deploymentRows);
    }
  }

  @Command(name = "create",
      description = "Create a deployment from an Azure ML YAML file (managedOnlineDeployment schema); a local model "
          + "file is uploaded and registered. Waits until it serves (Succeeded) unless --no-wait.",
      footer = {"", "Examples:",
          "  inferbus online-deployment create -f examples/credit-scoring/blue-deployment.yml --all-traffic",
          "  inferbus online-deployment create --name green --endpoint credit -f examples/credit-scoring/green-deployment.yml",
          "  inferbus online-deployment create -n green -e credit --set model=german-credit-bad-risk:1 instance_count=2",
          "  inferbus online-deployment create -f green.yml   # with a rollout: block, rolled out as a canary once it serves"})
  static final class Create extends OperatorCommand {
    @Mixin
    SpecOptions spec;

    @Option(names = {"-n", "--name"}, description = "Name of the deployment; overrides the file's name.")
    String name;

    @Option(names = {"-e", "--endpoint-name", "--endpoint"},
        description = "Name of the endpoint; overrides the file's endpoint_name.")
    String endpoint;

    @Option(names = "--instance-count", paramLabel = "N", description = "Number of instances; overrides the file.")
    Integer instanceCount;

    @Option(names = "--all-traffic",
        description = "Send all of the endpoint's live traffic to this deployment once it serves.")
    boolean allTraffic;

    @Option(names = "--no-wait", description = "Do not wait until the deployment serves (and print nothing).")
    boolean noWait;

    /** Starts the rollout of the file's block now that the deployment serves; a refusal says the deployment is there. */
    private void startRollout(String endpointName, String deployment, ObjectNode rollout) {
      JsonNode started;
      try {
        started = client().post(ResourcePaths.endpoint(endpointName) + "/rollout", rollout);
      } catch (ApiException e) {
        throw new CliException("deployment " + endpointName + "/" + deployment + " was created and serves, but its "
            + "rollout was refused: (" + e.code() + ") " + e.getMessage() + "; fix the rollout: block and start it "
            + "with inferbus online-endpoint rollout start -n " + endpointName + " --deployment " + deployment);
      }
      note("Rollout of deployment " + deployment + " started: " + started.path("current_share").asInt()
          + " % of live traffic now, steps " + started.path("steps") + " every " + started.path("step_interval_s")
          + " s. Follow it with `inferbus online-endpoint rollout status -n " + endpointName + "`");
    }

    @Override
    protected void execute() {
      SpecFile file = spec.readWithOverrides().override("name", name).override("endpoint_name", endpoint)
          .checkFields(AzureSchema.DEPLOYMENT);
      note(file.ignoredNote());
      String deployment = file.text("name");
      String endpointName = file.text("endpoint_name");
      if (deployment == null || endpointName == null) {
        throw CliException.usage("the deployment needs a name and an endpoint: give --name/-n and --endpoint-name/-e, "
            + "or name: and endpoint_name: in --file");
      }
      if (instanceCount != null) {
        file.spec().put("instance_count", instanceCount);
      }
      // the rollout: block is the CLI's to act on; the control plane gets the deployment without it
      JsonNode rolloutBlock = file.spec().remove(SpecFields.DEPLOYMENT_ROLLOUT);
      ObjectNode rollout = rolloutBlock == null ? null : RolloutFlags.fromYamlBlock(rolloutBlock, deployment,
          spec.file == null ? "the deployment spec" : spec.file.toString());
      if (rollout != null && allTraffic) {
        throw CliException.usage("--all-traffic and the file's rollout: block both say where live traffic goes: "
            + "leave out --all-traffic to roll " + deployment + " out step by step, or the block to switch at once");
      }
      if (client().find(ResourcePaths.endpoint(endpointName)) == null) {
        throw new CliException(CliException.NOT_FOUND, "Endpoint " + endpointName + " does not exist; create it first "
            + "(inferbus online-endpoint create)");
      }
      if (client().find(ResourcePaths.deployment(endpointName, deployment)) != null) {
        throw new CliException("A deployment with this name already exists. If you are trying to create a new "
            + "deployment, use a different name. If you are trying to update an existing deployment, use "
            + "`inferbus online-deployment update` instead.");
      }
      file.spec().set("model", ModelReference.resolve(file.spec().get("model"), file.baseDirectory(),
          new ModelRegistry(client()), null, this::note));
      client().put(ResourcePaths.deployment(endpointName, deployment), file.spec());
      if (noWait) {
        if (rollout != null) {
          note("The rollout of deployment " + deployment + " won't be started since no_wait option was provided. "
              + "Start it once the deployment serves: inferbus online-endpoint rollout start -n " + endpointName
              + " --deployment " + deployment + " --steps \"...\"");
        }
        if (allTraffic) {
          note("All traffic won't be set to deployment " + deployment + " since no_wait option was provided. You can "
              + "set it once the deployment serves: inferbus online-endpoint update -n " + endpointName
              + " --traffic \"" + deployment + "=100\"");
        }
        note("Deployment create request initiated. Status can be checked using `inferbus online-deployment show -n "
            + deployment + " -e " + endpointName + "`");
        return;
      }
      if (allTraffic) {
        note("All traffic will be set to deployment " + deployment + " once it has been provisioned.");
      }
      JsonNode settled = ProvisioningWait.untilSettled(client(), ResourcePaths.deployment(endpointName, deployment),
          "deployment " + endpointName + "/" + deployment, options.onlyShowErrors);
      if (allTraffic) {
        ObjectNode traffic = Json.object();
        traffic.putObject("traffic").put(deployment, 100);
        client().patch(ResourcePaths.endpoint(endpointName), traffic);
      }
      if (rollout != null) {
        startRollout(endpointName, deployment, rollout);
      }
      print(settled, OnlineDeploymentCommand::deploymentRows);
    }
  }

  @Command(name = "update",
      description = "Update a deployment: scale it, change its request settings, or apply a changed YAML file. "
          + "Waits until it serves again (Succeeded) unless --no-wait.",
      footer = {"", "Examples:", "  inferbus online-deployment update -n blue -e credit --set instance_count=2",
          "  inferbus online-deployment update -n blue -e credit --set request_settings.request_timeout_ms=9000",
          "  inferbus online-deployment update -f examples/credit-scoring/blue-deployment.yml"})
  static final class Update extends OperatorCommand {
    @Mixin
    SpecOptions spec;

    @Option(names = {"-n", "--name"}, description = "Name of the deployment; overrides the file's name.")
    String name;

    @Option(names = {"-e", "--endpoint-name", "--endpoint"},
        description = "Name of the endpoint; overrides the file's endpoint_name.")
    String endpoint;

    @Option(names = "--instance-count", paramLabel = "N",
        description = "Number of instances (same as --set instance_count=N).")
    Integer instanceCount;

    @Option(names = "--no-wait", description = "Do not wait until the deployment serves again (and print nothing).")
    boolean noWait;

    @Override
    protected void execute() {
      SetOverrides overrides = spec.overrides();
      SpecFile desired;
      if (spec.file != null) {
        desired = SpecFile.read(spec.file).override("name", name).override("endpoint_name", endpoint)
            .apply(overrides);
      } else {
        if (name == null || endpoint == null) {
          throw CliException.usage("give the deployment's --name/-n and --endpoint-name/-e (or a --file)");
        }
        if (overrides.isEmpty() && instanceCount == null) {
          throw CliException.usage("nothing to update: give --set, --instance-count or --file");
        }
        desired = null;
      }
      String deployment = desired != null ? desired.text("name") : name;
      String endpointName = desired != null ? desired.text("endpoint_name") : endpoint;
      if (deployment == null || endpointName == null) {
        throw CliException.usage("the deployment needs a name and an endpoint: give --name/-n and --endpoint-name/-e, "
            + "or name: and endpoint_name: in --file");
      }
      JsonNode shown = client().find(ResourcePaths.deployment(endpointName, deployment));
      if (shown == null) {
        throw new CliException(CliException.NOT_FOUND, "Deployment " + endpointName + "/" + deployment
            + " does not exist; create it with inferbus online-deployment create");
      }
      ObjectNode current = editable(shown);
      if (desired == null) {
        ObjectNode edited = current.deepCopy();
        overrides.applyTo(edited);
        desired = SpecFile.of(edited);
      }
      desired.checkFields(AzureSchema.DEPLOYMENT);
      note(desired.ignoredNote());
      ObjectNode wanted = desired.spec();
      if (wanted.remove(SpecFields.DEPLOYMENT_ROLLOUT) != null) {
        note("note: the rollout: block is used by online-deployment create; roll out an existing deployment with "
            + "inferbus online-endpoint rollout start -n " + endpointName + " --deployment " + deployment);
      }
      if (instanceCount != null) {
        wanted.put("instance_count", instanceCount);
      } else if (autoscaled(wanted) && autoscaled(current)) {
        // the file's instance_count is where autoscaling started; the count it reached stays
        wanted.set("instance_count", current.get("instance_count"));
      }
      if (!Objects.equals(wanted.get("model"), current.get("model"))) {
        wanted.set("model", ModelReference.resolve(wanted.get("model"), desired.baseDirectory(),
            new ModelRegistry(client()), current.path("model").asText(null), this::note));
      }
      Set<String> changed = changedFields(current, wanted);
      if (changed.isEmpty()) {
        note("deployment " + endpointName + "/" + deployment + " already has this spec; nothing to change");
      } else if (SpecFields.DEPLOYMENT_PATCH.containsAll(changed)) {
        ObjectNode patch = Json.object();
        for (String field : changed) {
          patch.set(field, normalized(field, wanted.get(field)));
        }
        client().patch(ResourcePaths.deployment(endpointName, deployment), patch);
      } else {
        client().put(ResourcePaths.deployment(endpointName, deployment), wanted);
      }
      if (noWait) {
        note("Deployment update request initiated. Status can be checked using `inferbus online-deployment show -n "
            + deployment + " -e " + endpointName + "`");
        return;
      }
      print(ProvisioningWait.untilSettled(client(), ResourcePaths.deployment(endpointName, deployment),
          "deployment " + endpointName + "/" + deployment, options.onlyShowErrors), OnlineDeploymentCommand::deploymentRows);
    }
  }

  @Command(name = "delete",
      description = "Delete a deployment (refused while it has live or mirror traffic; asks first unless --yes).",
      footer = {"", "Example:", "  inferbus online-deployment delete -n blue -e credit --yes"})
  static final class Delete extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the deployment.")
    String name;

    @Option(names = {"-e", "--endpoint-name", "--endpoint"}, required = true, description = "Name of the endpoint.")
    String endpoint;

    @Option(names = {"-y", "--yes"}, description = "Do not prompt for confirmation.")
    boolean yes;

    @Option(names = "--no-wait", description = "Do not wait for the operation to finish.")
    boolean noWait;

    @Override
    protected void execute() {
      if (client().find(ResourcePaths.deployment(endpoint, name)) == null) {
        throw new CliException(CliException.NOT_FOUND, "Deployment " + endpoint + "/" + name + " does not exist.");
      }
      Terminal.confirm("Are you sure you want to perform this operation?", yes);
      client().delete(ResourcePaths.deployment(endpoint, name));
    }
  }

  @Command(name = "get-logs",
      description = "The deployment's recent log lines, gathered from every node that runs its instances, oldest first.",
      footer = {"", "Examples:", "  inferbus online-deployment get-logs -n blue -e credit --lines 50",
          "  inferbus online-deployment get-logs -n blue -e credit -o json --query \"[?level=='ERROR']\""})
  static final class GetLogs extends OperatorCommand {
    @Option(names = {"-n", "--name"}, required = true, description = "Name of the deployment.")
    String name;

    @Option(names = {"-e", "--endpoint-name", "--endpoint"}, required = true, description = "Name of the endpoint.")
    String endpoint;

    @Option(names = {"-l", "--lines"}, defaultValue = "5000", paramLabel = "N",
        description = "How many of the latest lines, 1-10000 (default: ${DEFAULT-VALUE}, as az; each node keeps "
            + "the last 1,000 of a deployment).")
    int lines;

    @Spec
    CommandSpec command;

    @Override
    protected void execute() {
      JsonNode answer = client().get(ResourcePaths.deployment(endpoint, name) + "/logs?lines=" + lines);
      for (JsonNode node : answer.path("unreachable_nodes")) {
        note("warning: node " + node.asText() + " did not answer; its lines are missing");
      }
      var parsed = command.commandLine().getParseResult();
      if (parsed.hasMatchedOption("--output") || parsed.hasMatchedOption("--query")) {
        print(answer.path("value"));
        return;
      }
      // az prints logs as text, whatever the output format; -o/--query given on purpose get the records
      StringBuilder out = new StringBuilder();
      for (JsonNode line : answer.path("value")) {
        out.append(line.path("time").asText()).append(' ').append(line.path("level").asText()).append(' ')
            .append(line.path("instance").asText()).append(" (node ").append(line.path("node").asText()).append(") ")
            .append(line.path("message").asText()).append('\n');
      }
      System.out.print(out);
      System.out.flush();
    }
  }
}
