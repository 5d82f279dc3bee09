package io.inferbus.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.hazelcast.config.XmlConfigBuilder;
import io.inferbus.node.InferbusNode;
import io.inferbus.node.Role;
import io.inferbus.node.cluster.JoinFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docker-compose.yml checked without a Docker engine: the topology README.md and
 * scripts/cluster-local.sh describe (a control-plane + gateway node, two deployment nodes, a second
 * gateway, Prometheus), every node built from this checkout, the others joining with the control
 * node's join.json mounted read-only once it serves, every node's command accepted by the CLI's own
 * parser (a renamed or removed flag fails here, not in a container), Prometheus scraping every node's
 * health and metrics port, and the image starting nodes through ./inferbus, so that its JVM flags are
 * the launcher's.
 */
class ComposeFileTest {
  private static final Path ROOT = Path.of("..");
  private static final Map<String, Set<Role>> NODES = Map.of(
      "control", Set.of(Role.CONTROL_PLANE, Role.GATEWAY),
      "deployment-1", Set.of(Role.DEPLOYMENT),
      "deployment-2", Set.of(Role.DEPLOYMENT),
      "gateway-2", Set.of(Role.GATEWAY));
  private static final String FOUNDER = "control";
  private static final String PROMETHEUS = "prometheus";
  private static final Pattern SCRIPT_NODE = Pattern.compile("^node (\\S+) \\S+ --roles (\\S+)", Pattern.MULTILINE);

  static JsonNode services;

  @BeforeAll
  static void read() throws IOException {
    services = new YAMLMapper().readTree(ROOT.resolve("docker-compose.yml").toFile()).path("services");
  }

  /** A service's {@code command} as Docker passes it: a YAML list, not a string Compose would split. */
  private static String[] command(String service) {
    JsonNode command = services.path(service).path("command");
    assertTrue(command.isArray(), service + ": the command is a list");
    List<String> args = new ArrayList<>();
    command.forEach(a -> args.add(a.asText()));
    return args.toArray(String[]::new);
  }

  /** The service's command parsed as the executable parses it; fails on a flag it does not accept. */
  private static NodeCommand node(String service) {
    String[] args = command(service);
    assertEquals("node", args[0], service + " runs inferbus node");
    CommandLine cli = Main.commandLine(args);
    CommandLine.ParseResult parsed;
    try {
      parsed = cli.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return fail(service + ": the CLI refuses its command: " + e.getMessage());
    }
    CommandLine.Model.CommandSpec spec = parsed.subcommand().commandSpec();
    for (String arg : args) {
      // spelled in full: the CLI accepts an unambiguous prefix, which a new flag can make ambiguous
      if (arg.startsWith("-")) {
        assertTrue(spec.optionsMap().containsKey(arg), service + ": " + arg + " is an option of inferbus node");
      }
    }
    NodeCommand node = (NodeCommand) spec.userObject();
    node.server.check();
    return node;
  }

  /** The service's volumes in short syntax: container path to "source[:mode]". */
  private static Map<String, String> volumes(String service) {
    Map<String, String> byTarget = new TreeMap<>();
    for (JsonNode volume : services.path(service).path("volumes")) {
      String[] parts = volume.asText().split(":");
      assertTrue(parts.length == 2 || parts.length == 3, service + ": volume " + volume);
      byTarget.put(parts[1], parts.length == 3 ? parts[0] + ":" + parts[2] : parts[0]);
    }
    return byTarget;
  }

  @Test
  void theFiveServicesOfTheTopology() {
    Set<String> names = new TreeSet<>();
    services.fieldNames().forEachRemaining(names::add);
    Set<String> expected = new TreeSet<>(NODES.keySet());
    expected.add(PROMETHEUS);
    assertEquals(expected, names);
  }

  @Test
  void everyNodeRunsTheImageBuiltFromThisCheckout() {
    for (String service : NODES.keySet()) {
      assertEquals(".", services.path(service).path("build").asText(), service + " builds the Dockerfile here");
      assertTrue(services.path(service).path("image").isMissingNode(), service + ": no prebuilt image");
    }
    assertTrue(Files.isRegularFile(ROOT.resolve("Dockerfile")));
  }

  @Test
  void eachNodeRunsItsRolesReachableFromTheOtherContainers() {
    for (Map.Entry<String, Set<Role>> expected : NODES.entrySet()) {
      String service = expected.getKey();
      NodeCommand node = node(service);
      assertEquals(expected.getValue(), Role.parse(node.roles), service + "'s roles");
      assertEquals("0.0.0.0", node.server.host, service + ": ports and event bus on the container's interfaces");
      assertEquals("0.0.0.0", node.server.managementHost, service + ": metrics reachable by Prometheus");
      // its data dir is a volume of its own, its cluster config the compose one
      assertEquals(service + "-data", volumes(service).get(node.server.dataDir.toString()), service + "'s data volume");
      assertEquals("./docs/cluster-compose.xml:ro", volumes(service).get(node.server.clusterConfig.toString()),
          service + "'s cluster config");
    }
  }

  @Test
  void theOtherNodesJoinWithTheControlNodesJoinFileReadOnlyOnceItServes() {
    NodeCommand founder = node(FOUNDER);
    assertNull(founder.join, "the control node founds the cluster");
    String founderVolume = volumes(FOUNDER).get(founder.server.dataDir.toString());
    JsonNode health = services.path(FOUNDER).path("healthcheck").path("test");
    assertEquals(founder.server.dataDir.resolve(InferbusNode.PORTS_FILE).toString(), health.get(health.size() - 1).asText(),
        "healthy once it serves: ports.json, written after join.json");
    for (String service : NODES.keySet()) {
      if (service.equals(FOUNDER)) {
        continue;
      }
      Path join = node(service).join;
      assertEquals(JoinFile.FILE_NAME, String.valueOf(join.getFileName()), service + " joins with a join file");
      assertEquals(founderVolume + ":ro", volumes(service).get(join.getParent().toString()),
          service + " reads " + join + " from the control node's volume, read-only");
      assertEquals("service_healthy", services.path(service).path("depends_on").path(FOUNDER).path("condition").asText(),
          service + " starts once the control node serves");
    }
  }

