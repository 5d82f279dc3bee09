package io.inferbus.protocol.net;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may call an endpoint by network (Azure's {@code public_network_access}, and Inferbus's
 * {@code allowed_networks}): everyone when enabled; when disabled, only callers whose address lies
 * in the allowed networks, by default loopback, the RFC 1918 ranges and IPv6 unique-local addresses.
 *
 * @param allowedNetworks as the operator gave them; empty means the private defaults
 */
public record NetworkAccess(boolean publicAccess, List<Cidr> allowedNetworks) {
  public static final String PUBLIC_NETWORK_ACCESS = "public_network_access";
  public static final String ALLOWED_NETWORKS = "allowed_networks";
  public static final String ENABLED = "enabled";
  public static final String DISABLED = "disabled";
  /** Loopback, RFC 1918, IPv6 loopback and unique-local: what "private" means when no list is given. */
  public static final List<Cidr> PRIVATE = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("10.0.0.0/8"),
      Cidr.parse("172.16.0.0/12"), Cidr.parse("192.168.0.0/16"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"));
  public static final NetworkAccess PUBLIC = new NetworkAccess(true, List.of());
  private static final int MAX_NETWORKS = 64;

  public NetworkAccess {
    allowedNetworks = List.copyOf(allowedNetworks);
  }

  /** The networks callers must come from (when access is not public). */
  public List<Cidr> effectiveNetworks() {
    return allowedNetworks.isEmpty() ? PRIVATE : allowedNetworks;
  }

  /** Whether a caller at {@code address} may call; an unknown address (null) only when access is public. */
  public boolean allows(InetAddress address) {
    if (publicAccess) {
      return true;
    }
    for (Cidr network : effectiveNetworks()) {
      if (network.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** A spec's two fields, validated: {@code public_network_access} enabled (default) or disabled, and the networks. */
  public static NetworkAccess parse(Object access, Object networks) {
    boolean open;
    if (access == null || ENABLED.equals(access)) {
      open = true;
    } else if (DISABLED.equals(access)) {
      open = false;
    } else {
      throw new InferbusException(FailureKind.BAD_INPUT, PUBLIC_NETWORK_ACCESS + " is " + shown(access)
          + "; use enabled or disabled", PUBLIC_NETWORK_ACCESS);
    }
    List<Cidr> list = new ArrayList<>();
    if (networks != null) {
      if (!(networks instanceof JsonArray array)) {
        throw new InferbusException(FailureKind.BAD_INPUT, ALLOWED_NETWORKS
            + " must be a list of networks in CIDR notation, e.g. [\"10.0.0.0/8\"]", ALLOWED_NETWORKS);
      }
      if (array.size() > MAX_NETWORKS) {
        throw new InferbusException(FailureKind.BAD_INPUT, ALLOWED_NETWORKS + " has " + array.size()
            + " networks; at most " + MAX_NETWORKS, ALLOWED_NETWORKS);
      }
      for (Object n : array) {
        if (!(n instanceof String s)) {
          throw new InferbusException(FailureKind.BAD_INPUT, ALLOWED_NETWORKS + " has " + shown(n)
              + ", which is not a network in CIDR notation such as \"10.0.0.0/8\"", ALLOWED_NETWORKS);
        }
        Cidr c = Cidr.parse(s, ALLOWED_NETWORKS);
        if (!list.contains(c)) {
          list.add(c);
        }
      }
    }
    return new NetworkAccess(open, list);
  }

  /** As stored and published: {@code {"public_network_access": ..., "allowed_networks": [...]}} (networks only when given). */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put(PUBLIC_NETWORK_ACCESS, publicAccess ? ENABLED : DISABLED);
    if (!allowedNetworks.isEmpty()) {
      json.put(ALLOWED_NETWORKS, new JsonArray(allowedNetworks.stream().map(Cidr::toString).toList()));
    }
    return json;
  }

  /** Reads what {@link #toJson} wrote (fields of an endpoint document or record); public when absent. */
  public static NetworkAccess fromJson(JsonObject json) {
    if (json == null) {
      return PUBLIC;
    }
    return parse(json.getValue(PUBLIC_NETWORK_ACCESS), json.getValue(ALLOWED_NETWORKS));
  }

  private static String shown(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
  }
}
