package io.inferbus.node;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The roles a node can run. */
public enum Role {
  GATEWAY,
  DEPLOYMENT,
  CONTROL_PLANE;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The roles' names as the command line and node certificates spell them, sorted. */
  public static Set<String> names(Set<Role> roles) {
    return roles.stream().map(Role::cliName).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  /** Parses "gateway,deployment,control-plane". */
  public static Set<Role> parse(String list) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (String part : list.split(",")) {
      String name = part.trim();
      if (name.isEmpty()) {
        continue;
      }
      Role match = null;
      for (Role r : values()) {
        if (r.cliName().equals(name)) {
          match = r;
        }
      }
      if (match == null) {
        throw new IllegalArgumentException("unknown role '" + name + "': use gateway, deployment, control-plane");
      }
      roles.add(match);
    }
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("no role given: use gateway, deployment, control-plane");
    }
    return roles;
  }
}
