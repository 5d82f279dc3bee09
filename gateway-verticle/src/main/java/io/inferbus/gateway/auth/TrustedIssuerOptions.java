package io.inferbus.gateway.auth;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The node's trusted external token issuer ({@code aad_token} endpoints, and operators on the
 * control plane): where its public keys are ({@code --jwks-file} or {@code --jwks-url}), its
 * {@code iss} ({@code --jwt-issuer}) and the {@code aud} its tokens must carry for Inferbus
 * ({@code --jwt-audience}).
 *
 * @param jwksFile a JWKS document on disk, or null
 * @param jwksUrl an https URL serving the JWKS (http only on a loopback address), or null
 * @param issuer the exact {@code iss} of the issuer's tokens
 * @param audience the {@code aud} value tokens for Inferbus carry
 * @param minRefreshInterval a token signed by an unknown key id makes the keys be read again, at most
 *     once per this interval (not a flag: tests shorten it)
 */
public record TrustedIssuerOptions(Path jwksFile, String jwksUrl, String issuer, String audience,
    Duration minRefreshInterval) {
  public static final Duration DEFAULT_MIN_REFRESH_INTERVAL = Duration.ofMinutes(1);
  /** The control plane's own issuer: its tokens are verified with the cluster key, never as an external issuer's. */
  public static final String RESERVED_ISSUER = "inferbus";
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  public TrustedIssuerOptions {
    if ((jwksFile == null) == (jwksUrl == null)) {
      throw new IllegalArgumentException("a trusted issuer needs exactly one of --jwks-file and --jwks-url");
    }
    if (issuer == null || issuer.isBlank()) {
      throw new IllegalArgumentException("--jwt-issuer is required with --jwks-file or --jwks-url: the exact 'iss'"
          + " of the trusted issuer's tokens");
    }
    if (RESERVED_ISSUER.equals(issuer)) {
      throw new IllegalArgumentException("--jwt-issuer '" + RESERVED_ISSUER + "' is the control plane's own issuer;"
          + " name the external issuer");
    }
    if (audience == null || audience.isBlank()) {
      throw new IllegalArgumentException("--jwt-audience is required with --jwks-file or --jwks-url: the 'aud' the"
          + " issuer's tokens for Inferbus carry");
    }
    if (jwksUrl != null) {
      URI uri;
      try {
        uri = URI.create(jwksUrl);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--jwks-url '" + jwksUrl + "' is not a URL");
      }
      boolean https = "https".equalsIgnoreCase(uri.getScheme());
      boolean loopbackHttp = "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null
          && LOOPBACK.contains(uri.getHost().toLowerCase(java.util.Locale.ROOT));
      if (!https && !loopbackHttp) {
        // keys fetched over plain HTTP could be replaced on the way, and with them every token
        throw new IllegalArgumentException("--jwks-url must be https (plain http only on a loopback address), got '"
            + jwksUrl + "'");
      }
    }
    if (minRefreshInterval == null) {
      minRefreshInterval = DEFAULT_MIN_REFRESH_INTERVAL;
    }
  }

  /** With the default refresh interval (one minute). */
  public TrustedIssuerOptions(Path jwksFile, String jwksUrl, String issuer, String audience) {
    this(jwksFile, jwksUrl, issuer, audience, DEFAULT_MIN_REFRESH_INTERVAL);
  }

  /** Where the keys come from, for messages. */
  public String source() {
    return jwksFile != null ? jwksFile.toString() : jwksUrl;
  }
}
