package io.inferbus.gateway.auth;

import static io.inferbus.gateway.auth.Jwts.sign;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --jwks-url}: the keys come from a real HTTP server on 127.0.0.1 (a Vert.x HttpServer in
 * this test). A rotated key is fetched once, when the first token signed by it arrives; a flood of
 * tokens naming unknown key ids fetches at most once per refresh interval. The interval is the real
 * default (one minute); the issuer's clock is the test's, so no test waits for it.
 */
class JwksUrlRefreshTest {
  static final String ISSUER = "https://idp.example.test";
  static final String AUDIENCE = "api://inferbus";

  Vertx vertx;
  HttpServer server;
  final AtomicReference<JsonObject> served = new AtomicReference<>();
  final AtomicInteger fetches = new AtomicInteger();
  /** When set, the server holds its answer until the promise completes. */
  final AtomicReference<Promise<Void>> hold = new AtomicReference<>();
  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  KeyPair first;
  KeyPair second;

  @BeforeEach
  void serveJwks() throws Exception {
    vertx = Vertx.vertx();
    first = Jwts.rsa();
    second = Jwts.rsa();
    served.set(Jwts.jwks(Jwts.jwk(first.getPublic(), "k1")));
    server = await(vertx.createHttpServer().requestHandler(req -> {
      if (!req.path().equals("/keys")) {
        req.response().setStatusCode(404).end();
        return;
      }
      fetches.incrementAndGet();
      Promise<Void> held = hold.get();
      Future<Void> go = held == null ? Future.succeededFuture() : held.future();
      go.onComplete(v -> req.response().putHeader("content-type", "application/json").end(served.get().encode()));
    }).listen(0, "127.0.0.1"));
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/keys";
  }

  TrustedIssuer issuer() throws Exception {
    return await(TrustedIssuer.start(vertx, new TrustedIssuerOptions(null, url(), ISSUER, AUDIENCE), clock::get));
  }

  static JsonObject claims() {
    return Jwts.withRoles(Jwts.claims(ISSUER, AUDIENCE, "bob"), "score:*");
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static InferbusException refusal(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return (InferbusException) e.getCause();
    }
    throw new AssertionError("the token should be refused");
  }

  void advance(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void keysAreFetchedAtStartAndTokensVerifyWithoutFetchingAgain() throws Exception {
    TrustedIssuer issuer = issuer();
    assertEquals(1, fetches.get());
    for (int i = 0; i < 20; i++) {
      assertNotNull(await(issuer.verify(sign("RS256", "k1", claims().put("jti", "t" + i), first.getPrivate()))));
    }
    assertEquals(1, fetches.get(), "known keys are not fetched again");
  }

  @Test
  void aRotatedKeyIsFetchedOnceWhenItsFirstTokenArrives() throws Exception {
    TrustedIssuer issuer = issuer();
    served.set(Jwts.jwks(Jwts.jwk(first.getPublic(), "k1"), Jwts.jwk(second.getPublic(), "k2")));
    String signedByNewKey = sign("RS256", "k2", claims(), second.getPrivate());
    assertEquals("bob", await(issuer.verify(signedByNewKey)).subject());
    assertEquals(2, fetches.get(), "one fetch at start, one for the new kid");
    for (int i = 0; i < 10; i++) {
      await(issuer.verify(sign("RS256", "k2", claims().put("jti", "t" + i), second.getPrivate())));
      await(issuer.verify(sign("RS256", "k1", claims().put("jti", "t" + i), first.getPrivate())));
    }
    assertEquals(2, fetches.get());
    assertEquals(2, issuer.loads());
  }

  @Test
  void aFloodOfUnknownKeyIdsFetchesAtMostOncePerInterval() throws Exception {
    TrustedIssuer issuer = issuer();
    KeyPair attacker = Jwts.rsa();
    for (int i = 0; i < 200; i++) {
      InferbusException e = refusal(issuer.verify(sign("RS256", "made-up-" + i, claims(), attacker.getPrivate())));
      assertEquals(FailureKind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains("'made-up-" + i + "' is not one of the trusted keys"), e.getMessage());
    }
    assertEquals(2, fetches.get(), "the first unknown kid fetched once; the other 199 did not");

    advance(Duration.ofSeconds(59));
    refusal(issuer.verify(sign("RS256", "made-up-x", claims(), attacker.getPrivate())));
    assertEquals(2, fetches.get(), "still within the minute");

    // the issuer rotates while the interval runs: its new key is picked up once the minute is over
    served.set(Jwts.jwks(Jwts.jwk(first.getPublic(), "k1"), Jwts.jwk(second.getPublic(), "k2")));
    String signedByNewKey = sign("RS256", "k2", claims(), second.getPrivate());
    refusal(issuer.verify(signedByNewKey));
    assertEquals(2, fetches.get());
    advance(Duration.ofSeconds(2));
    assertEquals("bob", await(issuer.verify(signedByNewKey)).subject());
    assertEquals(3, fetches.get());
    for (int i = 0; i < 50; i++) {
      refusal(issuer.verify(sign("RS256", "again-" + i, claims(), attacker.getPrivate())));
    }
    assertEquals(3, fetches.get());
  }

  @Test
  void requestsArrivingDuringAFetchWaitForItInsteadOfFetchingAgain() throws Exception {
    TrustedIssuer issuer = issuer();
    served.set(Jwts.jwks(Jwts.jwk(first.getPublic(), "k1"), Jwts.jwk(second.getPublic(), "k2")));
    Promise<Void> release = Promise.promise();
    hold.set(release);
    List<Future<VerifiedToken>> waiting = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      waiting.add(issuer.verify(sign("RS256", "k2", claims().put("jti", "t" + i), second.getPrivate())));
    }
    assertTrue(waiting.stream().noneMatch(Future::isComplete), "they wait for the keys");
    release.complete();
    for (Future<VerifiedToken> f : waiting) {
      assertEquals("bob", await(f).subject());
    }
    assertEquals(2, fetches.get());
  }

