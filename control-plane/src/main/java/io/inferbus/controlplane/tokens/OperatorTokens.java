package io.inferbus.controlplane.tokens;

import io.inferbus.controlplane.auth.OperatorAuth;
import io.inferbus.controlplane.auth.OperatorAuth.Caller;
import io.inferbus.controlplane.auth.OperatorAuth.Issued;
import io.inferbus.controlplane.auth.OperatorAuth.OwnToken;
import io.inferbus.controlplane.auth.OperatorRole;
import io.inferbus.controlplane.audit.AuditLog;
import io.inferbus.controlplane.operations.Actor;
import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.store.Store;
import io.inferbus.controlplane.store.Store.Table;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.cluster.ClusterMapView;
import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.SignedMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named operator tokens ({@code POST /tokens}, {@code GET /tokens}, {@code DELETE /tokens/{name}})
 * and the rotation of the admin token ({@code POST /tokens/admin/rotate}). Like every change of the
 * control plane: checked, written in one store transaction with its audit record (on the store
 * thread), published to the cluster, then answered.
 *
 * <p>Revocation reaches every control plane through the cluster map
 * {@link ClusterMaps#REVOKED_TOKENS}: the one that revokes adds the id to its own
 * {@link OperatorAuth#revoked() revoked set} at once and publishes it before answering; the others
 * watch the map. At start each loads the revoked ids from its store and publishes them again, so a
 * restart of the whole cluster forgets none. The token table holds no token's text: a token is shown
 * once, when issued.
 */
public final class OperatorTokens {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorTokens.class);
  /** The subject of a named token: the audit log tells it from a person's or the admin token's. */
  private static final String NAMED_SUBJECT_PREFIX = "token:";

  private final Context context;
  private final Store store;
  private final StoreThread storeThread;
  private final AuditLog audit;
  private final OperatorAuth auth;
  private final SignedMap revokedMap;
  private final ClusterMapView<Long> revokedView;

  /**
   * @param context the control plane's context: cluster events are applied there
   * @param storeThread the control plane's single store thread
   * @param auth the verifier whose revoked set this feeds
   */
  public OperatorTokens(ClusterRecords records, Context context, StoreThread storeThread, AuditLog audit,
      OperatorAuth auth) {
    this.context = context;
    this.store = storeThread.store();
    this.storeThread = storeThread;
    this.audit = audit;
    this.auth = auth;
    this.revokedMap = records.map(ClusterMaps.REVOKED_TOKENS);
    this.revokedView = records.view(ClusterMaps.REVOKED_TOKENS, context, TokenRecord::revocationExpiry,
        this::revocationsChanged);
  }

  /**
   * Loads the revoked ids of the store into the verifier, publishes them to the cluster, then watches
   * the cluster's revocations; completes once all three are done, so start the API after it.
   */
  public Future<Void> start() {
    return storeThread.<Integer>read(() -> {
      revokedMap.guard(); // a revocation removed behind this control plane's back is put back
      Instant now = Instant.now();
      Map<String, Long> ids = new HashMap<>();
      for (TokenRecord record : records()) {
        if (record.revokedAt() != null) {
          ids.put(record.id(), record.expiresAt().getEpochSecond());
          long ttl = ttlSeconds(record, now);
          if (ttl > 0) {
            revokedMap.set(record.id(), record.revocation(), ttl);
          }
        }
      }
      auth.revoked().addAll(ids);
      return ids.size();
    }).compose(loaded -> {
      LOG.info("{} revoked operator token(s) in the store", loaded);
      return revokedView.start();
    });
  }

  public void stop() {
    revokedView.stop();
    revokedMap.stopGuarding();
  }

  /** {@code POST /tokens}: a new named token, shown this once. */
  public Future<ApiResult> create(JsonObject body, Actor actor) {
    TokenRequest request;
    try {
      request = TokenRequest.parse(body, Instant.now());
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
    return storeThread.write(() -> {
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      for (TokenRecord existing : records()) {
        if (request.name().equals(existing.name()) && existing.live(now)) {
          throw new InferbusException(FailureKind.CONFLICT, "a token named '" + request.name()
              + "' exists until " + existing.expiresAt() + "; revoke it first (DELETE /tokens/" + request.name()
              + ") or choose another name", "name");
        }
      }
      Issued issued = auth.issue(NAMED_SUBJECT_PREFIX + request.name(), request.name(), request.role(),
          request.expiresAt());
      TokenRecord record = new TokenRecord(issued.identity().id(), request.name(), request.role(),
          now, actor.subject(), request.expiresAt(), null, null);
      store.put(Table.OPERATOR_TOKENS, record.toJson(), record.id());
      audit.record(actor, "token.create", "tokens/" + record.name(), null,
          record.shown());
      return ApiResult.created(answer(record.name(), record.role(), record.expiresAt(), issued.token()));
    });
  }

  /** {@code GET /tokens}: every named token, live, expired or revoked, oldest first. */
  public Future<ApiResult> list() {
    return storeThread.read(() -> {
      JsonArray value = new JsonArray();
      records().stream().filter(r -> r.name() != null)
          .sorted(Comparator.comparing(TokenRecord::createdAt).thenComparing(TokenRecord::name))
          .forEach(r -> value.add(r.shown()));
      return ApiResult.ok(new JsonObject().put("value", value));
    });
  }

  /** {@code DELETE /tokens/{name}}: revokes the live token of that name, on every control plane within a second. */
  public Future<ApiResult> revoke(String name, Actor actor) {
    try {
      TokenRequest.name(name);
    } catch (InferbusException e) {
      return Future.failedFuture(e);
    }
    return storeThread.write(() -> {
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      TokenRecord latest = null;
      for (TokenRecord record : records()) {
        if (name.equals(record.name())) {
          if (record.live(now)) {
            TokenRecord revoked = record.revoked(now, actor.subject());
            store.put(Table.OPERATOR_TOKENS, revoked.toJson(), revoked.id());
            audit.record(actor, "token.revoke", "tokens/" + name, record.shown(),
                revoked.shown());
            return revoked;
          }
          latest = latest == null || record.createdAt().isAfter(latest.createdAt()) ? record : latest;
        }
      }
      throw InferbusException.notFound(latest == null ? "no token named '" + name + "'"
          : latest.revokedAt() != null ? "token '" + name + "' is already revoked (at " + latest.revokedAt() + ")"
          : "token '" + name + "' has expired (at " + latest.expiresAt() + ")");
    }).compose(revoked -> publishRevocation(revoked).map(v -> ApiResult.ok(revoked.shown())));
  }

  /**
   * {@code POST /tokens/admin/rotate}: a new admin token in place of the one the call is made with
   * (client.json's), which is revoked. The signing key stays, so endpoint keys and scoring tokens
   * keep working.
   */
  public Future<ApiResult> rotateAdmin(Caller caller, Actor actor) {
    OwnToken old = caller.token();
    if (old == null || old.name() != null) {
      return Future.failedFuture(new InferbusException(FailureKind.BAD_INPUT, "rotation replaces the admin token "
          + "it is called with (client.json's), but this call came with "
          + (old == null ? "a token of the trusted issuer"
              : "the named token '" + old.name() + "' (revoke it with DELETE /tokens/" + old.name() + ")")
          + "; call it with the admin token"));
    }
    return storeThread.write(() -> {
      if (store.get(Table.OPERATOR_TOKENS, old.id()).map(TokenRecord::fromJson).map(r -> r.revokedAt() != null)
          .orElse(false)) {
        // a rotation with the same token that committed while this call waited for the store thread
        throw new InferbusException(FailureKind.UNAUTHORIZED, "the token is not valid: it was revoked");
      }
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Issued fresh = auth.issue(OperatorAuth.ADMIN_SUBJECT, null, OperatorRole.ADMIN,
          now.plusSeconds(OperatorAuth.ADMIN_TOKEN_LIFETIME_SECONDS));
      TokenRecord revoked = new TokenRecord(old.id(), null, OperatorRole.ADMIN, null, null,
          Instant.ofEpochSecond(old.expiresAt()), now, actor.subject());
      store.put(Table.OPERATOR_TOKENS, revoked.toJson(), revoked.id());
      Instant expiresAt = Instant.ofEpochSecond(fresh.identity().expiresAt());
      audit.record(actor, "token.rotate-admin", "tokens/admin",
          new JsonObject().put("id", old.id()),
          new JsonObject().put("id", fresh.identity().id()).put("expires_at", expiresAt.toString()));
      return new Rotation(revoked, answer(OperatorAuth.ADMIN_SUBJECT, OperatorRole.ADMIN, expiresAt, fresh.token()));
    }).compose(rotation -> publishRevocation(rotation.revoked()).map(v -> ApiResult.ok(rotation.answer())));
  }

  private record Rotation(TokenRecord revoked, JsonObject answer) {}

  /** Refused here at once; then on the other control planes, through the cluster, before the call is answered. */
  private Future<Void> publishRevocation(TokenRecord revoked) {
    auth.revoked().add(revoked.id(), revoked.expiresAt().getEpochSecond());
    long ttl = ttlSeconds(revoked, Instant.now());
    if (ttl <= 0) {
      return Future.succeededFuture();
    }
    return revokedMap.setAsync(revoked.id(), revoked.revocation(), ttl, context);
  }

  /** How long the cluster keeps a revocation: until the verifier refuses the token by its expiry anyway. */
  private static long ttlSeconds(TokenRecord revoked, Instant now) {
    return revoked.expiresAt().getEpochSecond() + 2L * OperatorAuth.LEEWAY_SECONDS - now.getEpochSecond();
  }

  /**
   * Another control plane revoked a token (or the view was loaded): added to the revoked set, which
   * only grows, so an entry leaving the map undoes nothing.
   */
  private void revocationsChanged() {
    auth.revoked().addAll(revokedView.entries());
  }

  private static JsonObject answer(String name, OperatorRole role, Instant expiresAt, String token) {
    return new JsonObject().put("name", name).put("role", role.claim()).put("expires_at", expiresAt.toString())
        .put("token", token);
  }

  /** Every token record (store thread). */
  private List<TokenRecord> records() {
    return store.list(Table.OPERATOR_TOKENS, null).stream().map(TokenRecord::fromJson).toList();
  }
}
