package io.inferbus.cli.operator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * HTTPS to the control plane and the gateway, trusting the node's CA from {@code client.json} (or
 * the JVM's trust store). Transport failures become one clear line.
 *
 * <p>{@link HttpsURLConnection} rather than {@code java.net.http.HttpClient}: the latter keeps a
 * selector thread in native code, and a JVM exiting with a thread in native waits 300 ms for it
 * (HotSpot's {@code VM_Exit}), a third of a short command's time. {@code HttpURLConnection} does not
 * know PATCH, so a PATCH is sent as a POST with {@code X-HTTP-Method-Override: PATCH}, which the
 * management API honours.
 */
public final class HttpsClient {
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  private final SSLSocketFactory sockets;

  /** A request: method, URL, headers, body (null for none), or the body read from {@code bodyFile}. */
  public record Request(String method, URI uri, Map<String, String> headers, byte[] body, Path bodyFile,
      Duration timeout) {
    public Request(String method, URI uri, Map<String, String> headers, byte[] body, Duration timeout) {
      this(method, uri, headers, body, null, timeout);
    }
  }

  /** An answer: status, headers (lower-case names, first value), body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  static {
    // a POST is not repeated on a broken connection: a registration or a rollback must not happen twice
    System.setProperty("sun.net.http.retryPost", "false");
  }

  public HttpsClient(Path caFile) {
    this.sockets = caFile == null ? null : trusting(caFile).getSocketFactory();
    if (sockets != null) {
      // else the first connection builds the JVM's default factory, parsing its ~140 root
      // certificates for nothing (50 ms of a command)
      HttpsURLConnection.setDefaultSSLSocketFactory(sockets);
    }
  }

  /** Sends a request; {@code what} names the server in errors ("the control plane", "the gateway"). */
  public Response send(Request request, String what, String hint) {
    URI uri = request.uri();
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      if (connection instanceof HttpsURLConnection https && sockets != null) {
        https.setSSLSocketFactory(sockets);
      }
      connection.setConnectTimeout(CONNECT_TIMEOUT_MS);
      connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, request.timeout().toMillis()));
      connection.setUseCaches(false);
      if (request.method().equals("PATCH")) {
        connection.setRequestMethod("POST");
        connection.setRequestProperty("X-HTTP-Method-Override", "PATCH");
      } else {
        connection.setRequestMethod(request.method());
      }
      request.headers().forEach(connection::setRequestProperty);
      if (request.body() != null) {
        // buffered, not streamed: a refusal before the body (401) still reaches the error stream
        connection.setDoOutput(true);
        try (OutputStream out = connection.getOutputStream()) {
          out.write(request.body());
        }
      } else if (request.bodyFile() != null) {
        connection.setDoOutput(true);
        connection.setFixedLengthStreamingMode(Files.size(request.bodyFile()));
        try (OutputStream out = connection.getOutputStream(); InputStream in = Files.newInputStream(request.bodyFile())) {
          in.transferTo(out); // a model of hundreds of MiB is never held in memory
        }
      }
      int status = connection.getResponseCode();
      Map<String, String> headers = new LinkedHashMap<>();
      connection.getHeaderFields().forEach((name, values) -> {
        if (name != null && !values.isEmpty()) {
          headers.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
        }
      });
      InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      byte[] body = stream == null ? new byte[0] : readAll(stream);
      return new Response(status, headers, body);
    } catch (java.net.HttpRetryException e) {
      // a streamed upload refused before its body was read: HttpURLConnection keeps no answer
      throw new CliException(what + " at " + base(uri) + " refused the request (" + e.responseCode()
          + (e.responseCode() == 401 ? ": the operator token is missing, invalid or expired" : "") + ")");
    } catch (ConnectException e) {
      throw new CliException("cannot reach " + what + " at " + base(uri) + hint);
    } catch (SocketTimeoutException e) {
      throw new CliException(what + " at " + base(uri) + " did not answer within "
          + (e.getMessage() != null && e.getMessage().contains("connect") ? CONNECT_TIMEOUT_MS / 1000
              : request.timeout().toSeconds()) + " s");
    } catch (SSLHandshakeException e) {
      throw new CliException("TLS with " + what + " at " + base(uri) + " failed: " + e.getMessage()
          + " (is ca_file in client.json the CA of this node?)", e);
    } catch (IOException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new CliException("the connection to " + what + " at " + base(uri) + " failed: " + message, e);
    }
  }

  private static byte[] readAll(InputStream stream) throws IOException {
    try (InputStream in = stream; ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      in.transferTo(out);
      return out.toByteArray();
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
