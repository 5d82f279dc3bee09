package io.inferbus.cli.operator;

import java.io.Console;

/** What the CLI does differently on a terminal: ask before deleting, and draw a live progress line. */
public final class Terminal {
  private Terminal() {}

  /** True when a person is at the keyboard (stdin and stdout are a terminal). */
  public static boolean interactive() {
    return System.console() != null;
  }

  /**
   * Asks {@code question} (y/n) unless {@code yes}; refuses, saying how to go on, when nobody can
   * answer (stdin is not a terminal), as az does.
   */
  public static void confirm(String question, boolean yes) {
    if (yes) {
      return;
    }
    Console console = System.console();
    if (console == null) {
      throw new CliException("Unable to prompt for confirmation as no tty available. Use --yes.");
    }
    while (true) {
      String answer = console.readLine("%s (y/n): ", question);
      if (answer == null) {
        throw new CliException("Operation cancelled.");
      }
      answer = answer.strip().toLowerCase(java.util.Locale.ROOT);
      if (answer.equals("y") || answer.equals("yes")) {
        return;
      }
      if (answer.equals("n") || answer.equals("no")) {
        throw new CliException("Operation cancelled.");
      }
      console.printf("Please enter 'y' or 'n'.%n");
    }
  }

  /** A line that redraws itself in place on a terminal, and prints nothing elsewhere. */
  public static final class ProgressLine {
    private final boolean live = interactive();
    private int drawn;

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
