package io.inferbus.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The trusted-issuer flags are complete and safe, or the node does not start. */
class TrustedIssuerOptionsTest {
  static final Path FILE = Path.of("jwks.json");

  static void refused(String messagePart, Path file, String url, String issuer, String audience) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TrustedIssuerOptions(file, url, issuer, audience));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void exactlyOneKeySource() {
    refused("exactly one of --jwks-file and --jwks-url", null, null, "https://idp", "api://x");
    refused("exactly one of --jwks-file and --jwks-url", FILE, "https://idp/keys", "https://idp", "api://x");
  }

  @Test
  void issuerAndAudienceAreRequired() {
    refused("--jwt-issuer is required", FILE, null, null, "api://x");
    refused("--jwt-issuer is required", FILE, null, " ", "api://x");
    refused("--jwt-audience is required", FILE, null, "https://idp", null);
  }

  @Test
  void theControlPlanesOwnIssuerCannotBeTrustedAsAnExternalOne() {
    refused("the control plane's own issuer", FILE, null, "inferbus", "api://x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://idp.example.com/keys", "ftp://idp/keys", "idp/keys", "http://10.0.0.5/keys"})
  void keysAreFetchedOverHttpsOnly(String url) {
    refused("--jwks-url must be https", null, url, "https://idp", "api://x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://login.microsoftonline.com/t/discovery/v2.0/keys", "http://127.0.0.1:8080/keys",
      "http://localhost/keys", "http://[::1]:9/keys"})
  void httpsOrLoopbackHttpIsAccepted(String url) {
    TrustedIssuerOptions o = new TrustedIssuerOptions(null, url, "https://idp", "api://x");
    assertEquals(TrustedIssuerOptions.DEFAULT_MIN_REFRESH_INTERVAL, o.minRefreshInterval());
    assertEquals(url, o.source());
  }
}
