package io.inferbus.controlplane.operations;

/** Who makes a change, for the audit log and traffic history: the token subject and the request id. */
public record Actor(String subject, String requestId) {
  public static final Actor SYSTEM = new Actor("inferbus", null);
}
