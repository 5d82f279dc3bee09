package io.inferbus.cli.operator.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Opening a link in the user's browser, only where there is one to open it in: a desktop session
 * ({@code DISPLAY} or {@code WAYLAND_DISPLAY}) with {@code xdg-open} on the PATH, or macOS with
 * {@code open}. Over SSH or in a container there is none, and the link printed is the way.
 */
final class Browser {
  /** How long to wait for the opener to say whether it failed; a browser it starts may run on. */
  private static final long WAIT_SECONDS = 5;

  private Browser() {}

  /**
   * The command that opens {@code url} on this machine, or empty when it has no desktop or no opener.
   * Decides only: nothing is run.
   *
   * @param osName the {@code os.name} system property
   * @param executable whether a file is an executable program
   */
  static Optional<List<String>> command(String url, String osName, Map<String, String> env,
      Predicate<Path> executable) {
    if (osName.toLowerCase(Locale.ROOT).startsWith("mac")) {
      return onPath("open", env, executable).map(open -> List.of(open.toString(), url));
    }
    if (blank(env.get("DISPLAY")) && blank(env.get("WAYLAND_DISPLAY"))) {
      return Optional.empty();
    }
    return onPath("xdg-open", env, executable).map(open -> List.of(open.toString(), url));
  }

  /** The command for this process's OS and environment. */
  static Optional<List<String>> command(String url) {
    return command(url, System.getProperty("os.name", ""), System.getenv(),
        file -> Files.isRegularFile(file) && Files.isExecutable(file));
  }

  /**
   * Runs {@code command}, its output discarded so that nothing but the link reaches stdout; returns
   * null once the opener succeeded or still runs after a few seconds, else why it failed.
   */
  static String open(List<String> command) {
    try {
      Process opener = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      opener.getOutputStream().close();
      if (opener.waitFor(WAIT_SECONDS, TimeUnit.SECONDS) && opener.exitValue() != 0) {
        return Path.of(command.get(0)).getFileName() + " exited with " + opener.exitValue();
      }
      return null;
    } catch (IOException e) {
      return "cannot run " + command.get(0) + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static Optional<Path> onPath(String program, Map<String, String> env, Predicate<Path> executable) {
    String path = env.get("PATH");
    if (blank(path)) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      try {
        Path candidate = Path.of(dir, program);
        if (executable.test(candidate)) {
          return Optional.of(candidate);
        }
      } catch (InvalidPathException e) {
        // a PATH entry that is no path: skipped, as a shell skips it
      }
    }
    return Optional.empty();
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
