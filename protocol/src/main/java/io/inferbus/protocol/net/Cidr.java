package io.inferbus.protocol.net;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code fc00::/7}); a single address
 * without a prefix is its own /32 or /128. Parsed without a DNS lookup; an IPv4-mapped IPv6 address
 * ({@code ::ffff:10.1.2.3}) is matched as the IPv4 address it carries.
 */
public final class Cidr {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /** Parses {@code address/prefix} or a bare address; refused as BAD_INPUT naming {@code field}. */
  public static Cidr parse(String value, String field) {
    if (value == null || value.isBlank()) {
      throw bad(field, field + " has an empty network; use CIDR notation such as 10.0.0.0/8 or fc00::/7");
    }
    String s = value.trim();
    int slash = s.indexOf('/');
    String host = slash < 0 ? s : s.substring(0, slash);
    byte[] bytes = literal(host);
    if (bytes == null) {
      throw bad(field, field + ": '" + value + "' is not an IPv4 or IPv6 network; use CIDR notation such as "
          + "10.0.0.0/8 or fc00::/7");
    }
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = s.substring(slash + 1);
      if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
        throw bad(field, field + ": '" + value + "' has prefix length '" + p + "'; use 0 to " + max);
      }
      prefix = Integer.parseInt(p);
    }
    byte[] network = mask(bytes, prefix);
    try {
      return new Cidr(network, prefix, InetAddress.getByAddress(network).getHostAddress() + "/" + prefix);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
    }
  }

  /** Parses without a field name (for configuration); refused with an IllegalArgumentException. */
  public static Cidr parse(String value) {
    try {
      return parse(value, "network");
    } catch (InferbusException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /** True when {@code address} lies in this network. */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] bytes = unmapped(address.getAddress());
    if (bytes.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(bytes, prefix), network);
  }

  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.text.equals(text);
  }

  @Override
  public int hashCode() {
    return text.hashCode();
  }

  /**
   * The address of an IP literal, never a DNS lookup; null when {@code host} is not one. Brackets
   * around an IPv6 literal are accepted; a zone id ({@code %eth0}) is not.
   */
  public static InetAddress address(String host) {
    if (host == null) {
      return null;
    }
    String h = host.trim();
    if (h.startsWith("[") && h.contains("]")) { // [v6] or [v6]:port
      h = h.substring(1, h.indexOf(']'));
    } else if (h.indexOf(':') > 0 && h.indexOf(':') == h.lastIndexOf(':')) { // v4:port (some proxies add one)
      h = h.substring(0, h.indexOf(':'));
    }
    byte[] bytes = literal(h);
    try {
      return bytes == null ? null : InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] literal(String host) {
    if (IPV4.matcher(host).matches()) {
      for (String part : host.split("\\.")) {
        if (Integer.parseInt(part) > 255) {
          return null;
        }
      }
    } else if (!host.contains(":") || !IPV6.matcher(host).matches()) {
      return null; // not a literal: never resolve a name
    }
    try {
      InetAddress a = InetAddress.getByName(host); // a literal: parsed, no lookup
      return unmapped(a.getAddress());
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** {@code ::ffff:a.b.c.d} as the four bytes of a.b.c.d; anything else unchanged. */
  private static byte[] unmapped(byte[] bytes) {
    if (bytes.length == 16) {
      boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = bytes[i] == 0;
      }
      if (mapped) {
        return Arrays.copyOfRange(bytes, 12, 16);
      }
    }
    return bytes;
  }

  private static byte[] mask(byte[] bytes, int prefix) {
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] = (byte) (out[i] & (bits == 0 ? 0 : 0xff << (8 - bits)));
    }
    return out;
  }

  private static InferbusException bad(String field, String message) {
    return new InferbusException(FailureKind.BAD_INPUT, message, field);
  }
}
