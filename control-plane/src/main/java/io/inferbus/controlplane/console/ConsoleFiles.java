package io.inferbus.controlplane.console;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * The web console's static files under {@code /ui/}: the pages from the classpath folder {@code ui/}
 * and the libraries of WebJars under {@code /ui/lib/} (from {@code META-INF/resources/webjars/}), on
 * the management port, without a token (the pages hold no data; every data call carries one).
 *
 * <p>A file is read from the classpath once, on a worker thread, and then served from memory with a
 * strong ETag (its SHA-256) and, to a browser that accepts it, gzipped: the console's files are a few
 * hundred kilobytes at most and hold no secret, so compressing them cannot leak one. Every answer
 * carries a strict Content-Security-Policy (no inline script or style, no other host).
 */
public final class ConsoleFiles {
  /** Where the console is served. */
  public static final String PATH = "/ui/";
  /** Where WebJars' files are served, below {@link #PATH}: {@code lib/<artifact>/<version>/...}. */
  static final String LIB = "lib/";
  static final String CLASSPATH_ROOT = "ui/";
  static final String WEBJARS_ROOT = "META-INF/resources/webjars/";
  static final String INDEX = "index.html";

  /**
   * Only this node, nothing inline: a script or style injected into a page cannot run, the page
   * cannot be framed, and data goes nowhere but the management API.
   */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
      + "frame-ancestors 'none'; form-action 'self'";
  /**
   * The page and the console's own files: kept, but checked (ETag) before each use, so a new version
   * shows at once.
   */
  static final String REVALIDATE = "no-cache";
  /** A WebJar's path names its version: the file never changes. */
  static final String IMMUTABLE = "public, max-age=31536000, immutable";

