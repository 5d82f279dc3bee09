package io.inferbus.protocol.spec;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import java.util.regex.Pattern;

/** The naming rules of the management API, each with the message that says what would be right. */
public final class Names {
  /** Endpoints and deployments: 3–32 characters, a letter first, letters, digits and single dashes. */
  private static final Pattern RESOURCE = Pattern.compile("[A-Za-z](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){2,31}");
  /** Models: 1–64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit. */
  private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** Model versions: 1–32 characters of letters, digits, '.', '_' and '-', starting with a letter or digit. */
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

  private Names() {}

  public static String endpoint(String name) {
    return check(name, RESOURCE, "endpoint",
        "3-32 characters, starting with a letter, of letters, digits and single dashes, not ending with a dash");
  }

  public static String deployment(String name) {
    return check(name, RESOURCE, "deployment",
        "3-32 characters, starting with a letter, of letters, digits and single dashes, not ending with a dash");
  }

  public static String model(String name) {
    return check(name, MODEL, "model",
        "1-64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit");
  }

  public static String version(String version) {
    return check(version, VERSION, "model version",
        "1-32 characters of letters, digits, '.', '_' and '-', starting with a letter or digit");
  }

  private static String check(String value, Pattern pattern, String what, String rule) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "'" + value + "' is not a valid " + what + " name: use " + rule, what);
    }
    return value;
  }
}