  @Test
  void anIssuerDownAtStartDoesNotStopTheStartAndIsTriedAgainLater() throws Exception {
    HttpServer gone = await(vertx.createHttpServer().requestHandler(r -> r.response().end()).listen(0, "127.0.0.1"));
    int port = gone.actualPort();
    await(gone.close());
    TrustedIssuer issuer = await(TrustedIssuer.start(vertx, new TrustedIssuerOptions(null,
        "http://127.0.0.1:" + port + "/keys", ISSUER, AUDIENCE), clock::get));
    InferbusException e = refusal(issuer.verify(sign("RS256", "k1", claims(), first.getPrivate())));
    assertEquals(FailureKind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("could not be read from http://127.0.0.1:" + port), e.getMessage());
    assertEquals(0, issuer.loads());
  }

  @Test
  void anIssuerWithoutUsableKeysAtStartIsTriedAgainWhenATokenArrives() throws Exception {
    served.set(new JsonObject().put("keys", new io.vertx.core.json.JsonArray()));
    TrustedIssuer issuer = issuer();
    InferbusException e = refusal(issuer.verify(sign("RS256", "k1", claims(), first.getPrivate())));
    assertTrue(e.getMessage().contains("could not be read"), e.getMessage());
    assertEquals(2, fetches.get(), "start, then one try for the token");
    served.set(Jwts.jwks(Jwts.jwk(first.getPublic(), "k1")));
    advance(Duration.ofSeconds(61));
    assertEquals("bob", await(issuer.verify(sign("RS256", "k1", claims(), first.getPrivate()))).subject());
    assertEquals(3, fetches.get());
  }

  @Test
  void aFailedOrEmptyFetchKeepsTheKeysThereWere() throws Exception {
    TrustedIssuer issuer = issuer();
    served.set(new JsonObject().put("keys", new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("kty", "oct").put("kid", "k9").put("k", "c2VjcmV0"))));
    refusal(issuer.verify(sign("RS256", "k9", claims(), second.getPrivate())));
    assertEquals(2, fetches.get());
    assertEquals("bob", await(issuer.verify(sign("RS256", "k1", claims(), first.getPrivate()))).subject(),
        "the earlier keys still verify");
  }

  @Test
  void tokensOfAnotherIssuerNeverCauseAFetch() throws Exception {
    TrustedIssuer issuer = issuer();
    for (int i = 0; i < 20; i++) {
      InferbusException e = refusal(issuer.verify(sign("RS256", "other-" + i,
          claims().put("iss", "https://elsewhere.example"), second.getPrivate())));
      assertTrue(e.getMessage().contains("not the trusted issuer"), e.getMessage());
    }
    assertEquals(1, fetches.get());
  }
}
