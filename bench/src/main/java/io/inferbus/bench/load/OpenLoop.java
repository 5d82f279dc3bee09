package io.inferbus.bench.load;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: requests leave on a fixed schedule ({@code rate} per second) whether or
 * not earlier ones were answered, and each latency is measured from the request's <em>intended</em>
 * send time. A closed-loop generator (wrk, and hey even with {@code -q}) sends a connection's next
 * request only after its answer, and times it from when it was really sent: a server that stalls for
 * 50 ms also stalls the requests that would have waited those 50 ms, and they never show up in the
 * tail (coordinated omission). This is wrk2's method; Debian does not package wrk2.
 *
 * <p>One scheduler thread parks until each request's intended time and hands the due requests to the
 * client's one event loop (like {@code wrk -t1}); a request that finds every connection busy waits in
 * the client's pool, and that wait counts in its latency. The first {@code --lead-in} seconds of the
 * schedule are sent but not counted (the client's own JIT, connection set-up). Prints one line in the
 * format of {@code bench/scoring.lua} ({@code RESULT requests=... p99_us=... status_200=...}), so
 * {@code bench/interleaved_rounds.py} reads wrk's and this generator's rounds alike.
 *
 * <pre>
 *   OpenLoop --url URL --rate PER_SECOND --seconds S [--lead-in S] [--connections N] [--method POST]
 *            [--body FILE] [--header 'Name: value']... [--ca PEM] [--timeout-ms MS]
 * </pre>
 */
public final class OpenLoop {
  /** What to send, how fast, for how long. */
  public record Options(String url, double rate, double seconds, double leadInSeconds, int connections,
      HttpMethod method, byte[] body, List<String[]> headers, Path ca, long timeoutMs) {
    public Options {
      if (!(rate > 0) || !(seconds > 0) || leadInSeconds < 0 || connections < 1 || timeoutMs < 1) {
        throw new IllegalArgumentException("rate, seconds, connections and timeout must be positive");
      }
    }

    long leadInRequests() {
      return Math.round(rate * leadInSeconds);
    }

    long measuredRequests() {
      return Math.max(1, Math.round(rate * seconds));
    }
  }

  /**
   * The measured part of a run. Latencies (one per answered request) and send lags (one per request
   * that got a connection) are sorted, in nanoseconds. A send lag is how long a request waited past
   * its intended time for a connection (the scheduler late, or every connection busy): when its tail
   * nears the latency's, the connections, not the server's work, were the limit.
   */
  public record Result(Options options, long scheduled, long answered, Map<Integer, Long> statuses,
      long connectErrors, long readErrors, long timeouts, long[] latencies, long[] sendLags) {
    /** bench/scoring.lua's line, plus the open loop's own fields. */
    public String resultLine() {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
          "RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d"
              + " connect_errors=%d read_errors=%d write_errors=0 timeouts=%d",
          answered, Math.round(options.seconds() * 1e6), micros(percentile(latencies, 50)),
          micros(percentile(latencies, 90)), micros(percentile(latencies, 99)),
          micros(latencies.length == 0 ? 0 : latencies[latencies.length - 1]), connectErrors, readErrors,
          timeouts));
      statuses.forEach((status, n) -> line.append(" status_").append(status).append('=').append(n));
      line.append(String.format(Locale.ROOT, " open_loop_rate=%.1f scheduled=%d send_lag_p99_us=%d",
          options.rate(), scheduled, micros(percentile(sendLags, 99))));
      return line.toString();
    }
  }

  private OpenLoop() {}

  /** When request {@code i} of a schedule that starts at {@code start} (nanoTime) should leave. */
  static long intendedNanos(long start, long i, double rate) {
    return start + (long) (i * 1e9 / rate);
  }

  /** The nearest-rank percentile of sorted values (0 when there are none). */
  static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
  }

  private static long micros(long nanos) {
    return Math.round(nanos / 1000.0);
  }

  /** Runs the schedule and waits for every answer (or the timeout after the last send). */
  public static Result run(Options o) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      HttpClientOptions http = new HttpClientOptions().setKeepAlive(true);
      if (o.ca() != null) {
        http.setTrustOptions(new PemTrustOptions().addCertPath(o.ca().toString()));
      }
      if (OpenSSLEngineOptions.isAvailable()) {
        http.setSslEngineOptions(new OpenSSLEngineOptions()); // as the gateway: less CPU than the JDK's TLS
      }
      HttpClientAgent client = vertx.createHttpClient(http,
          new PoolOptions().setHttp1MaxSize(o.connections()).setMaxWaitQueueSize(-1));
      Run run = new Run(o, client, vertx.getOrCreateContext());
      run.openConnections();
      run.schedule();
      run.awaitAnswers();
      return run.result();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** One run's state. Everything but the schedule is touched on the client's event loop only. */
  private static final class Run {
    private final Options o;
    private final HttpClientAgent client;
    private final Context loop;
    private final Buffer body;
    private final long leadIn;
    private final long total;
    private final long[] latencies;
    private final long[] sendLags;
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private final CountDownLatch finished;
    private int answered;
    private int sent;
    private long connectErrors;
    private long readErrors;
    private long timeouts;

    Run(Options o, HttpClientAgent client, Context loop) {
      this.o = o;
      this.client = client;
      this.loop = loop;
      this.body = o.body() == null ? null : Buffer.buffer(o.body());
      this.leadIn = o.leadInRequests();
      this.total = leadIn + o.measuredRequests();
      this.latencies = new long[(int) o.measuredRequests()];
      this.sendLags = new long[(int) o.measuredRequests()];
      this.finished = new CountDownLatch((int) total);
    }

    /**
     * Before the clock starts: one request per connection at once, answers awaited and not counted, so
     * that the connections exist (TLS handshakes done) and the client's classes are loaded. A cold
     * client took seconds over its first request, and a schedule started then would begin with a
     * backlog that is the client's, not the server's.
     */
    void openConnections() throws Exception {
      CountDownLatch opened = new CountDownLatch(o.connections());
      loop.runOnContext(v -> {
        for (int i = 0; i < o.connections(); i++) {
          client.request(request())
              .compose(req -> body == null ? req.send() : req.send(body))
              .compose(resp -> resp.body())
              .onComplete(ar -> opened.countDown());
        }
      });
      if (!opened.await(o.timeoutMs() + 5_000, TimeUnit.MILLISECONDS)) {
        throw new TimeoutException("no answer to the first requests within " + o.timeoutMs() + " ms");
      }
    }

    private RequestOptions request() {
      RequestOptions request = new RequestOptions().setAbsoluteURI(o.url()).setMethod(o.method())
          .setIdleTimeout(o.timeoutMs());
      for (String[] h : o.headers()) {
        request.addHeader(h[0], h[1]);
      }
      return request;
    }

    /** Parks until the next request's time, then hands every request that is due to the event loop. */
    void schedule() {
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      long next = 0;
      while (next < total) {
        long wait = intendedNanos(start, next, o.rate()) - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
          continue;
        }
        long first = next;
        long now = System.nanoTime();
        while (next < total && intendedNanos(start, next, o.rate()) <= now) {
          next++;
        }
        long last = next;
        loop.runOnContext(v -> {
          for (long i = first; i < last; i++) {
            send(i >= leadIn, intendedNanos(start, i, o.rate()));
          }
        });
      }
    }

    private void send(boolean measured, long intended) {
      client.request(request())
          .compose(req -> {
            if (measured) {
              sendLags[sent++] = System.nanoTime() - intended;
            }
            return body == null ? req.send() : req.send(body);
          })
          .compose(resp -> resp.body().map(b -> resp.statusCode()))
          .onComplete(ar -> {
            long latency = System.nanoTime() - intended;
            if (measured) {
              if (ar.succeeded()) {
                latencies[answered++] = latency;
                statuses.merge(ar.result(), 1L, Long::sum);
              } else if (ar.cause() instanceof ConnectException) {
                connectErrors++;
              } else if (ar.cause() instanceof TimeoutException
                  || ar.cause().getClass().getSimpleName().contains("Timeout")) {
                timeouts++;
              } else {
                readErrors++;
              }
            }
            finished.countDown();
          });
    }

    void awaitAnswers() throws InterruptedException {
      finished.await(o.timeoutMs() + 5_000, TimeUnit.MILLISECONDS);
    }

    /** Copies the counters on the event loop, so that a late answer cannot change them meanwhile. */
    Result result() throws Exception {
      CompletableFuture<Result> copy = new CompletableFuture<>();
      loop.runOnContext(v -> {
        long[] lat = Arrays.copyOf(latencies, answered);
        Arrays.sort(lat);
        long[] lags = Arrays.copyOf(sendLags, sent);
        Arrays.sort(lags);
        long measured = o.measuredRequests();
        long unanswered = measured - answered - connectErrors - readErrors - timeouts;
        copy.complete(new Result(o, measured, answered, new TreeMap<>(statuses), connectErrors, readErrors,
            timeouts + unanswered, lat, lags));
      });
      return copy.get(10, TimeUnit.SECONDS);
    }
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = parse(args);
    } catch (RuntimeException e) {
      System.err.println("OpenLoop: " + e.getMessage());
      System.err.println("usage: OpenLoop --url URL --rate PER_SECOND --seconds S [--lead-in S] [--connections N]"
          + " [--method POST] [--body FILE] [--header 'Name: value']... [--ca PEM] [--timeout-ms MS]");
      System.exit(2);
      return;
    }
    Result r = run(options);
    System.err.printf(Locale.ROOT, "open loop at %.0f req/s for %.0f s (%d connections): %d answered of %d,"
            + " p50 %.2f ms, p99 %.2f ms, p99 wait for a connection %.2f ms%n", options.rate(), options.seconds(),
        options.connections(), r.answered(), r.scheduled(), percentile(r.latencies(), 50) / 1e6,
        percentile(r.latencies(), 99) / 1e6, percentile(r.sendLags(), 99) / 1e6);
    System.out.println(r.resultLine());
    System.exit(0); // Vert.x's and Netty's threads are closed; do not wait for the JVM to notice
  }

  static Options parse(String[] args) throws java.io.IOException {
    String url = null;
    double rate = 0;
    double seconds = 0;
    double leadIn = 0;
    int connections = 64;
    HttpMethod method = null;
    byte[] body = null;
    List<String[]> headers = new ArrayList<>();
    Path ca = null;
    long timeoutMs = 10_000;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i++]) {
        case "--url" -> url = value;
        case "--rate" -> rate = Double.parseDouble(value);
        case "--seconds" -> seconds = Double.parseDouble(value);
        case "--lead-in" -> leadIn = Double.parseDouble(value);
        case "--connections" -> connections = Integer.parseInt(value);
        case "--method" -> method = HttpMethod.valueOf(value);
        case "--body" -> body = Files.readAllBytes(Path.of(value));
        case "--header" -> {
          int colon = value.indexOf(':');
          if (colon < 1) {
            throw new IllegalArgumentException("a header is 'Name: value', not " + value);
          }
          headers.add(new String[] {value.substring(0, colon).trim(), value.substring(colon + 1).trim()});
        }
        case "--ca" -> ca = Path.of(value);
        case "--timeout-ms" -> timeoutMs = Long.parseLong(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("--url is needed");
    }
    return new Options(url, rate, seconds, leadIn, connections,
        method != null ? method : body != null ? HttpMethod.POST : HttpMethod.GET, body, headers, ca, timeoutMs);
  }
}
