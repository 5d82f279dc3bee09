package io.inferbus.bench.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The open-loop generator against a stub server: it sends what the schedule says, counts what it
 * measured, and times each request from when it should have left. No assertion depends on this
 * machine's speed: the latency checks are lower bounds that a slower machine only exceeds further.
 */
class OpenLoopTest {
  private Vertx vertx;
  private final AtomicInteger received = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();
  private volatile long answerDelayMs;

  @BeforeEach
  void stub() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A stub that counts requests, checks the header and body it was given, and answers after a delay. */
  private int startStub() throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.incrementAndGet();
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      int status = "yes".equals(req.getHeader("x-bench")) && "{\"x\": 1}".equals(body.toString()) ? 200 : 400;
      Runnable answer = () -> {
        inFlight.decrementAndGet();
        req.response().setStatusCode(status).end("{}");
      };
      if (answerDelayMs > 0) {
        vertx.setTimer(answerDelayMs, t -> answer.run());
      } else {
        answer.run();
      }
    }));
    return server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private OpenLoop.Options options(int port, double rate, double seconds, double leadIn, int connections) {
    return new OpenLoop.Options("http://127.0.0.1:" + port + "/score", rate, seconds, leadIn, connections,
        HttpMethod.POST, "{\"x\": 1}".getBytes(StandardCharsets.UTF_8), List.<String[]>of(new String[] {"x-bench", "yes"}),
        null, 10_000);
  }

  @Test
  void sendsTheScheduleAndCountsOnlyTheMeasuredPart() throws Exception {
    int port = startStub();
    OpenLoop.Result r = OpenLoop.run(options(port, 400, 0.5, 0.25, 4));
    assertEquals(4 + 300, received.get(),
        "one per connection to open them, then lead-in (100) and measured (200) requests all reached the server");
    assertEquals(200, r.scheduled());
    assertEquals(200, r.answered());
    assertEquals(Map.of(200, 200L), r.statuses(), "the header and body arrived as given");
    assertEquals(200, r.latencies().length);
    assertEquals(0, r.connectErrors() + r.readErrors() + r.timeouts());
    String line = r.resultLine();
    assertTrue(line.startsWith("RESULT requests=200 duration_us=500000 "), line);
    assertTrue(line.contains(" status_200=200 open_loop_rate=400.0 scheduled=200 "), line);
  }

  /**
   * One connection, an answer 50 ms after each request, a request due every 10 ms: requests queue, and
   * request k cannot be answered before 50 (k + 1) ms after the first left, which was due 10 k ms
   * before it was, so its latency from its intended time is at least 40 k + 50 ms. A closed-loop
   * generator would report ~50 ms for every one of them (coordinated omission).
   */
  @Test
  void timesRequestsFromWhenTheyWereDueNotFromWhenAConnectionWasFree() throws Exception {
    answerDelayMs = 50;
    int port = startStub();
    OpenLoop.Result r = OpenLoop.run(options(port, 100, 0.3, 0, 1));
    assertEquals(30, r.answered());
    assertEquals(1, mostInFlight.get(), "one connection, no pipelining");
    long[] ms = Arrays.stream(r.latencies()).map(n -> n / 1_000_000).toArray();
    for (int k = 0; k < ms.length; k++) {
      assertTrue(ms[k] >= 40L * k + 50 - 1, "the " + (k + 1) + "th fastest answer took at least " + (40 * k + 50)
          + " ms from its intended time: " + Arrays.toString(ms));
    }
    assertTrue(OpenLoop.percentile(r.sendLags(), 99) >= 1_000_000_000L,
        "the last requests waited over a second for the one connection");
  }

  @Test
  void percentilesAreNearestRank() {
    long[] hundred = new long[100];
    for (int i = 0; i < 100; i++) {
      hundred[i] = i + 1;
    }
    assertEquals(50, OpenLoop.percentile(hundred, 50));
    assertEquals(90, OpenLoop.percentile(hundred, 90));
    assertEquals(99, OpenLoop.percentile(hundred, 99));
    assertEquals(100, OpenLoop.percentile(hundred, 100));
    assertEquals(2, OpenLoop.percentile(new long[] {1, 2, 3, 4}, 50));
    assertEquals(7, OpenLoop.percentile(new long[] {7}, 99));
    assertEquals(0, OpenLoop.percentile(new long[0], 50));
  }

  @Test
  void theScheduleIsEvenlySpacedAtTheRate() {
    long start = 1_000;
    assertArrayEquals(new long[] {1_000, 251_000, 501_000, 751_000, 1_001_000},
        LongStream.range(0, 5).map(i -> OpenLoop.intendedNanos(start, i, 4_000)).toArray());
    assertEquals(start + 1_000_000_000L, OpenLoop.intendedNanos(start, 8_000, 8_000), "rate 8000: one second later");
  }

  @Test
  void optionsComeFromTheCommandLine() throws Exception {
    OpenLoop.Options o = OpenLoop.parse(new String[] {"--url", "https://127.0.0.1:1/x", "--rate", "2.5", "--seconds",
        "3", "--lead-in", "1", "--header", "Authorization: Bearer a:b", "--connections", "8"});
    assertEquals(HttpMethod.GET, o.method(), "no body: GET");
    assertEquals("Authorization", o.headers().get(0)[0]);
    assertEquals("Bearer a:b", o.headers().get(0)[1], "only the first colon separates");
    assertEquals(3, o.leadInRequests(), "2.5 per second for 1 s, rounded");
    assertEquals(8, o.measuredRequests(), "2.5 per second for 3 s, rounded");
    assertEquals(8, o.connections());
  }
}
