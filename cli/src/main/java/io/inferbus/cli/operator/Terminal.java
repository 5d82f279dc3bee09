package io.inferbus.cli.operator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the CLI does differently for a person at a terminal: ask before deleting (when stdin is one,
 * as az does), and draw a live progress line (when stderr is one). Java 17 tells only whether stdin
 * and stdout both are ({@link System#console}), so on Linux the file descriptors are looked at.
 */
public final class Terminal {
  private static final int STDIN = 0;
  private static final int STDERR = 2;

  private Terminal() {}

  /** Whether file descriptor {@code fd} of this process is a terminal. */
  static boolean isTerminal(int fd) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException notLinux) {
      return System.console() != null;
    }
  }

  /**
   * Asks {@code question} (y/n) on stderr unless {@code yes}; refuses, saying how to go on, when
   * nobody can answer (stdin is not a terminal), as az does.
   */
  public static void confirm(String question, boolean yes) {
    if (yes) {
      return;
    }
    if (!isTerminal(STDIN)) {
      throw new CliException("Unable to prompt for confirmation as no tty available. Use --yes.");
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset()));
    try {
      while (true) {
        System.err.print(question + " (y/n): ");
        System.err.flush();
        String answer = in.readLine();
        if (answer == null) {
          throw new CliException("Operation cancelled.");
        }
        answer = answer.strip().toLowerCase(Locale.ROOT);
        if (answer.equals("y") || answer.equals("yes")) {
          return;
        }
        if (answer.equals("n") || answer.equals("no")) {
          throw new CliException("Operation cancelled.");
        }
        System.err.println("Please enter 'y' or 'n'.");
      }
    } catch (IOException e) {
      throw new CliException("Operation cancelled: " + e.getMessage());
    }
  }

  /** A line that redraws itself in place when stderr is a terminal, and prints nothing elsewhere. */
  public static final class ProgressLine {
    private final boolean live;
    private int drawn;

    /** @param quiet {@code --only-show-errors}: no progress either */
    public ProgressLine(boolean quiet) {
      this.live = !quiet && isTerminal(STDERR);
    }

    public void show(String text) {
      if (!live) {
        return;
      }
      String padded = text + " ".repeat(Math.max(0, drawn - text.length()));
      System.err.print("\r" + padded);
      System.err.flush();
      drawn = text.length();
    }

    public void clear() {
      if (live && drawn > 0) {
        System.err.print("\r" + " ".repeat(drawn) + "\r");
        System.err.flush();
        drawn = 0;
      }
    }
  }
}
