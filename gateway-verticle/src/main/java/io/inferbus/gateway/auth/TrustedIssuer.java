package io.inferbus.gateway.auth;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trusted external issuer of JWTs (an identity provider such as Microsoft Entra ID or Keycloak):
 * verifies its tokens against the public keys of its JWKS, read from a file or fetched from a URL.
 *
 * <p>Vert.x's JWT provider does not fetch a JWKS URL by itself, so this class does, with Vert.x's
 * HTTP client: once at start, and again when a token names a key id ({@code kid}) the set does not
 * have (the issuer rotated its keys), at most once per {@link TrustedIssuerOptions#minRefreshInterval()}
 * so that a flood of tokens with made-up key ids cannot turn the node into a client hammering the
 * issuer. Requests that arrive while a fetch is running wait for it. A fetch that fails or brings no
 * usable key keeps the keys there were. A file is read again under the same rule.
 *
 * <p>One instance serves a node's gateway and control plane; it is safe to call from any thread.
 */
public final class TrustedIssuer {
  private static final Logger LOG = LoggerFactory.getLogger(TrustedIssuer.class);
  private static final int MAX_JWKS_BYTES = 1024 * 1024;
  private static final long FETCH_TIMEOUT_MS = 10_000;

  private final Vertx vertx;
  private final TrustedIssuerOptions options;
  private final LongSupplier nanoClock;
  private final HttpClient http;
  /**
   * Where fetches run. A request started on a thread that is not Vert.x's (a test, a shutdown hook)
   * can lose its answer on a reused connection: {@code send().compose(resp -> resp.body())} was seen
   * to hang there (Vert.x 5.0.7), while the same code on a Vert.x context never did.
   */
  private final Context fetchContext;
  /** The current keys; null until they have been read once. Replaced whole, never changed. */
  private volatile TokenVerifier verifier;
  private final AtomicInteger loads = new AtomicInteger();

  private final Object refreshLock = new Object();
  /** The read in progress for an unknown key id, joined by later requests; guarded by refreshLock. */
  private Future<Void> refreshing;
  /** When the last read for an unknown key id started (nanoClock); guarded by refreshLock. */
  private long lastRefreshNanos;
  private boolean refreshedBefore;

  TrustedIssuer(Vertx vertx, TrustedIssuerOptions options, LongSupplier nanoClock) {
    this.vertx = vertx;
    this.options = options;
    this.nanoClock = nanoClock;
    this.http = options.jwksUrl() == null ? null
        : vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) FETCH_TIMEOUT_MS));
    this.fetchContext = vertx.getOrCreateContext();
  }

  /**
   * Reads the issuer's keys and returns the issuer. A JWKS file that cannot be read or holds no usable
   * key fails the start (a configuration error). A URL that does not answer is logged and tried again
   * when the first token arrives: a gateway whose identity provider is down still serves key endpoints.
   */
  public static Future<TrustedIssuer> start(Vertx vertx, TrustedIssuerOptions options) {
    return start(vertx, options, System::nanoTime);
  }

  static Future<TrustedIssuer> start(Vertx vertx, TrustedIssuerOptions options, LongSupplier nanoClock) {
    TrustedIssuer issuer = new TrustedIssuer(vertx, options, nanoClock);
    Future<Void> loaded = issuer.load();
    if (options.jwksFile() != null) {
      return loaded.<TrustedIssuer>map(issuer).recover(e -> Future.failedFuture(new IllegalArgumentException(
          "cannot read the trusted issuer's keys from " + options.source() + ": " + e.getMessage(), e)));
    }
    return loaded.otherwise((Void) null).map(issuer);
  }

  public String issuer() {
    return options.issuer();
  }

  public String audience() {
    return options.audience();
  }

  /** How many times the keys were read successfully (at start and on unknown key ids). */
  public int loads() {
    return loads.get();
  }

  /** The tokens remembered as verified (for tests of the cache). */
  int cachedCount() {
    TokenVerifier v = verifier;
    return v == null ? 0 : v.cachedCount();
  }

  /** The token if it verified before and has not expired; else null. No allocation, no I/O. */
  VerifiedToken cached(String token) {
    TokenVerifier v = verifier;
    return v == null ? null : v.cached(token);
  }

  /**
   * Verifies a token of this issuer: signature by one of its keys, {@code iss}, {@code aud},
   * {@code exp}/{@code nbf} within the leeway. Fails with an UNAUTHORIZED {@link InferbusException}
   * whose message says why. Completes at once unless the keys must be read again; then it may
   * complete on another thread (see {@link #verifyOnCallerContext}).
   */
  public Future<VerifiedToken> verify(String token) {
    TokenVerifier v = verifier;
    VerifiedToken hit = v == null ? null : v.cached(token);
    if (hit != null) {
      return Future.succeededFuture(hit);
    }
    UnverifiedJwt unverified = UnverifiedJwt.peek(token);
    if (unverified == null) {
      return Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED, "it is not a signed JWT"
          + " (three base64url parts)"));
    }
    if (!options.issuer().equals(unverified.issuer())) {
      // Refused before any key lookup: a token of another issuer never makes the keys be read again.
      return Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED, "its issuer is '"
          + unverified.issuer() + "', not the trusted issuer '" + options.issuer() + "'"));
    }
    Future<VerifiedToken> first = v == null
        ? Future.failedFuture(new TokenVerifier.UnknownKeyException(unverified.keyId()))
        : v.verify(token, unverified);
    if (!(first.cause() instanceof TokenVerifier.UnknownKeyException)) {
      return first;
    }
    Future<Void> refresh = refreshForUnknownKey();
    if (refresh == null) {
      return first.recover(this::noKeysYet);
    }
    return refresh.compose(loaded -> {
      TokenVerifier now = verifier;
      return now == null ? first : now.verify(token, unverified);
    }).recover(this::noKeysYet);
  }

  /** Like {@link #verify}, completing on the calling Vert.x context (where the caller's handlers must run). */
  public Future<VerifiedToken> verifyOnCallerContext(String token) {
    Future<VerifiedToken> result = verify(token);
    Context caller = Vertx.currentContext();
    if (result.isComplete() || caller == null) {
      return result;
    }
    Promise<VerifiedToken> onCaller = Promise.promise();
    result.onComplete(ar -> caller.runOnContext(v -> onCaller.handle(ar)));
    return onCaller.future();
  }

  private <T> Future<T> noKeysYet(Throwable failure) {
    if (verifier == null && failure instanceof TokenVerifier.UnknownKeyException) {
      return Future.failedFuture(new InferbusException(FailureKind.UNAUTHORIZED, "the trusted issuer's keys could"
          + " not be read from " + options.source() + " yet"));
    }
    return Future.failedFuture(failure);
  }

  /** A read of the keys for an unknown key id: the one in progress, a new one, or null if one ran too recently. */
  private Future<Void> refreshForUnknownKey() {
    synchronized (refreshLock) {
      if (refreshing != null) {
        return refreshing;
      }
      long now = nanoClock.getAsLong();
      if (refreshedBefore && now - lastRefreshNanos < options.minRefreshInterval().toNanos()) {
        return null;
      }
      refreshedBefore = true;
      lastRefreshNanos = now;
      Promise<Void> done = Promise.promise();
      refreshing = done.future();
      LOG.info("a token names a key id the trusted issuer's keys lack: reading them again from {}", options.source());
      load().onComplete(ar -> {
        synchronized (refreshLock) {
          refreshing = null;
        }
        done.complete(); // a failed read keeps the keys there were; the token is then judged by those
      });
      return done.future();
    }
  }

  /** Reads the JWKS and, when it has usable keys, makes them the current ones. */
  private Future<Void> load() {
    Future<Buffer> body = options.jwksFile() != null
        ? vertx.fileSystem().readFile(options.jwksFile().toString())
        : fetch();
    return body.<Void>map(bytes -> {
      List<String> dropped = new ArrayList<>();
      List<JsonObject> keys = JsonWebKeys.usable(new JsonObject(bytes), dropped);
      dropped.forEach(d -> LOG.warn("trusted issuer {}: ignoring {}", options.source(), d));
      TokenVerifier current = verifier;
      if (current == null || !current.keys().equals(keys)) {
        // Only a changed key set replaces the verifier, so tokens remembered as verified stay so.
        verifier = TokenVerifier.create(vertx, keys, options.issuer(), options.audience());
      }
      loads.incrementAndGet();
      LOG.info("trusted issuer '{}': keys {} from {}", options.issuer(),
          keys.stream().map(k -> k.getString("kid", "(no kid)")).distinct().toList(), options.source());
      return null;
    }).onFailure(e -> LOG.warn("cannot read the trusted issuer's keys from {}: {}", options.source(), e.getMessage()));
  }

  private Future<Buffer> fetch() {
    Promise<Buffer> fetched = Promise.promise();
    fetchContext.runOnContext(v -> get().onComplete(fetched));
    return fetched.future();
  }

  private Future<Buffer> get() {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(options.jwksUrl())
        .setTimeout(FETCH_TIMEOUT_MS).putHeader("accept", "application/json");
    return http.request(request).compose(req -> req.send()).compose(resp -> {
      if (resp.statusCode() != 200) {
        return resp.body().transform(ignored -> Future.failedFuture("HTTP " + resp.statusCode()));
      }
      return resp.body().compose(b -> b.length() > MAX_JWKS_BYTES
          ? Future.failedFuture("the JWKS is larger than " + MAX_JWKS_BYTES + " bytes")
          : Future.succeededFuture(b));
    });
  }

  /** Closes the HTTP client (the node closes Vert.x anyway). */
  public Future<Void> close() {
    return http == null ? Future.succeededFuture() : http.close();
  }
}