  @Test
  void theClusterConfigNamesEveryNode() throws IOException {
    List<String> members;
    try (InputStream in = Files.newInputStream(ROOT.resolve("docs/cluster-compose.xml"))) {
      members = new XmlConfigBuilder(in).build().getNetworkConfig().getJoin().getTcpIpConfig().getMembers();
    }
    assertEquals(NODES.keySet(), new HashSet<>(members));
  }

  @Test
  void prometheusScrapesEveryNodesManagementPort() throws IOException {
    String config = null;
    for (JsonNode arg : services.path(PROMETHEUS).path("command")) {
      if (arg.asText().startsWith("--config.file=")) {
        config = arg.asText().substring("--config.file=".length());
      }
    }
    assertTrue(config != null, "prometheus is given its config file");
    // the config file in this checkout, through the bind mount of its directory
    Path file = null;
    for (Map.Entry<String, String> volume : volumes(PROMETHEUS).entrySet()) {
      if (config.startsWith(volume.getKey() + "/") && volume.getValue().startsWith("./")) {
        file = ROOT.resolve(volume.getValue().replaceFirst(":ro$", "")).resolve(config.substring(volume.getKey().length() + 1));
      }
    }
    assertTrue(file != null && Files.isRegularFile(file), config + " is a file of this checkout");
    JsonNode prometheus = new YAMLMapper().readTree(file.toFile());
    Set<String> targets = new TreeSet<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      assertEquals("/metrics", job.path("metrics_path").asText("/metrics"));
      job.path("static_configs").forEach(c -> c.path("targets").forEach(t -> targets.add(t.asText())));
    }
    Set<String> expected = new TreeSet<>();
    for (String service : NODES.keySet()) {
      expected.add(service + ":" + node(service).server.managementPort);
    }
    assertEquals(expected, targets);
    for (JsonNode rules : prometheus.path("rule_files")) {
      assertTrue(Files.isRegularFile(file.resolveSibling(rules.asText())), "rule file " + rules);
    }
  }

  @Test
  void theSameNodesAsClusterLocalSh() throws IOException {
    Map<String, Set<Role>> script = new TreeMap<>();
    Matcher m = SCRIPT_NODE.matcher(Files.readString(ROOT.resolve("scripts/cluster-local.sh")));
    while (m.find()) {
      script.put(m.group(1), Role.parse(m.group(2)));
    }
    assertEquals(new TreeMap<>(NODES), script);
  }

  @Test
  void theReadmesCommandsForTheClusterAreOnesTheCliAcceptsOnFilesTheImageCarries() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    String section = readme.substring(readme.indexOf("## More than one node"), readme.indexOf("## Modules"));
    String prefix = "docker compose exec " + FOUNDER + " inferbus ";
    List<String> commands = new ArrayList<>();
    for (String line : section.replace("\\\n", " ").split("\n")) {
      if (line.startsWith(prefix)) {
        commands.add(line.substring(prefix.length()).trim());
      }
    }
    assertTrue(commands.size() >= 3, "the README registers and scores the example: " + commands);
    String examplesInImage = "/usr/share/inferbus/examples/";
    assertTrue(Files.readString(ROOT.resolve("Dockerfile"))
        .contains("COPY --from=build /src/examples/credit-scoring " + examplesInImage + "credit-scoring\n"));
    for (String command : commands) {
      String[] args = command.split("\\s+");
      try {
        Main.commandLine(args).parseArgs(args);
      } catch (CommandLine.ParameterException e) {
        fail("the CLI refuses `inferbus " + command + "`: " + e.getMessage());
      }
      for (String arg : args) {
        if (arg.startsWith(examplesInImage)) {
          assertTrue(Files.isRegularFile(ROOT.resolve("examples").resolve(arg.substring(examplesInImage.length()))), arg);
        }
      }
    }
  }

  @Test
  void theImageStartsNodesThroughTheInferbusLauncher() throws IOException {
    List<String> dockerfile = Files.readAllLines(ROOT.resolve("Dockerfile"));
    String entrypoint = null;
    Set<String> copies = new HashSet<>();
    for (String line : dockerfile) {
      if (line.startsWith("ENTRYPOINT ")) {
        entrypoint = new ObjectMapper().readTree(line.substring("ENTRYPOINT ".length())).get(0).asText();
      }
      if (line.startsWith("COPY --from=build ")) {
        copies.add(line.substring("COPY --from=build ".length()));
      }
    }
    assertTrue(entrypoint != null, "the Dockerfile has an ENTRYPOINT in exec form");
    // ./inferbus passes the JVM flags Hazelcast wants and runs the jar at cli/target beside itself
    Path launcher = Path.of(entrypoint);
    assertTrue(copies.contains("/src/inferbus " + launcher), "the ENTRYPOINT is the repository's ./inferbus: " + copies);
    assertTrue(Files.readString(ROOT.resolve("inferbus")).contains("jar=\"$root/cli/target/inferbus.jar\""));
    assertTrue(copies.contains("/src/cli/target/inferbus.jar " + launcher.resolveSibling("cli/target/inferbus.jar")),
        "the jar where ./inferbus looks for it: " + copies);
  }
}
