package io.inferbus.node;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A trusted token issuer for tests, as Microsoft Entra ID or Keycloak would be: RSA keys generated
 * here, a JWKS published in a file or served over HTTP by a real Vert.x server on 127.0.0.1, and
 * tokens signed with the JDK. Also crafts the tokens an attacker would try.
 */
public final class IdentityProvider implements AutoCloseable {
  public static final String ISSUER = "https://login.example.test/tenant/v2.0";
  public static final String AUDIENCE = "api://inferbus";
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final List<KeyPair> keys = new ArrayList<>();
  private final List<String> kids = new ArrayList<>();
  /** How many times the JWKS was fetched over HTTP. */
  final AtomicInteger fetches = new AtomicInteger();
  /** When the last fetch arrived (wall clock, milliseconds). */
  final AtomicLong lastFetchMillis = new AtomicLong();
  /** While set, the JWKS server holds its answers until it completes ({@link #holdKeys}). */
  private final AtomicReference<Promise<Void>> hold = new AtomicReference<>();
  private Vertx vertx;
  private HttpServer server;

  public IdentityProvider() throws GeneralSecurityException {
    rotate();
  }

  /** Publishes a new signing key (the old ones stay published); returns its kid. */
  synchronized String rotate() throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    keys.add(gen.generateKeyPair());
    kids.add("idp-key-" + keys.size());
    return currentKid();
  }

  synchronized String currentKid() {
    return kids.get(kids.size() - 1);
  }

  synchronized JsonObject jwks() {
    JsonArray array = new JsonArray();
    for (int i = 0; i < keys.size(); i++) {
      RSAPublicKey pub = (RSAPublicKey) keys.get(i).getPublic();
      array.add(new JsonObject().put("kty", "RSA").put("use", "sig").put("kid", kids.get(i))
          .put("n", b64(unsigned(pub.getModulus()))).put("e", b64(unsigned(pub.getPublicExponent()))));
    }
    return new JsonObject().put("keys", array);
  }

  /** A node's trusted-issuer options for this provider, its JWKS written into {@code dir}. */
  public io.inferbus.gateway.auth.TrustedIssuerOptions trustedIssuer(Path dir) throws Exception {
    return new io.inferbus.gateway.auth.TrustedIssuerOptions(writeJwks(dir.resolve("trusted-issuer-jwks.json")), null,
        ISSUER, AUDIENCE);
  }

  public Path writeJwks(Path file) throws Exception {
    Files.writeString(file, jwks().encodePrettily());
    return file;
  }

  /** Serves the JWKS at {@code http://127.0.0.1:<port>/discovery/keys}; returns the URL. */
  String serve() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/discovery/keys")) {
        lastFetchMillis.set(System.currentTimeMillis());
        fetches.incrementAndGet();
        Promise<Void> held = hold.get();
        Future<Void> go = held == null ? Future.succeededFuture() : held.future();
        go.onComplete(v -> req.response().putHeader("content-type", "application/json").end(jwks().encode()));
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + server.actualPort() + "/discovery/keys";
  }

  /** Fetches of the JWKS wait for {@link #releaseKeys}, as an identity provider that is slow to answer. */
  void holdKeys() {
    hold.set(Promise.promise());
  }

  /** Answers the fetches held since {@link #holdKeys}, and the next ones at once. */
  void releaseKeys() {
    Promise<Void> held = hold.getAndSet(null);
    if (held != null) {
      held.complete();
    }
  }

  synchronized PublicKey publicKey() {
    return keys.get(keys.size() - 1).getPublic();
  }

  /** Claims of a valid token for Inferbus, for an hour. */
  static JsonObject claims(String subject, String... roles) {
    long now = System.currentTimeMillis() / 1000;
    JsonArray r = new JsonArray();
    for (String role : roles) {
      r.add(role);
    }
    return new JsonObject().put("iss", ISSUER).put("aud", AUDIENCE).put("sub", subject).put("iat", now)
        .put("nbf", now).put("exp", now + 3600).put("roles", r);
  }

  /** A token with these claims, signed RS256 by the newest key. */
  synchronized String token(JsonObject claims) throws GeneralSecurityException {
    return sign("RS256", currentKid(), claims, keys.get(keys.size() - 1).getPrivate());
  }

  public String token(String subject, String... roles) throws GeneralSecurityException {
    return token(claims(subject, roles));
  }

  @Override
  public void close() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------ crafting

  /** Signed with {@code alg} (RS256, ES256) by {@code key}. */
  static String sign(String alg, String kid, JsonObject claims, PrivateKey key) throws GeneralSecurityException {
    String input = part(header(alg, kid)) + "." + part(claims);
    Signature s = Signature.getInstance(alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
    s.initSign(key);
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64URL.encodeToString(s.sign());
  }

  /** HS256 with {@code secret}: the forgery that uses a public key as an HMAC secret. */
  static String hs256(String kid, JsonObject claims, byte[] secret) throws GeneralSecurityException {
    String input = part(header("HS256", kid)) + "." + part(claims);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return input + "." + B64URL.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  /** {@code alg: none}, empty signature. */
  static String unsigned(String kid, JsonObject claims) {
    return part(header("none", kid)) + "." + part(claims) + ".";
  }

  /** The token with other claims, its header and signature kept. */
  static String tampered(String token, JsonObject claims) {
    String[] p = token.split("\\.");
    return p[0] + "." + part(claims) + "." + p[2];
  }

  static JsonObject claimsOf(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
  }

  static JsonObject headerOf(String token) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[0]), StandardCharsets.UTF_8));
  }

  /** A PKCS#8 PEM private key (the node's signing-key.pem). */
  static PrivateKey ecPrivateKey(String pem) throws GeneralSecurityException {
    byte[] der = Base64.getDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  private static JsonObject header(String alg, String kid) {
    JsonObject h = new JsonObject().put("alg", alg).put("typ", "JWT");
    return kid == null ? h : h.put("kid", kid);
  }

  private static String part(JsonObject json) {
    return B64URL.encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static String b64(byte[] bytes) {
    return B64URL.encodeToString(bytes);
  }

  private static byte[] unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    return b[0] == 0 && b.length > 1 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
  }
}
