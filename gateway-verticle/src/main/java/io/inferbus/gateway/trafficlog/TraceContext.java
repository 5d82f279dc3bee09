package io.inferbus.gateway.trafficlog;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context ({@code traceparent: 00-<trace id>-<parent id>-<flags>}): a caller's valid
 * header is continued (same trace id and flags, this gateway's own span as the parent passed on to
 * the instance); a missing or invalid one starts a new trace, so every request has a trace id.
 */
public final class TraceContext {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TraceContext() {}

  /** The traceparent to pass on for a request that arrived with {@code incoming} (may be null). */
  public static String continueOrStart(String incoming) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder out = new StringBuilder(55).append("00-");
    if (valid(incoming)) {
      out.append(incoming, 3, 35);
    } else {
      hex(out, random.nextLong() | 1L); // never all zeros, which the spec forbids
      hex(out, random.nextLong());
    }
    out.append('-');
    hex(out, random.nextLong() | 1L);
    out.append('-').append(valid(incoming) ? incoming.substring(53, 55) : "01");
    return out.toString();
  }

  /** The trace id of a traceparent this class produced. */
  public static String traceId(String traceparent) {
    return traceparent.substring(3, 35);
  }

  /**
   * Version 00's layout, lower-case hex, trace and parent ids not all zeros, version not ff. A
   * later version may append fields after the flags ("-..."), which are ignored.
   */
  static boolean valid(String h) {
    if (h == null || h.length() < 55 || (h.length() > 55 && h.charAt(55) != '-')) {
      return false;
    }
    if (h.charAt(2) != '-' || h.charAt(35) != '-' || h.charAt(52) != '-' || h.startsWith("ff")
        || (h.startsWith("00") && h.length() != 55)) {
      return false;
    }
    return lowerHex(h, 0, 2) && lowerHex(h, 3, 35) && lowerHex(h, 36, 52) && lowerHex(h, 53, 55)
        && !zeros(h, 3, 35) && !zeros(h, 36, 52);
  }

  private static boolean lowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  private static void hex(StringBuilder out, long v) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      out.append(HEX[(int) (v >>> shift) & 0xf]);
    }
  }
}
