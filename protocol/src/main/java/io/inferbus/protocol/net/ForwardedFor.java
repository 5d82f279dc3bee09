package io.inferbus.protocol.net;

import java.net.InetAddress;
import java.util.List;

/**
 * The caller's address behind reverse proxies: {@code X-Forwarded-For} is believed only when the
 * connection comes from a proxy the node is told to trust, and then only as far back as the chain
 * of trusted proxies goes (the right-most address that is not a trusted proxy). Otherwise the
 * header changes nothing: the connection's peer is the caller.
 */
public final class ForwardedFor {
  private ForwardedFor() {}

  /**
   * @param peer the connection's remote address (null if unknown)
   * @param header the {@code X-Forwarded-For} header, or null
   * @param trustedProxies the networks of proxies this node trusts (empty: trust none)
   * @return the caller's address; null when a trusted proxy forwarded something that is not an IP
   *     literal (such a caller is allowed only where access is public)
   */
  public static InetAddress caller(InetAddress peer, String header, List<Cidr> trustedProxies) {
    if (peer == null || header == null || !trusted(peer, trustedProxies)) {
      return peer;
    }
    String[] hops = header.split(",", -1); // an empty hop is kept, and is no address
    InetAddress last = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      InetAddress hop = Cidr.address(hops[i]);
      if (hop == null) {
        return null;
      }
      if (!trusted(hop, trustedProxies)) {
        return hop;
      }
      last = hop;
    }
    return last; // every hop a trusted proxy: the left-most is the closest we know to the caller
  }

  private static boolean trusted(InetAddress address, List<Cidr> proxies) {
    for (Cidr c : proxies) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
