package io.inferbus.controlplane.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * The ids of the revoked operator tokens this control plane knows of, consulted by
 * {@link OperatorAuth#verify} on every request. Readers (any event loop) see an immutable snapshot and
 * never lock; the rare writers (a revocation, a cluster-map event, the load at start) swap in a new one.
 *
 * <p>The set only grows: an id seen revoked stays revoked in this process, so an entry that disappears
 * from the cluster map (a member that left, a map cleared by someone with access to Hazelcast) never
 * makes a token valid again. An id is dropped only once its token is refused by its {@code exp} anyway.
 */
public final class RevokedTokens {
  /** Longer than the verifier's clock leeway: a token whose id is dropped is already refused as expired. */
  static final long KEEP_PAST_EXPIRY_SECONDS = 2L * OperatorAuth.LEEWAY_SECONDS;

  /** id → the token's expiry (epoch seconds). */
  private volatile Map<String, Long> revoked = Map.of();

  public boolean contains(String tokenId) {
    return revoked.containsKey(tokenId);
  }

  /** Adds one revoked id; {@code expiresAt} is its token's {@code exp} (epoch seconds). */
  public void add(String tokenId, long expiresAt) {
    addAll(Map.of(tokenId, expiresAt));
  }

  /** Adds revoked ids (id → the token's {@code exp}), dropping those whose tokens have long expired. */
  public synchronized void addAll(Map<String, Long> ids) {
    long now = System.currentTimeMillis() / 1000;
    Map<String, Long> next = new HashMap<>(revoked);
    next.putAll(ids);
    next.values().removeIf(expiresAt -> expiresAt + KEEP_PAST_EXPIRY_SECONDS < now);
    revoked = Map.copyOf(next);
  }

  /** How many ids are held (for tests and logs). */
  public int size() {
    return revoked.size();
  }
}
