package io.inferbus.cli.operator;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTPS to the control plane and the gateway with the JDK's client, trusting the node's CA from
 * {@code client.json} (or the JVM's trust store). Transport failures become one clear line.
 */
public final class HttpsClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client;

  public HttpsClient(Path caFile) {
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT);
    if (caFile != null) {
      builder.sslContext(trusting(caFile));
    }
    this.client = builder.build();
  }

  /** Sends a request; {@code what} names the server in errors ("the control plane", "the gateway"). */
  public HttpResponse<byte[]> send(HttpRequest request, String what, String hint) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw new CliException("cannot reach " + what + " at " + base(request.uri()) + hint);
    } catch (HttpTimeoutException e) {
      throw new CliException(what + " at " + base(request.uri()) + " did not answer within "
          + request.timeout().map(Duration::toSeconds).orElse(0L) + " s");
    } catch (SSLHandshakeException e) {
      throw new CliException("TLS with " + what + " at " + base(request.uri()) + " failed: " + e.getMessage()
          + " (is ca_file in client.json the CA of this node?)", e);
    } catch (IOException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new CliException("the connection to " + what + " at " + base(request.uri()) + " failed: " + message, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  private static String base(URI uri) {
    return uri.getScheme() + "://" + uri.getAuthority();
  }

  private static SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new CliException("the CA file " + caFile + " holds no certificate");
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        trust.setCertificateEntry("ca-" + i++, certificate);
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context;
    } catch (IOException e) {
      throw new CliException("cannot read the CA file " + caFile + " (ca_file in client.json): " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new CliException("the CA file " + caFile + " is not a PEM certificate: " + e.getMessage());
    }
  }
}
