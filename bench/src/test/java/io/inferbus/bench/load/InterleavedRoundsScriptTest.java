package io.inferbus.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The harness's own tests (bench/test_interleaved_rounds.py: statistics on fixed numbers, the order of
 * rounds, short runs of wrk and of {@link OpenLoop} against a stub server; bench/test_node_measure.py:
 * what a window's JFR recording, /metrics pages and perf samples become, and one real recording),
 * run by {@code mvn -B verify}. The harness is Python (bench/interleaved_rounds.py,
 * bench/node_measure.py); this class only runs its tests, with this test class path in
 * {@code CLASSPATH} so that they can start the open-loop generator.
 */
class InterleavedRoundsScriptTest {
  @Test
  void theHarnessTestsPass() throws Exception {
    Path bench = Path.of("").toAbsolutePath(); // surefire runs in the module's directory
    assertTrue(Files.exists(bench.resolve("test_interleaved_rounds.py")), "run from " + bench);
    Path output = Files.createDirectories(bench.resolve("target")).resolve("test_interleaved_rounds.txt");
    ProcessBuilder pb = new ProcessBuilder("python3", "-m", "unittest", "-v", "test_interleaved_rounds",
        "test_node_measure")
        .directory(bench.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
    pb.environment().put("CLASSPATH", System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")));
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    pb.environment().put("BENCH_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      fail("python3 is not on the PATH: apt-get install python3 (.ci/run installs it): " + e.getMessage());
      return;
    }
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("the harness tests did not finish within 5 minutes: " + Files.readString(output));
    }
    String text = Files.readString(output);
    assertEquals(0, p.exitValue(), text);
    assertTrue(!text.contains("skipped"), "no harness test may be skipped here: " + text);
  }
}
