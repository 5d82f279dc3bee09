package io.inferbus.controlplane.auth;

/** Roles on the management API, each including the ones before it. */
public enum OperatorRole {
  /** read anything */
  READER,
  /** scale, traffic, keys */
  OPERATOR,
  /** everything */
  ADMIN;

  public String claim() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public boolean includes(OperatorRole other) {
    return compareTo(other) >= 0;
  }
}