  /** Segments of letters, digits, '.', '_' and '-', none starting with a dot: no '..', no hidden files. */
  private static final Pattern SAFE_PATH =
      Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "mjs", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "ico", "image/x-icon",
      "woff2", "font/woff2");

  /** IMF-fixdate (RFC 9110 5.6.7): two-digit day, GMT. */
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
      Locale.US);

  private final Vertx vertx;
  private final ClassLoader classLoader;
  /** Files found, by classpath name. Misses are not kept: the set of names a caller can try is unbounded. */
  private final Map<String, Future<Asset>> found = new ConcurrentHashMap<>();

  public ConsoleFiles(Vertx vertx) {
    this(vertx, ConsoleFiles.class.getClassLoader());
  }

  ConsoleFiles(Vertx vertx, ClassLoader classLoader) {
    this.vertx = vertx;
    this.classLoader = classLoader;
  }

  /**
   * {@code GET /ui} redirects to {@code /ui/}; {@code GET} and {@code HEAD} of {@code /ui/*} serve a
   * file or fall through to the routes after (the API's 404).
   */
  public void mount(Router router) {
    router.route("/ui").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      if (!ctx.request().path().equals("/ui")) {
        ctx.next(); // Vert.x matches "/ui/" here too
        return;
      }
      String query = ctx.request().query();
      secure(ctx.response().headers());
      ctx.response().setStatusCode(301).putHeader("location", PATH + (query == null ? "" : "?" + query)).end();
    });
    router.route(PATH + "*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(this::serve);
  }

  private void serve(RoutingContext ctx) {
    String name = classpathName(ctx.request().path().substring(PATH.length()));
    if (name == null) {
      ctx.next();
      return;
    }
    Future<Asset> cached = found.get(name);
    Future<Asset> asset = cached != null ? cached : vertx.executeBlocking(() -> read(name), false)
        .onSuccess(a -> {
          if (a != null) {
            found.putIfAbsent(name, Future.succeededFuture(a));
          }
        });
    asset.onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
      } else if (ar.result() == null) {
        ctx.next();
      } else {
        send(ctx.request(), ar.result());
      }
    });
  }

  /**
   * The classpath name of a path below {@code /ui/}, or null if it is none the console serves: the
   * index for the folder itself, a WebJar's file under {@code lib/}, else a file of {@code ui/}.
   */
  static String classpathName(String relative) {
    if (relative.isEmpty()) {
      return CLASSPATH_ROOT + INDEX;
    }
    if (!SAFE_PATH.matcher(relative).matches() || type(relative) == null) {
      return null;
    }
    if (relative.startsWith(LIB)) {
      String rest = relative.substring(LIB.length());
      return rest.isEmpty() ? null : WEBJARS_ROOT + rest;
    }
    return CLASSPATH_ROOT + relative;
  }

  private static String type(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /** A file of the console as it is served. */
  record Asset(String name, String contentType, String cacheControl, Buffer plain, Buffer gzipped, String etag,
      Instant lastModified) {}

  /** Reads a file (worker thread); null when the classpath has none of that name. */
  Asset read(String name) throws IOException, NoSuchAlgorithmException {
    URL url = classLoader.getResource(name);
    if (url == null) {
      return null;
    }
    URLConnection connection = url.openConnection();
    connection.setUseCaches(false); // a jar's entries, not a cached jar handle kept open
    byte[] bytes;
    try (InputStream in = connection.getInputStream()) {
      bytes = in.readAllBytes();
    }
    long modified = connection.getLastModified();
    Instant lastModified = modified > 0 ? Instant.ofEpochMilli(modified).truncatedTo(ChronoUnit.SECONDS)
        : Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] gz = gzip(bytes);
    String hash = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 27);
    String cacheControl = name.startsWith(WEBJARS_ROOT) ? IMMUTABLE : REVALIDATE;
    return new Asset(name, type(name), cacheControl, Buffer.buffer(bytes),
        gz.length < bytes.length ? Buffer.buffer(gz) : null, "\"" + hash + "\"", lastModified);
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  private static void send(HttpServerRequest request, Asset asset) {
    HttpServerResponse response = request.response();
    MultiMap headers = response.headers();
    secure(headers);
    boolean gzip = asset.gzipped() != null && acceptsGzip(request.getHeader("accept-encoding"));
    // each encoding is its own representation, with its own strong validator
    String etag = gzip ? asset.etag().substring(0, asset.etag().length() - 1) + "-gz\"" : asset.etag();
    headers.set("cache-control", asset.cacheControl())
        .set("etag", etag)
        .set("last-modified", HTTP_DATE.format(ZonedDateTime.ofInstant(asset.lastModified(), ZoneOffset.UTC)))
        .set("vary", "accept-encoding");
    if (notModified(request, asset, etag)) {
      response.setStatusCode(304).end();
      return;
    }
    Buffer body = gzip ? asset.gzipped() : asset.plain();
    headers.set("content-type", asset.contentType());
    if (gzip) {
      headers.set("content-encoding", "gzip");
    }
    if (request.method() == HttpMethod.HEAD) {
      headers.set("content-length", Integer.toString(body.length()));
      response.end();
    } else {
      response.end(body);
    }
  }

  /** The headers of every answer under /ui: the page's policy, no type sniffing, no referrer to other sites. */
  static void secure(MultiMap headers) {
    headers.set("content-security-policy", CONTENT_SECURITY_POLICY)
        .set("x-content-type-options", "nosniff")
        .set("referrer-policy", "no-referrer");
  }

  /** If-None-Match wins over If-Modified-Since (RFC 9110 13.1.3). */
  private static boolean notModified(HttpServerRequest request, Asset asset, String etag) {
    String ifNoneMatch = request.getHeader("if-none-match");
    if (ifNoneMatch != null) {
      for (String tag : ifNoneMatch.split(",")) {
        String t = tag.strip();
        if (t.startsWith("W/")) {
          t = t.substring(2);
        }
        if (t.equals("*") || t.equals(etag)) {
          return true;
        }
      }
      return false;
    }
    String ifModifiedSince = request.getHeader("if-modified-since");
    if (ifModifiedSince != null) {
      try {
        return !asset.lastModified().isAfter(
            ZonedDateTime.parse(ifModifiedSince, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException e) {
        return false;
      }
    }
    return false;
  }

  /** Whether an Accept-Encoding header takes gzip: named with a quality above 0, or not named and {@code *} is. */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    double gzip = -1;
    double any = -1;
    for (String part : acceptEncoding.split(",")) {
      String[] pieces = part.split(";");
      String coding = pieces[0].strip().toLowerCase(Locale.ROOT);
      if (coding.equals("gzip")) {
        gzip = quality(pieces);
      } else if (coding.equals("*")) {
        any = quality(pieces);
      }
    }
    return gzip >= 0 ? gzip > 0 : any > 0;
  }

  private static double quality(String[] pieces) {
    for (int i = 1; i < pieces.length; i++) {
      String p = pieces[i].strip().toLowerCase(Locale.ROOT);
      if (p.startsWith("q=")) {
        try {
          return Double.parseDouble(p.substring(2).strip());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }
}
