package io.inferbus.protocol;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one rule for request ids. A gateway and the management API keep a caller's {@value #HEADER}
 * when it follows the rule and answer with a new UUID otherwise; the control plane's traffic-log query
 * takes back only what a gateway could have answered with. The id lands in logs and in a query, so it
 * is kept to characters that need no escaping there.
 */
public final class RequestIds {
  /** The header a caller may send an id in and every answer carries the request's id in. */
  public static final String HEADER = "x-request-id";
  /** The rule in words, for messages that refuse an id. */
  public static final String RULE = "1 to 128 characters of letters, digits and . _ : -";

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private RequestIds() {}

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  /** The caller's id when it is valid, else a new UUID. */
  public static String accept(String callerId) {
    return isValid(callerId) ? callerId : UUID.randomUUID().toString();
  }
}
