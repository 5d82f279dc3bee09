package io.inferbus.bench.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The tests of benchmark H's helper (bench/test_many_deployments.py: deployment names and layout,
 * thread name groups, /proc and jcmd parsing, the thread guard, the summary; fixed inputs, no node),
 * run by {@code mvn -B verify}.
 */
class ManyDeploymentsScriptTest {
  @Test
  void theHelperTestsPass() throws Exception {
    Path bench = Path.of("").toAbsolutePath(); // surefire runs in the module's directory
    assertTrue(Files.exists(bench.resolve("test_many_deployments.py")), "run from " + bench);
    Path output = Files.createDirectories(bench.resolve("target")).resolve("test_many_deployments.txt");
    ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "-v", "test_many_deployments")
        .directory(bench.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      fail("python3 is not on the PATH: apt-get install python3 (.ci/run installs it): " + e.getMessage());
      return;
    }
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("the helper's tests did not finish within 2 minutes: " + Files.readString(output));
    }
    String text = Files.readString(output);
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains("Ran ") && !text.contains("skipped"), text);
  }
}
