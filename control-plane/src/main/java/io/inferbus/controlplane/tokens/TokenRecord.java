package io.inferbus.controlplane.tokens;

import io.inferbus.controlplane.auth.OperatorRole;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;

/**
 * An operator token as the store keeps it: what it is and who made and revoked it, never its text.
 * A named token ({@code POST /tokens}) has a name; an admin token that was rotated away is kept
 * unnamed, revoked, so that it stays refused after a restart.
 *
 * @param id the token's {@code jti}
 * @param name its name; null for an admin token
 * @param createdAt null when not issued through {@code POST /tokens} (an admin token)
 * @param createdBy who issued it (a token subject); null as {@code createdAt}
 * @param revokedAt null while it is not revoked
 * @param revokedBy who revoked it; null as {@code revokedAt}
 */
record TokenRecord(String id, String name, OperatorRole role, Instant createdAt, String createdBy,
    Instant expiresAt, Instant revokedAt, String revokedBy) {

  /** Neither revoked nor expired at {@code now}. */
  boolean live(Instant now) {
    return revokedAt == null && expiresAt.isAfter(now);
  }

  TokenRecord revoked(Instant at, String by) {
    return new TokenRecord(id, name, role, createdAt, createdBy, expiresAt, at, by);
  }

  /** As {@code GET /tokens} lists it (and the audit log records it): no id, no token. */
  JsonObject shown() {
    return new JsonObject()
        .put("name", name)
        .put("role", role.claim())
        .put("created_at", text(createdAt))
        .put("created_by", createdBy)
        .put("expires_at", text(expiresAt))
        .put("revoked_at", text(revokedAt));
  }

  /** The entry of the cluster's revoked-token map (see {@link io.inferbus.protocol.ClusterMaps#REVOKED_TOKENS}). */
  JsonObject revocation() {
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("revoked_at", text(revokedAt))
        .put("expires_at", expiresAt.getEpochSecond());
  }

  /** The token's expiry (epoch seconds) in an entry of the revoked-token map. */
  static long revocationExpiry(JsonObject entry) {
    return entry.getLong("expires_at", 0L);
  }

  JsonObject toJson() {
    return shown().put("id", id).put("revoked_by", revokedBy);
  }

  static TokenRecord fromJson(JsonObject json) {
    return new TokenRecord(json.getString("id"), json.getString("name"),
        OperatorRole.valueOf(json.getString("role").toUpperCase(Locale.ROOT)), instant(json.getString("created_at")),
        json.getString("created_by"), instant(json.getString("expires_at")), instant(json.getString("revoked_at")),
        json.getString("revoked_by"));
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static Instant instant(String text) {
    return text == null ? null : Instant.parse(text);
  }
}
