package io.inferbus.controlplane.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's static files as a browser gets them: the page at {@code /ui/} ({@code /ui}
 * redirects), its modules and styles revalidated by ETag, the uPlot WebJar cached for a year, gzip
 * when accepted, the security headers on every answer, and nothing outside the console's folders
 * (dot segments, hidden files, class files, other methods fall through to the API's 404). The real
 * files are checked too: no inline script or style anywhere in the HTML, and the uPlot path the
 * charts module loads is the WebJar's.
 */
class ConsoleFilesTest {
  static Vertx vertx;
  static HttpServer server;
  static HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  static String base;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    new ConsoleFiles(vertx).mount(router);
    router.route().last().handler(ctx -> ctx.response().setStatusCode(404).end("api 404"));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + server.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    return send("GET", path, headers);
  }

  static HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  static void assertSecured(HttpResponse<?> r) {
    assertEquals(ConsoleFiles.CONTENT_SECURITY_POLICY, header(r, "content-security-policy"), r.uri().toString());
    assertEquals("nosniff", header(r, "x-content-type-options"));
    assertEquals("no-referrer", header(r, "referrer-policy"));
  }

  @Test
  void theConsoleIsAtUiSlashAndUiRedirectsThere() throws Exception {
    HttpResponse<byte[]> redirect = get("/ui");
    assertEquals(301, redirect.statusCode());
    assertEquals("/ui/", header(redirect, "location"));
    assertSecured(redirect);
    assertEquals("/ui/?x=1", header(get("/ui?x=1"), "location"));

    HttpResponse<byte[]> page = get("/ui/");
    assertEquals(200, page.statusCode());
    assertEquals("text/html; charset=utf-8", header(page, "content-type"));
    assertEquals("no-cache", header(page, "cache-control"), "the page is checked before each use");
    assertTrue(new String(page.body(), StandardCharsets.UTF_8).contains("<script type=\"module\" src=\"js/app.js\">"));
    assertSecured(page);
    assertEquals(200, get("/ui/index.html").statusCode());
  }

  @Test
  void theConsolesOwnFilesAreRevalidatedByEtagAndLastModified() throws Exception {
    HttpResponse<byte[]> js = get("/ui/js/app.js");
    assertEquals(200, js.statusCode());
    assertEquals("text/javascript; charset=utf-8", header(js, "content-type"));
    assertEquals("no-cache", header(js, "cache-control"));
    String etag = header(js, "etag");
    assertTrue(etag.matches("\"[A-Za-z0-9_-]{27}\""), etag);
    String lastModified = header(js, "last-modified");
    assertTrue(lastModified.matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"), lastModified);
    assertSecured(js);

    HttpResponse<byte[]> again = get("/ui/js/app.js", "If-None-Match", etag);
    assertEquals(304, again.statusCode());
    assertEquals(0, again.body().length);
    assertEquals(etag, header(again, "etag"));
    assertEquals(304, get("/ui/js/app.js", "If-None-Match", "\"other\", " + etag).statusCode());
    assertEquals(200, get("/ui/js/app.js", "If-None-Match", "\"other\"").statusCode());
    assertEquals(304, get("/ui/js/app.js", "If-Modified-Since", lastModified).statusCode());
    assertEquals(200, get("/ui/js/app.js", "If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT").statusCode());
    assertEquals("text/css; charset=utf-8", header(get("/ui/console.css"), "content-type"));
  }

  @Test
  void theUplotWebjarIsServedUnderLibAndCachedForAYear() throws Exception {
    HttpResponse<byte[]> lib = get("/ui/lib/uplot/" + uplotVersion() + "/dist/uPlot.iife.min.js");
    assertEquals(200, lib.statusCode());
    assertEquals("public, max-age=31536000, immutable", header(lib, "cache-control"));
    assertEquals("text/javascript; charset=utf-8", header(lib, "content-type"));
    assertTrue(new String(lib.body(), StandardCharsets.UTF_8).contains("uPlot"));
    assertSecured(lib);
    assertEquals(200, get("/ui/lib/uplot/" + uplotVersion() + "/dist/uPlot.min.css").statusCode());
  }

  @Test
  void aBrowserThatTakesGzipGetsItWithItsOwnValidator() throws Exception {
    HttpResponse<byte[]> plain = get("/ui/js/dom.js");
    HttpResponse<byte[]> gz = get("/ui/js/dom.js", "Accept-Encoding", "gzip, deflate, br");
    assertEquals("gzip", header(gz, "content-encoding"));
    assertEquals("accept-encoding", header(gz, "vary"));
    assertTrue(gz.body().length < plain.body().length / 2, gz.body().length + " of " + plain.body().length);
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
      assertEquals(new String(plain.body(), StandardCharsets.UTF_8), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertNotEquals(header(plain, "etag"), header(gz, "etag"));
    assertEquals(304, get("/ui/js/dom.js", "Accept-Encoding", "gzip", "If-None-Match", header(gz, "etag")).statusCode());
    assertNull(header(get("/ui/js/dom.js", "Accept-Encoding", "gzip;q=0, identity"), "content-encoding"));
    assertEquals("gzip", header(get("/ui/js/dom.js", "Accept-Encoding", "*"), "content-encoding"));
  }

  @Test
  void headAnswersTheHeadersAlone() throws Exception {
    HttpResponse<byte[]> head = send("HEAD", "/ui/js/app.js");
    assertEquals(200, head.statusCode());
    assertEquals(Long.toString(get("/ui/js/app.js").body().length), header(head, "content-length"));
    assertEquals(0, head.body().length);
  }

  @Test
  void nothingOutsideTheConsolesFoldersIsServed() throws Exception {
    for (String path : List.of("/ui/nope.js", "/ui/js/", "/ui/js", "/ui/../logback.xml", "/ui/%2e%2e/logback.xml",
        "/ui/js/..%2f..%2flogback.xml", "/ui/.hidden.js", "/ui/lib/", "/ui/lib/uplot/", "/ui/lib/uplot/1.6.30/package",
        "/ui/io/inferbus/controlplane/console/ConsoleFiles.class", "/ui/lib/../../io/inferbus/controlplane/console/ConsoleFiles.class",
        "/ui/index.html/x.js", "/uix")) {
      HttpResponse<byte[]> r = get(path);
      assertEquals(404, r.statusCode(), path);
      assertEquals("api 404", new String(r.body(), StandardCharsets.UTF_8), path);
    }
    assertEquals(404, send("POST", "/ui/index.html").statusCode(), "only GET and HEAD");
    assertEquals(404, send("DELETE", "/ui/").statusCode());
  }

  @Test
  void pathsMapToTheConsoleFolderOrTheWebjars() {
    assertEquals("ui/index.html", ConsoleFiles.classpathName(""));
    assertEquals("ui/js/pages/endpoint.js", ConsoleFiles.classpathName("js/pages/endpoint.js"));
    assertEquals("META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
        ConsoleFiles.classpathName("lib/uplot/1.6.30/dist/uPlot.iife.min.js"));
    assertNull(ConsoleFiles.classpathName("js/../index.html"));
    assertNull(ConsoleFiles.classpathName("js//app.js"));
    assertNull(ConsoleFiles.classpathName("js/.app.js"));
    assertNull(ConsoleFiles.classpathName("README"));
    assertNull(ConsoleFiles.classpathName("Thing.class"));
  }

  @Test
  void acceptEncodingIsReadWithItsQualities() {
    assertTrue(ConsoleFiles.acceptsGzip("gzip"));
    assertTrue(ConsoleFiles.acceptsGzip("deflate, GZIP;q=0.5"));
    assertTrue(ConsoleFiles.acceptsGzip("*"));
    assertFalse(ConsoleFiles.acceptsGzip(null));
    assertFalse(ConsoleFiles.acceptsGzip("br, deflate"));
    assertFalse(ConsoleFiles.acceptsGzip("gzip;q=0"));
    assertFalse(ConsoleFiles.acceptsGzip("gzip; q=0.0, *"));
    assertFalse(ConsoleFiles.acceptsGzip("*;q=0"));
  }

  /** The policy forbids inline script and style: the pages must have none for the console to work. */
  @Test
  void theHtmlHasNoInlineScriptOrStyle() throws IOException {
    Path ui = Path.of("src", "main", "resources", "ui");
    try (Stream<Path> files = Files.walk(ui)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".html")).toList()) {
        String html = Files.readString(file);
        Matcher scripts = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(html);
        while (scripts.find()) {
          assertTrue(scripts.group(1).contains("src="), file + ": a script without src: " + scripts.group());
          assertTrue(scripts.group(2).isBlank(), file + ": inline script " + scripts.group());
        }
        assertFalse(html.contains("<style"), file + ": a <style> element");
        assertFalse(Pattern.compile("\\sstyle\\s*=").matcher(html).find(), file + ": a style attribute");
        assertFalse(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(),
            file + ": an inline event handler");
        assertFalse(html.contains("javascript:"), file + ": a javascript: URL");
      }
    }
    try (Stream<Path> files = Files.walk(ui)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".js")).toList()) {
        String js = Files.readString(file);
        assertFalse(js.contains("innerHTML") || js.contains("outerHTML") || js.contains("insertAdjacentHTML"),
            file + ": HTML from strings (the console builds elements with textContent only)");
        assertFalse(js.contains("eval(") || js.contains("new Function"), file + ": code from strings");
        assertFalse(Pattern.compile("https?://").matcher(js).find(), file + ": a URL of another host");
      }
    }
  }

  /** charts.js loads uPlot from the WebJar the pom names, by version. */
  static String uplotVersion() throws IOException {
    String charts = Files.readString(Path.of("src", "main", "resources", "ui", "js", "charts.js"));
    Matcher m = Pattern.compile("'lib/uplot/([^/]+)/dist/'").matcher(charts);
    assertTrue(m.find(), "charts.js names lib/uplot/<version>/dist/");
    return m.group(1);
  }
}
