package io.inferbus.protocol.stats;

import static io.inferbus.protocol.spec.Refusals.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LatencyHistogram: its buckets, quantiles against the exact quantiles of known samples, merging,
 * and its JSON.
 *
 * <p>Bad inputs tried: a quantile of 0, below 0 and above 1; a histogram JSON that is a string, an
 * array or null; a missing or other scale; counts that are not an object; a bucket key that is a
 * word, negative, a fraction or past the last bucket; a count that is negative, a fraction, a
 * string, a boolean or null.
 */
class LatencyHistogramTest {
  /** The stated precision: a quantile is within 4 % of the exact one (0.05 ms absolute below 0.05 ms). */
  private static final double RELATIVE = 0.04;

  @Test
  void bucketsGrowByFourPercentFromOneTwentiethOfAMillisecondPastThreeMinutes() {
    assertEquals(387, LatencyHistogram.BUCKETS);
    assertEquals(0, LatencyHistogram.lowerBoundMs(0));
    assertEquals(0.05, LatencyHistogram.lowerBoundMs(1), 1e-12);
    for (int i = 1; i < LatencyHistogram.OVERFLOW; i++) {
      assertEquals(1.04, LatencyHistogram.upperBoundMs(i) / LatencyHistogram.lowerBoundMs(i), 1e-9, "bucket " + i);
      assertEquals(LatencyHistogram.upperBoundMs(i), LatencyHistogram.lowerBoundMs(i + 1));
    }
    double overflow = LatencyHistogram.lowerBoundMs(LatencyHistogram.OVERFLOW);
    assertTrue(overflow >= 180_000 && overflow < 180_000 * 1.04, "the last bounded bucket ends just past 180 s: "
        + overflow);
    assertEquals(Double.POSITIVE_INFINITY, LatencyHistogram.upperBoundMs(LatencyHistogram.OVERFLOW));
  }

  @Test
  void everyLatencyFallsInsideItsBucketsBounds() {
    Random random = new Random(7);
    for (int n = 0; n < 200_000; n++) {
      long nanos = (long) Math.exp(random.nextDouble() * Math.log(1e12)); // 1 ns to 1000 s, log-uniform
      int b = LatencyHistogram.bucketOf(nanos);
      double ms = nanos / 1e6;
      assertTrue(LatencyHistogram.lowerBoundMs(b) <= ms && ms < LatencyHistogram.upperBoundMs(b),
          nanos + " ns in bucket " + b);
    }
  }

  @Test
  void aBucketsLowerBoundBelongsToIt() {
    for (int i = 1; i < LatencyHistogram.BUCKETS; i++) {
      long nanos = (long) Math.ceil(LatencyHistogram.lowerBoundMs(i) * 1e6);
      if (nanos / 1e6 < LatencyHistogram.upperBoundMs(i)) {
        assertEquals(i, LatencyHistogram.bucketOf(nanos), "lower bound of bucket " + i);
      }
    }
  }

  @Test
  void zeroNegativeAndHugeLatenciesLandInTheEndBuckets() {
    assertEquals(0, LatencyHistogram.bucketOf(0));
    assertEquals(0, LatencyHistogram.bucketOf(-5_000_000), "a negative duration (a clock step) is not lost");
    assertEquals(0, LatencyHistogram.bucketOf(49_999));
    assertEquals(1, LatencyHistogram.bucketOf(50_000));
    assertEquals(LatencyHistogram.OVERFLOW, LatencyHistogram.bucketOf(Long.MAX_VALUE));
    assertEquals(LatencyHistogram.OVERFLOW, LatencyHistogram.bucketOf(600_000_000_000L));
  }

