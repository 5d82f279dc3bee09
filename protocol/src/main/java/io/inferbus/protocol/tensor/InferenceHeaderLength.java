package io.inferbus.protocol.tensor;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;

/**
 * The binary tensor data extension's {@code Inference-Header-Content-Length}: how many bytes at the
 * start of an Open Inference Protocol body are its JSON, the binary tensor data following. The one
 * reading of the header, for the gateway (which refuses a bad one before sending the request on) and
 * the instance (which decodes the body with it).
 */
public final class InferenceHeaderLength {
  /** What {@link #parse} returns without a header: the body is all JSON, as the decoder takes it. */
  public static final int ALL_JSON = -1;
  /** A bad value longer than this is cut in the message; the header block may be kilobytes long. */
  private static final int QUOTED_MAX = 32;

  private InferenceHeaderLength() {}

  /**
   * The JSON header's length in bytes, from the header's value ({@code header}, null when the request
   * has none: {@link #ALL_JSON}) and the length of the body it describes. The value is a byte count
   * as HTTP writes one: ASCII digits, no sign, between 0 and {@code bodyLength}; whitespace around it
   * (spaces and tabs, which HTTP does not count as part of a field's value) is ignored. Anything else
   * throws a BAD_INPUT {@link InferbusException} naming the header and the value.
   */
  public static int parse(String header, int bodyLength) {
    if (header == null) {
      return ALL_JSON;
    }
    int start = 0;
    int end = header.length();
    while (start < end && isSpaceOrTab(header.charAt(start))) {
      start++;
    }
    while (end > start && isSpaceOrTab(header.charAt(end - 1))) {
      end--;
    }
    if (start == end) {
      throw refused(header, bodyLength);
    }
    long value = 0;
    for (int i = start; i < end; i++) {
      char c = header.charAt(i);
      if (c < '0' || c > '9') { // not Character.isDigit: other scripts' digits are no byte count
        throw refused(header, bodyLength);
      }
      value = value * 10 + (c - '0');
      if (value > bodyLength) { // before it can overflow: bodyLength is an int
        throw refused(header, bodyLength);
      }
    }
    return (int) value;
  }

  private static boolean isSpaceOrTab(char c) {
    return c == ' ' || c == '\t';
  }

  private static InferbusException refused(String header, int bodyLength) {
    String quoted = header.length() <= QUOTED_MAX ? header : header.substring(0, QUOTED_MAX) + "...";
    return new InferbusException(FailureKind.BAD_INPUT, "Inference-Header-Content-Length must be a byte count"
        + " between 0 and the body's length (" + bodyLength + "), not '" + quoted + "'");
  }
}
