package io.inferbus.protocol;

/** A failure with a name: carries the {@link FailureKind} that decides the status code. */
public class InferbusException extends RuntimeException {
  private final FailureKind kind;
  private final String target;

  public InferbusException(FailureKind kind, String message) {
    this(kind, message, null);
  }

  public InferbusException(FailureKind kind, String message, String target) {
    super(message, null, false, false);
    this.kind = kind;
    this.target = target;
  }

  public FailureKind kind() {
    return kind;
  }

  /** What the error is about (a field, an input name), or null. */
  public String target() {
    return target;
  }

  public static InferbusException badInput(String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message);
  }

  public static InferbusException notFound(String message) {
    return new InferbusException(FailureKind.NOT_FOUND, message);
  }
}
