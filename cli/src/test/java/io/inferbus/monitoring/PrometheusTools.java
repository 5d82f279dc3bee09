package io.inferbus.monitoring;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus' own binaries, as Debian's {@code prometheus} package installs them. Missing is a
 * failure, not a skip: .ci/run installs the package.
 */
final class PrometheusTools {
  private PrometheusTools() {}

  /** {@code name} on the PATH; fails the test, saying what to install, when it is not there. */
  static Path binary(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return fail(name + " is not on the PATH: install Debian's 'prometheus' package (apt-get install prometheus),"
        + " as .ci/run does; it brings prometheus and promtool");
  }

  /** What a finished command printed (stdout and stderr together) and its exit code. */
  record Run(String command, int exit, String output) {
    @Override
    public String toString() {
      return command + " exited " + exit + ":\n" + output;
    }
  }

  /** Runs {@code promtool args...} in {@code dir} and waits for it (a minute at most). */
  static Run promtool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary("promtool").toString());
    command.addAll(List.of(args));
    Path output = Files.createTempFile("promtool", ".out");
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail(String.join(" ", command) + " did not finish within 60 s: " + Files.readString(output));
      }
      return new Run(String.join(" ", command), process.exitValue(), Files.readString(output));
    } finally {
      Files.deleteIfExists(output);
    }
  }
}
