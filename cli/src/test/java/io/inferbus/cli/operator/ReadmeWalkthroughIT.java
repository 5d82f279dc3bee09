package io.inferbus.cli.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferbus.testing.Cli;
import io.inferbus.testing.Cli.Result;
import io.inferbus.testing.EmbeddedNodeTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Score the example" and "Operate with the CLI" sections, run as written: every
 * fenced {@code sh} block is a bash script ({@code set -euo pipefail}) run in a checkout whose
 * {@code .inferbus-data} is a running node's, and a comment under a command that holds JSON is the
 * output that command must print. The docs cannot drift from the CLI without this test failing.
 */
class ReadmeWalkthroughIT extends EmbeddedNodeTest {
  private static final List<String> SECTIONS = List.of("## Score the example", "## Operate with the CLI");
  private static final String STEP = "@@inferbus-readme-step@@";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path checkout;

  /** One command of a block (continuation lines joined) and the JSON the README says it prints, or null. */
  record Command(String text, JsonNode expected) {}

  @Test
  void theReadmesCommandsRunAsWrittenAndPrintWhatItSays() throws Exception {
    // ./inferbus, its jar and the examples are the repository's; .inferbus-data is the test node's
    for (String entry : List.of("inferbus", "cli", "examples")) {
      Files.createSymbolicLink(checkout.resolve(entry), Cli.ROOT.resolve(entry));
    }
    Files.createSymbolicLink(checkout.resolve(".inferbus-data"), dataDir.toAbsolutePath());
    Cli shell = Cli.of(dataDir.resolve("client.json")).in(checkout).with("INFERBUS_CONFIG", null)
        .with("INFERBUS_HOME", null);

    List<List<Command>> blocks = blocks(Files.readString(Cli.ROOT.resolve("README.md")));
    assertTrue(blocks.size() >= 7, "the README's walk-through blocks: " + blocks);
    int commands = 0;
    int checked = 0;
    for (List<Command> block : blocks) {
      StringBuilder script = new StringBuilder("set -euo pipefail\n");
      for (Command command : block) {
        script.append(command.text()).append("\necho ").append(STEP).append('\n');
      }
      Result run = shell.bash(script.toString());
      assertEquals(0, run.exit(), () -> "README block failed:\n" + script + "\n" + run);
      String[] outputs = run.stdout().split(STEP + "\n", -1);
      assertEquals(block.size() + 1, outputs.length, run.toString());
      for (int i = 0; i < block.size(); i++) {
        commands++;
        if (block.get(i).expected() != null) {
          checked++;
          assertEquals(block.get(i).expected(), JSON.readTree(outputs[i]), block.get(i).text() + " printed " + outputs[i]);
        }
      }
    }
    assertTrue(commands >= 25 && checked >= 3, commands + " commands, " + checked + " outputs checked");
    Cli cli = Cli.of(dataDir.resolve("client.json"));
    cli.run("online-endpoint", "show", "-n", "loans").exits(3);
    assertEquals("{\"blue\":100}", cli.run("online-endpoint", "show", "-n", "credit", "--query", "traffic")
        .ok().json().toString(), "the walk-through leaves the example as it was");
  }

  /** The fenced sh blocks of the walk-through sections, as commands. */
  static List<List<Command>> blocks(String readme) throws Exception {
    List<List<Command>> blocks = new ArrayList<>();
    boolean inSection = false;
    List<Command> block = null;
    StringBuilder pending = null;
    for (String line : readme.split("\n")) {
      if (block == null && line.startsWith("## ")) {
        inSection = SECTIONS.contains(line.strip());
        continue;
      }
      if (!inSection) {
        continue;
      }
      if (block == null) {
        if (line.strip().equals("```sh")) {
          block = new ArrayList<>();
        }
        continue;
      }
      if (line.strip().equals("```")) {
        blocks.add(block);
        block = null;
        continue;
      }
      if (pending != null) {
        pending.append('\n').append(line);
        if (!line.endsWith("\\")) {
          block.add(new Command(pending.toString(), null));
          pending = null;
        }
      } else if (line.startsWith("# ")) {
        if (!block.isEmpty() && block.get(block.size() - 1).expected() == null) {
          JsonNode expected = json(line.substring(2));
          if (expected != null) {
            Command last = block.remove(block.size() - 1);
            block.add(new Command(last.text(), expected));
          }
        }
      } else if (!line.isBlank()) {
        if (line.endsWith("\\")) {
          pending = new StringBuilder(line);
        } else {
          block.add(new Command(line, null));
        }
      }
    }
    return blocks;
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception notJson) {
      return null; // a comment that abbreviates ("...") is prose
    }
  }
}
