package io.inferbus.cli.operator;

import io.inferbus.testing.Cli;
import io.inferbus.testing.EmbeddedNodeTest;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built CLI against one embedded node serving the example endpoint, shared by a class's tests,
 * with a scratch directory per test.
 */
abstract class CliNodeTest extends EmbeddedNodeTest {
  static final Path EXAMPLE = Cli.ROOT.resolve("examples/credit-scoring");
  static final Path SAMPLE = EXAMPLE.resolve("sample-request.json");
  static Cli cli;

  @TempDir
  Path tmp;

  @BeforeAll
  static void cliOfTheNode() throws Exception {
    cli = Cli.of(dataDir.resolve("client.json"));
    node.awaitReady("credit", node.primaryKey("credit"));
  }
}
