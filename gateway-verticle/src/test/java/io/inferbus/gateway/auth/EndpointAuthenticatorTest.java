package io.inferbus.gateway.auth;

import static io.inferbus.gateway.auth.Jwts.claims;
import static io.inferbus.gateway.auth.Jwts.sign;
import static io.inferbus.gateway.auth.Jwts.withRoles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.state.EndpointState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a scoring caller sees for each auth mode: the credential an endpoint takes is accepted, and
 * every other one is refused, 401 for a bad or missing credential, 403 for a valid one without
 * access, with a message that says what the endpoint takes. Real keys (RSA 2048, EC P-256/P-384)
 * and real signatures; the trusted issuer's keys come from a JWKS file.
 */
class EndpointAuthenticatorTest {
  static final String ISSUER = "https://login.example.test/tenant/v2.0";
  static final String AUDIENCE = "api://inferbus";

  @TempDir
  static Path dir;
  static Vertx vertx;
  static KeyPair cluster;
  static KeyPair idpRsa;
  static KeyPair idpEc;
  static KeyPair stranger;
  static String clusterKid = "cluster-1";
  static TrustedIssuer issuer;
  static EndpointAuthenticator auth;
  static EndpointState keyEndpoint;
  static EndpointState amlEndpoint;
  static EndpointState aadEndpoint;
  static final String PRIMARY = "primary-key-0123456789abcdefghijklmnopqrstu";
  static final String SECONDARY = "secondary-key-0123456789abcdefghijklmnopqrs";

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    cluster = Jwts.ec("secp256r1");
    idpRsa = Jwts.rsa();
    idpEc = Jwts.ec("secp384r1");
    stranger = Jwts.rsa();
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, Jwts.jwks(Jwts.jwk(idpRsa.getPublic(), "rsa-1"), Jwts.jwk(idpEc.getPublic(), "ec-1"))
        .encode());
    issuer = await(TrustedIssuer.start(vertx, new TrustedIssuerOptions(jwks, null, ISSUER, AUDIENCE)));
    auth = new EndpointAuthenticator(vertx, issuer);
    JsonObject clusterJwk = Jwts.jwk(cluster.getPublic(), clusterKid).put("alg", "ES256");
    keyEndpoint = endpoint("credit", EndpointState.AUTH_KEY, List.of(hash(PRIMARY), hash(SECONDARY)), List.of());
    amlEndpoint = endpoint("fraud", EndpointState.AUTH_AML_TOKEN, List.of(hash(PRIMARY)), List.of(clusterJwk));
    aadEndpoint = endpoint("churn", EndpointState.AUTH_AAD_TOKEN, List.of(hash(PRIMARY)), List.of());
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  static EndpointState endpoint(String name, String mode, List<String> hashes, List<JsonObject> tokenKeys) {
    return new EndpointState(name, mode, Map.of("blue", 100), Map.of(), 1, hashes, tokenKeys);
  }

  static String hash(String key) {
    return Sha256.hex(key);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The refusal for the credential, or null when it is accepted. */
  static InferbusException outcome(EndpointState endpoint, String credential) throws Exception {
    return outcome(auth, endpoint, credential == null ? null : "Bearer " + credential);
  }

  static InferbusException outcome(EndpointAuthenticator auth, EndpointState endpoint, String authorization)
      throws Exception {
    Future<Void> f = auth.authenticate(endpoint, authorization);
    try {
      await(f);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return (InferbusException) e.getCause();
    }
  }

  static void accepted(EndpointState endpoint, String credential) throws Exception {
    InferbusException e = outcome(endpoint, credential);
    assertNull(e, () -> "should be accepted, was refused: " + e.getMessage());
  }

  static void refused(FailureKind kind, EndpointState endpoint, String credential, String... messageParts)
      throws Exception {
    InferbusException e = outcome(endpoint, credential);
    assertTrue(e != null, "should be refused: " + credential);
    assertEquals(kind, e.kind(), e.getMessage());
    for (String part : messageParts) {
      assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  // ------------------------------------------------------------------------------------ key

  @Nested
  class KeyMode {
    @Test
    void eitherKeyIsAccepted() throws Exception {
      accepted(keyEndpoint, PRIMARY);
      accepted(keyEndpoint, SECONDARY);
    }

    @Test
    void missingOrWrongKeyIs401() throws Exception {
      refused(FailureKind.UNAUTHORIZED, keyEndpoint, null, "missing credentials", "Bearer <key>");
      refused(FailureKind.UNAUTHORIZED, keyEndpoint, "not-the-key", "not valid for endpoint 'credit'");
      refused(FailureKind.UNAUTHORIZED, keyEndpoint, PRIMARY + "x", "not valid");
      refused(FailureKind.UNAUTHORIZED, keyEndpoint, "", "not valid");
      InferbusException basic = outcome(auth, keyEndpoint, "Basic " + PRIMARY);
      assertEquals(FailureKind.UNAUTHORIZED, basic.kind());
      assertTrue(basic.getMessage().contains("Bearer"), basic.getMessage());
    }

    @Test
    void regeneratedKeyIsRefusedAsSoonAsTheEndpointEntryChanges() throws Exception {
      String fresh = "regenerated-primary-0123456789abcdefghijklmn";
      EndpointState after = endpoint("credit", EndpointState.AUTH_KEY, List.of(hash(fresh), hash(SECONDARY)),
          List.of());
      accepted(after, fresh);
      accepted(after, SECONDARY);
      refused(FailureKind.UNAUTHORIZED, after, PRIMARY, "not valid for endpoint 'credit'");
    }

    @Test
    void aTokenIsRefusedSayingTheEndpointTakesAKey() throws Exception {
      String token = sign("ES256", clusterKid, amlClaims("credit"), cluster.getPrivate());
      refused(FailureKind.UNAUTHORIZED, keyEndpoint, token, "takes a key (auth_mode key), not a token");
      String aad = sign("RS256", "rsa-1", withRoles(claims(ISSUER, AUDIENCE, "bob"), "score:*"), idpRsa.getPrivate());
      refused(FailureKind.UNAUTHORIZED, keyEndpoint, aad, "takes a key");
    }
  }

  // ------------------------------------------------------------------------------------ aml_token

  static JsonObject amlClaims(String endpoint) {
    return claims(EndpointState.AML_TOKEN_ISSUER, endpoint, "alice")
        .put(EndpointState.AML_TOKEN_USE_CLAIM, EndpointState.AML_TOKEN_USE_SCORE);
  }

  static String aml(JsonObject claims) throws Exception {
    return sign("ES256", clusterKid, claims, cluster.getPrivate());
  }

  @Nested
  class AmlToken {
    @Test
    void tokenOfTheControlPlaneForThisEndpointIsAccepted() throws Exception {
      String token = aml(amlClaims("fraud"));
      accepted(amlEndpoint, token);
      accepted(amlEndpoint, token); // again, from what the verifier remembers
      accepted(amlEndpoint, aml(amlClaims("fraud").put("aud", new io.vertx.core.json.JsonArray().add("fraud"))));
    }

    @Test
    void expiredIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, amlEndpoint,
          aml(amlClaims("fraud").put("iat", now() - 7200).put("nbf", now() - 7200).put("exp", now() - 3600)),
          "expired");
      // past the 60 s leeway
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(amlClaims("fraud").put("exp", now() - 90)), "expired");
    }

    @Test
    void notYetValidIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(amlClaims("fraud").put("nbf", now() + 3600)), "not valid yet");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(amlClaims("fraud").put("iat", now() + 3600)), "not valid yet");
    }

    @Test
    void tokenWithoutExpiryIsRefused() throws Exception {
      JsonObject claims = amlClaims("fraud");
      claims.remove("exp");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(claims), "no expiry");
    }

    @Test
    void wrongIssuerIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(amlClaims("fraud").put("iss", "https://evil.example")),
          "takes tokens its control plane issues", "issuer is 'https://evil.example'");
    }

    @Test
    void tokenOfAnotherEndpointIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(amlClaims("credit")), "for endpoint [credit], not 'fraud'");
      JsonObject noAudience = amlClaims("fraud");
      noAudience.remove("aud");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(noAudience), "not 'fraud'");
    }

    @Test
    void managementTokenSignedByTheSameKeyIsRefused() throws Exception {
      JsonObject admin = claims("inferbus", "inferbus-control-plane", "admin").put("roles",
          new io.vertx.core.json.JsonArray().add("admin"));
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(admin), "not a scoring token");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aml(admin.put("aud", "fraud")), "not a scoring token");
    }

    @Test
    void tokenSignedByAForeignKeyIsRefused() throws Exception {
      KeyPair foreign = Jwts.ec("secp256r1");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, sign("ES256", clusterKid, amlClaims("fraud"), foreign.getPrivate()),
          "signature does not verify");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, sign("ES256", "other-kid", amlClaims("fraud"), foreign.getPrivate()),
          "signing key 'other-kid' is not one of the trusted keys");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, sign("ES256", null, amlClaims("fraud"), foreign.getPrivate()),
          "signature does not verify");
    }

    @Test
    void tamperedPayloadIsRefused() throws Exception {
      String forCredit = aml(amlClaims("credit"));
      JsonObject retargeted = Jwts.claimsOf(forCredit).put("aud", "fraud");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, Jwts.withClaims(forCredit, retargeted), "signature does not verify");
      String expired = aml(amlClaims("fraud").put("exp", now() - 3600));
      JsonObject extended = Jwts.claimsOf(expired).put("exp", now() + 3600);
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, Jwts.withClaims(expired, extended), "signature does not verify");
    }

    @Test
    void unsignedAlgNoneIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, Jwts.unsigned(clusterKid, amlClaims("fraud")), "not a signed JWT");
      String real = aml(amlClaims("fraud"));
      String none = Jwts.unsigned(clusterKid, amlClaims("fraud"));
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, none + real.substring(real.lastIndexOf('.') + 1), "alg 'none'");
    }

    @Test
    void hmacSignedWithThePublicKeyIsRefused() throws Exception {
      JsonObject claims = amlClaims("fraud");
      for (byte[] secret : List.of(cluster.getPublic().getEncoded(),
          Jwts.pem(cluster.getPublic()).getBytes(StandardCharsets.UTF_8),
          amlEndpoint.tokenKeys().get(0).encode().getBytes(StandardCharsets.UTF_8))) {
        for (String alg : List.of("HS256", "HS384", "HS512")) {
          refused(FailureKind.UNAUTHORIZED, amlEndpoint, Jwts.hmac(alg, clusterKid, claims, secret),
              "alg '" + alg + "' is not accepted");
        }
      }
    }

    @Test
    void keyOrTrustedIssuerTokenIsRefusedSayingWhatTheEndpointTakes() throws Exception {
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, PRIMARY, "takes a token (auth_mode aml_token)",
          "POST /endpoints/fraud/token", "not a key");
      String aad = sign("RS256", "rsa-1", withRoles(claims(ISSUER, AUDIENCE, "bob"), "score:*"), idpRsa.getPrivate());
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, aad, "takes tokens its control plane issues");
      refused(FailureKind.UNAUTHORIZED, amlEndpoint, null, "missing credentials", "Bearer <token>");
    }

    @Test
    void endpointWithoutPublishedKeysRefusesTokens() throws Exception {
      EndpointState unpublished = endpoint("fraud", EndpointState.AUTH_AML_TOKEN, List.of(), List.of());
      refused(FailureKind.UNAUTHORIZED, unpublished, aml(amlClaims("fraud")), "no token signing key");
    }

    @Test
    void aRotatedClusterKeyRefusesTokensOfTheOldOne() throws Exception {
      KeyPair next = Jwts.ec("secp256r1");
      EndpointState rotated = endpoint("fraud", EndpointState.AUTH_AML_TOKEN, List.of(),
          List.of(Jwts.jwk(next.getPublic(), "cluster-2").put("alg", "ES256")));
      String old = aml(amlClaims("fraud"));
      accepted(amlEndpoint, old);
      refused(FailureKind.UNAUTHORIZED, rotated, old, "not one of the trusted keys");
      accepted(rotated, sign("ES256", "cluster-2", amlClaims("fraud"), next.getPrivate()));
      accepted(amlEndpoint, old);
    }
  }

  // ------------------------------------------------------------------------------------ aad_token

  static JsonObject aadClaims(String... roles) {
    return withRoles(claims(ISSUER, AUDIENCE, "bob@example.test"), roles);
  }

  static String aad(JsonObject claims) throws Exception {
    return sign("RS256", "rsa-1", claims, idpRsa.getPrivate());
  }

  @Nested
  class AadToken {
    @Test
    void tokenWithTheEndpointsRoleOrAllEndpointsIsAccepted() throws Exception {
      accepted(aadEndpoint, aad(aadClaims("score:churn")));
      accepted(aadEndpoint, aad(aadClaims("reader", "score:*")));
      accepted(aadEndpoint, aad(claims(ISSUER, AUDIENCE, "bob").put("roles", "score:churn")));
      accepted(aadEndpoint, aad(aadClaims("score:churn").put("aud", new io.vertx.core.json.JsonArray()
          .add("something-else").add(AUDIENCE))));
    }

    @Test
    void everyAsymmetricAlgorithmFamilyIsAccepted() throws Exception {
      for (String alg : List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")) {
        accepted(aadEndpoint, sign(alg, "rsa-1", aadClaims("score:churn"), idpRsa.getPrivate()));
      }
      accepted(aadEndpoint, sign("ES384", "ec-1", aadClaims("score:churn"), idpEc.getPrivate()));
    }

    @Test
    void validTokenWithoutTheRoleIs403() throws Exception {
      refused(FailureKind.FORBIDDEN, aadEndpoint, aad(aadClaims("score:credit")), "grants no access to endpoint 'churn'",
          "score:churn", "score:*");
      refused(FailureKind.FORBIDDEN, aadEndpoint, aad(aadClaims()), "score:churn");
      refused(FailureKind.FORBIDDEN, aadEndpoint, aad(claims(ISSUER, AUDIENCE, "bob")), "score:churn");
      refused(FailureKind.FORBIDDEN, aadEndpoint, aad(aadClaims("admin", "score:churn-2", "Score:churn")), "score:churn");
    }

    @Test
    void expiredIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint,
          aad(aadClaims("score:*").put("iat", now() - 7200).put("nbf", now() - 7200).put("exp", now() - 3600)),
          "expired");
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aad(aadClaims("score:*").put("exp", now() - 61)), "expired");
      accepted(aadEndpoint, aad(aadClaims("score:*").put("exp", now() - 30))); // within the 60 s leeway
    }

    @Test
    void notYetValidIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aad(aadClaims("score:*").put("nbf", now() + 600)), "not valid yet");
      accepted(aadEndpoint, aad(aadClaims("score:*").put("nbf", now() + 30))); // within the leeway
    }

    @Test
    void wrongIssuerIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aad(aadClaims("score:*").put("iss", "https://evil.example")),
          "issuer is 'https://evil.example', not the trusted issuer");
      JsonObject noIssuer = aadClaims("score:*");
      noIssuer.remove("iss");
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aad(noIssuer), "issuer");
    }

    @Test
    void wrongAudienceIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aad(aadClaims("score:*").put("aud", "api://something-else")),
          "audience");
      JsonObject noAudience = aadClaims("score:*");
      noAudience.remove("aud");
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aad(noAudience), "audience");
    }

    @Test
    void tokenSignedByAForeignKeyIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, sign("RS256", "rsa-1", aadClaims("score:*"), stranger.getPrivate()),
          "signature does not verify");
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, sign("RS256", null, aadClaims("score:*"), stranger.getPrivate()),
          "signature does not verify");
    }

    @Test
    void unknownKeyIdIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, sign("RS256", "rsa-9", aadClaims("score:*"), stranger.getPrivate()),
          "signing key 'rsa-9' is not one of the trusted keys");
    }

    @Test
    void tamperedPayloadIsRefused() throws Exception {
      String reader = aad(aadClaims("score:credit"));
      refused(FailureKind.FORBIDDEN, aadEndpoint, reader, "score:churn");
      String escalated = Jwts.withClaims(reader, Jwts.claimsOf(reader).put("roles",
          new io.vertx.core.json.JsonArray().add("score:*")));
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, escalated, "signature does not verify");
    }

    @Test
    void unsignedAlgNoneIsRefused() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, Jwts.unsigned("rsa-1", aadClaims("score:*")), "not a signed JWT");
      String real = aad(aadClaims("score:*"));
      refused(FailureKind.UNAUTHORIZED, aadEndpoint,
          Jwts.unsigned("rsa-1", aadClaims("score:*")) + real.substring(real.lastIndexOf('.') + 1), "alg 'none'");
      refused(FailureKind.UNAUTHORIZED, aadEndpoint,
          Jwts.unsigned(null, aadClaims("score:*")) + real.substring(real.lastIndexOf('.') + 1), "alg 'none'");
    }

    @Test
    void hmacSignedWithThePublicKeyIsRefused() throws Exception {
      RSAPublicKey pub = (RSAPublicKey) idpRsa.getPublic();
      for (byte[] secret : List.of(pub.getEncoded(), Jwts.pem(pub).getBytes(StandardCharsets.UTF_8),
          pub.getModulus().toByteArray(), Jwts.jwk(pub, "rsa-1").encode().getBytes(StandardCharsets.UTF_8))) {
        refused(FailureKind.UNAUTHORIZED, aadEndpoint, Jwts.hmac("HS256", "rsa-1", aadClaims("score:*"), secret),
            "alg 'HS256' is not accepted");
        refused(FailureKind.UNAUTHORIZED, aadEndpoint, Jwts.hmac("HS256", null, aadClaims("score:*"), secret),
            "alg 'HS256' is not accepted");
      }
    }

    @Test
    void keyOrControlPlaneTokenIsRefusedSayingWhatTheEndpointTakes() throws Exception {
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, PRIMARY, "takes a token of the trusted issuer '" + ISSUER + "'",
          "not a key");
      refused(FailureKind.UNAUTHORIZED, aadEndpoint, aml(amlClaims("churn")), "issuer is 'inferbus'");
    }

    @Test
    void withoutATrustedIssuerEveryTokenIsRefused() throws Exception {
      EndpointAuthenticator none = new EndpointAuthenticator(vertx, null);
      InferbusException e = outcome(none, aadEndpoint, "Bearer " + aad(aadClaims("score:*")));
      assertEquals(FailureKind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains("none configured (--jwks-file or --jwks-url"), e.getMessage());
    }
  }
}