  static Stream<Arguments> samples() {
    Random random = new Random(42);
    double[] uniform = new double[1000];
    for (int i = 0; i < uniform.length; i++) {
      uniform[i] = i + 1; // 1 .. 1000 ms
    }
    double[] logNormal = random.doubles(20_000).map(u -> Math.exp(1.5 + 0.8 * random.nextGaussian())).toArray();
    double[] bimodal = new double[5000];
    for (int i = 0; i < bimodal.length; i++) {
      bimodal[i] = i % 10 == 0 ? 800 + random.nextDouble() * 400 : 2 + random.nextDouble() * 3;
    }
    double[] subMillisecond = random.doubles(3000, 0.01, 0.9).toArray();
    double[] spread = random.doubles(10_000).map(u -> Math.exp(Math.log(0.06) + u * Math.log(150_000 / 0.06)))
        .toArray();
    return Stream.of(
        Arguments.of("1..1000 ms", uniform),
        Arguments.of("log-normal around 4.5 ms", logNormal),
        Arguments.of("90 % fast, 10 % near a second", bimodal),
        Arguments.of("under a millisecond", subMillisecond),
        Arguments.of("0.06 ms to 150 s", spread),
        Arguments.of("one sample", new double[] {12.5}),
        Arguments.of("all the same", new double[] {3, 3, 3, 3, 3, 3, 3}),
        Arguments.of("two", new double[] {1, 100}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void quantilesAreWithinTheStatedPrecisionOfTheExactOnes(String name, double[] samples) {
    LatencyHistogram h = LatencyHistogram.ofMillis(samples);
    assertEquals(samples.length, h.count());
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    for (double q : new double[] {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0}) {
      double exact = sorted[(int) Math.ceil(q * sorted.length) - 1]; // nearest rank
      double estimate = h.quantileMs(q).getAsDouble();
      double allowed = exact < LatencyHistogram.MIN_MS ? LatencyHistogram.MIN_MS : RELATIVE * exact;
      assertTrue(Math.abs(estimate - exact) <= allowed + 1e-9, name + ": q" + q + " estimated " + estimate
          + " ms, exact " + exact + " ms");
    }
  }

  @Test
  void quantilesOfLatenciesPastTheLastBoundReadItsLowerBound() {
    LatencyHistogram h = LatencyHistogram.ofMillis(200_000, 250_000, 1);
    assertEquals(LatencyHistogram.lowerBoundMs(LatencyHistogram.OVERFLOW), h.quantileMs(0.99).getAsDouble());
  }

  @Test
  void anEmptyHistogramHasNoQuantiles() {
    assertEquals(OptionalDouble.empty(), LatencyHistogram.EMPTY.quantileMs(0.5));
    assertEquals(0, LatencyHistogram.ofMillis().count());
    assertTrue(LatencyHistogram.ofMillis().isEmpty());
  }

  /** Bad inputs: q of 0, negative, above 1, NaN. */
  @ParameterizedTest
  @ValueSource(doubles = {0, -0.5, 1.01, Double.NaN})
  void aQuantileOutsideZeroToOneIsRefused(double q) {
    assertThrows(IllegalArgumentException.class, () -> LatencyHistogram.ofMillis(1, 2).quantileMs(q));
  }

  @Test
  void mergeAddsCountsAndIsAssociativeAndCommutative() {
    Random random = new Random(3);
    LatencyHistogram a = LatencyHistogram.ofMillis(random.doubles(500, 0.1, 50).toArray());
    LatencyHistogram b = LatencyHistogram.ofMillis(random.doubles(300, 5, 5000).toArray());
    LatencyHistogram c = LatencyHistogram.ofMillis(random.doubles(700, 0.01, 200_000).toArray());
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    assertEquals(a.merge(b), b.merge(a));
    assertEquals(1500, a.merge(b).merge(c).count());
    assertEquals(a, a.merge(LatencyHistogram.EMPTY));
    assertEquals(a, LatencyHistogram.EMPTY.merge(a));
    for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
      assertEquals(a.countAt(i) + b.countAt(i), a.merge(b).countAt(i));
    }
  }

  @Test
  void mergingIsTheSameAsRecordingEverySample() {
    double[] first = {1, 2, 3, 50, 70};
    double[] second = {0.2, 3, 900, 12};
    double[] both = {1, 2, 3, 50, 70, 0.2, 3, 900, 12};
    assertEquals(LatencyHistogram.ofMillis(both), LatencyHistogram.ofMillis(first).merge(LatencyHistogram.ofMillis(
        second)));
  }

  @Test
  void jsonRoundTripOmitsEmptyBuckets() {
    LatencyHistogram h = LatencyHistogram.ofMillis(0.01, 1, 1, 1, 250, 300_000);
    JsonObject json = h.toJson();
    assertEquals(LatencyHistogram.SCALE, json.getString("scale"));
    JsonObject counts = json.getJsonObject("counts");
    assertEquals(4, counts.size(), "only the four buckets with latencies: " + counts);
    assertEquals(3L, counts.getLong(Integer.toString(LatencyHistogram.bucketOf(1_000_000))));
    assertEquals(1L, counts.getLong(Integer.toString(LatencyHistogram.OVERFLOW)));
    assertEquals(h, LatencyHistogram.fromJson(new JsonObject(json.encode())), "through text, as on the event bus");
  }

  @Test
  void emptyHistogramRoundTrips() {
    assertEquals(new JsonObject().put("scale", LatencyHistogram.SCALE).put("counts", new JsonObject()),
        LatencyHistogram.EMPTY.toJson());
    assertEquals(LatencyHistogram.EMPTY, LatencyHistogram.fromJson(LatencyHistogram.EMPTY.toJson()));
    assertTrue(LatencyHistogram.fromJson(LatencyHistogram.EMPTY.toJson()).isEmpty());
  }

  @Test
  void zeroCountsAreAccepted() {
    assertEquals(LatencyHistogram.EMPTY, LatencyHistogram.fromJson(new JsonObject("{\"scale\": \""
        + LatencyHistogram.SCALE + "\", \"counts\": {\"5\": 0}}")));
  }

  /** Bad inputs: a string, an array, null instead of an object. */
  @Test
  void anythingButAnObjectIsRefused() {
    refused("latency", () -> LatencyHistogram.fromJson("{}"), "must be an object");
    refused("latency", () -> LatencyHistogram.fromJson(new JsonArray()), "must be an object");
    refused("latency", () -> LatencyHistogram.fromJson(null), "must be an object", "null");
  }

  /** Bad inputs: no scale, another layout's scale (a node of another version). */
  @Test
  void anotherScaleIsRefusedRatherThanMisread() {
    refused("latency", () -> LatencyHistogram.fromJson(new JsonObject().put("counts", new JsonObject())),
        "scale null", LatencyHistogram.SCALE);
    refused("latency", () -> LatencyHistogram.fromJson(new JsonObject().put("scale", "log1.1-from-1ms")
        .put("counts", new JsonObject())), "'log1.1-from-1ms'".replace('\'', '"'), LatencyHistogram.SCALE);
  }

  /** Bad inputs: counts missing, an array, a number. */
  @Test
  void countsThatAreNotAnObjectAreRefused() {
    refused("latency", () -> LatencyHistogram.fromJson(json("null")), "counts must be an object");
    refused("latency", () -> LatencyHistogram.fromJson(json("[1, 2]")), "counts must be an object");
    refused("latency", () -> LatencyHistogram.fromJson(json("5")), "counts must be an object");
  }

  /** Bad inputs: a bucket named by a word, a negative number, a fraction, one past the last. */
  @ParameterizedTest
  @ValueSource(strings = {"fast", "-1", "1.5", "387", "99999999999"})
  void aBucketOutsideTheLayoutIsRefused(String bucket) {
    refused("latency", () -> LatencyHistogram.fromJson(json("{\"" + bucket + "\": 1}")),
        "bucket '" + bucket + "'", "from 0 to 386");
  }

  /** Bad inputs: a count that is negative, a fraction, a string, a boolean, null. */
  @ParameterizedTest
  @ValueSource(strings = {"-1", "1.5", "\"3\"", "true", "null"})
  void aCountThatIsNotAWholeNumberIsRefused(String count) {
    refused("latency", () -> LatencyHistogram.fromJson(json("{\"12\": " + count + "}")),
        "the count of bucket 12 must be a whole number");
  }

  private static JsonObject json(String counts) {
    return new JsonObject("{\"scale\": \"" + LatencyHistogram.SCALE + "\", \"counts\": " + counts + "}");
  }
}
