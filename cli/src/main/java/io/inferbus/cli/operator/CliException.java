package io.inferbus.cli.operator;

/**
 * A command that cannot do what it was asked, with the message the user sees on stderr and the
 * exit code: {@link #ERROR} for a refusal or failure, {@link #USAGE} for a command line that makes
 * no sense, {@link #NOT_FOUND} when the resource does not exist (az's codes).
 */
public final class CliException extends RuntimeException {
  public static final int ERROR = 1;
  public static final int USAGE = 2;
  public static final int NOT_FOUND = 3;

  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliException(String message) {
    this(ERROR, message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
    this.exitCode = ERROR;
  }

  public static CliException usage(String message) {
    return new CliException(USAGE, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
