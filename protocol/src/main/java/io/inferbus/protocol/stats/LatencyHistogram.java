package io.inferbus.protocol.stats;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Request latencies as counts in fixed log-scale buckets, so that histograms recorded on different
 * gateways and in different 10-second slots merge by adding counts, and quantiles come from the
 * merged counts. Immutable.
 *
 * <p>Buckets: {@code [0, 0.05 ms)}, then {@value #LOG_BUCKETS} buckets each {@value #GROWTH} times as
 * wide as the one before ({@code [0.05·1.04^(i-1), 0.05·1.04^i) ms}) up to 180.6 s, then one for
 * anything longer: {@value #BUCKETS} in all. A quantile is read by linear interpolation inside the
 * bucket that holds it, so it is within 4 % of the exact (nearest-rank) quantile of the recorded
 * latencies; below 0.05 ms within 0.05 ms; from 180.6 s on it reads 180.6 s. 4 % keeps a bucket
 * array at 387 counts (a 10-second slot of a gateway stores them as ints: 1.5 KiB).
 *
 * <p>JSON: {@code {"scale": "log1.04-from-0.05ms", "counts": {"<bucket>": <count>, ...}}}, empty
 * buckets left out. The scale names the bucket layout: a histogram of another layout (a node of
 * another version) is refused rather than misread.
 */
public final class LatencyHistogram {
  /** The bucket layout's name, in every encoded histogram. */
  public static final String SCALE = "log1.04-from-0.05ms";
  /** Lower bound of the first log-scale bucket, in milliseconds. */
  public static final double MIN_MS = 0.05;
  /** How much wider each bucket is than the one before. */
  public static final double GROWTH = 1.04;
  /** Log-scale buckets from {@link #MIN_MS} to at least 180 s. */
  public static final int LOG_BUCKETS = 385;
  /** Every bucket: the one under {@link #MIN_MS}, the log-scale ones, the one for anything longer. */
  public static final int BUCKETS = LOG_BUCKETS + 2;
  /** The last bucket, for latencies of {@link #lowerBoundMs lowerBoundMs(OVERFLOW)} and more. */
  public static final int OVERFLOW = BUCKETS - 1;

  /** {@code BOUNDS[i]}: lower bound of bucket i in milliseconds; {@code BOUNDS[BUCKETS]} is infinity. */
  private static final double[] BOUNDS = new double[BUCKETS + 1];
  private static final double LOG_GROWTH = Math.log(GROWTH);

  static {
    BOUNDS[0] = 0;
    for (int i = 1; i < BUCKETS; i++) {
      BOUNDS[i] = MIN_MS * Math.pow(GROWTH, i - 1);
    }
    BOUNDS[BUCKETS] = Double.POSITIVE_INFINITY;
  }

  public static final LatencyHistogram EMPTY = new LatencyHistogram(new long[BUCKETS], 0);

  private final long[] counts;
  private final long total;

  private LatencyHistogram(long[] counts, long total) {
    this.counts = counts;
    this.total = total;
  }

  /** The bucket a latency of {@code nanos} counts in (negative: the first). */
  public static int bucketOf(long nanos) {
    double ms = nanos / 1e6;
    if (ms < MIN_MS) {
      return 0;
    }
    int i = 1 + (int) (Math.log(ms / MIN_MS) / LOG_GROWTH);
    i = Math.min(i, OVERFLOW);
    // the logarithm may land one off at a bound; the bounds decide
    while (ms < BOUNDS[i]) {
      i--;
    }
    while (i < OVERFLOW && ms >= BOUNDS[i + 1]) {
      i++;
    }
    return i;
  }

  /** Lower bound of bucket {@code i} (inclusive), in milliseconds. */
  public static double lowerBoundMs(int i) {
    return BOUNDS[i];
  }

  /** Upper bound of bucket {@code i} (exclusive), in milliseconds; infinity for {@link #OVERFLOW}. */
  public static double upperBoundMs(int i) {
    return BOUNDS[i + 1];
  }

  /** A histogram of these counts per bucket ({@link #BUCKETS} of them, none negative); copied. */
  public static LatencyHistogram ofCounts(long[] counts) {
    if (counts.length != BUCKETS) {
      throw new IllegalArgumentException("a latency histogram has " + BUCKETS + " buckets, not " + counts.length);
    }
    long total = 0;
    for (long c : counts) {
      if (c < 0) {
        throw new IllegalArgumentException("a bucket count cannot be negative: " + Arrays.toString(counts));
      }
      total = Math.addExact(total, c);
    }
    return total == 0 ? EMPTY : new LatencyHistogram(counts.clone(), total);
  }

  /** A histogram of these latencies in milliseconds (for tests and small tools). */
  public static LatencyHistogram ofMillis(double... latenciesMs) {
    Builder b = new Builder();
    for (double ms : latenciesMs) {
      b.recordNanos(Math.round(ms * 1e6));
    }
    return b.build();
  }

  /** How many latencies it holds. */
  public long count() {
    return total;
  }

  public boolean isEmpty() {
    return total == 0;
  }

  /** The count in bucket {@code i}. */
  public long countAt(int i) {
    return counts[i];
  }

  /** Both histograms' counts added. */
  public LatencyHistogram merge(LatencyHistogram other) {
    if (other.total == 0) {
      return this;
    }
    if (total == 0) {
      return other;
    }
    long[] sum = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      sum[i] = counts[i] + other.counts[i];
    }
    return new LatencyHistogram(sum, Math.addExact(total, other.total));
  }

  /**
   * The {@code q} quantile ({@code 0 < q <= 1}) in milliseconds, empty when the histogram is. The
   * bucket that holds the {@code ceil(q·count)}-th smallest latency is found from the counts, and the
   * value interpolated linearly within it by how far into the bucket's count that rank lies.
   */
  public OptionalDouble quantileMs(double q) {
    if (!(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("a quantile is in (0, 1], not " + q);
    }
    if (total == 0) {
      return OptionalDouble.empty();
    }
    double rank = q * total;
    long before = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long c = counts[i];
      if (c > 0 && before + c >= rank) {
        if (i == OVERFLOW) {
          return OptionalDouble.of(BOUNDS[OVERFLOW]);
        }
        double within = Math.min(1.0, Math.max(0.0, (rank - before) / c));
        return OptionalDouble.of(BOUNDS[i] + (BOUNDS[i + 1] - BOUNDS[i]) * within);
      }
      before += c;
    }
    return OptionalDouble.of(BOUNDS[OVERFLOW]); // not reached: the counts add up to total
  }

  /** {@code {"scale": SCALE, "counts": {"<bucket>": <count>, ...}}}, empty buckets left out. */
  public JsonObject toJson() {
    JsonObject nonEmpty = new JsonObject();
    for (int i = 0; i < BUCKETS; i++) {
      if (counts[i] != 0) {
        nonEmpty.put(Integer.toString(i), counts[i]);
      }
    }
    return new JsonObject().put("scale", SCALE).put("counts", nonEmpty);
  }

  /**
   * Reads {@link #toJson}'s form. Refused, as BAD_INPUT naming {@code latency}: anything but an
   * object, another scale, counts that are not an object, a bucket that is not a whole number from 0
   * to {@value #OVERFLOW}, a count that is not a whole number or is negative.
   */
  public static LatencyHistogram fromJson(Object value) {
    if (!(value instanceof JsonObject json)) {
      throw refused("must be an object {\"scale\", \"counts\"}, not " + describe(value));
    }
    Object scale = json.getValue("scale");
    if (!SCALE.equals(scale)) {
      throw refused("has scale " + describe(scale) + "; this node reads only '" + SCALE + "'");
    }
    if (!(json.getValue("counts") instanceof JsonObject countsJson)) {
      throw refused("counts must be an object of bucket → count, not " + describe(json.getValue("counts")));
    }
    long[] counts = new long[BUCKETS];
    for (Map.Entry<String, Object> e : countsJson) {
      int bucket;
      try {
        bucket = Integer.parseInt(e.getKey());
      } catch (NumberFormatException notNumber) {
        bucket = -1;
      }
      if (bucket < 0 || bucket > OVERFLOW) {
        throw refused("bucket '" + e.getKey() + "' is not a whole number from 0 to " + OVERFLOW);
      }
      long count = wholeNumber(e.getValue(), "latency", "the count of bucket " + bucket);
      counts[bucket] = count;
    }
    return ofCounts(counts);
  }

  /**
   * A count: a whole number of 0 or more (as Vert.x parses JSON: Integer or Long), else BAD_INPUT
   * about {@code target}.
   */
  static long wholeNumber(Object value, String target, String what) {
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0) {
      return ((Number) value).longValue();
    }
    throw new InferbusException(FailureKind.BAD_INPUT, (what.equals(target) ? "" : target + ": ") + what
        + " must be a whole number of 0 or more, not " + describe(value), target);
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
    }
    String text = value.toString();
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }

  private static InferbusException refused(String message) {
    return new InferbusException(FailureKind.BAD_INPUT, "latency histogram " + message, "latency");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatencyHistogram h && Arrays.equals(counts, h.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(counts);
  }

  @Override
  public String toString() {
    return toJson().encode();
  }

  /** Records latencies one at a time, on one thread, into a histogram. */
  public static final class Builder {
    private final long[] counts = new long[BUCKETS];

    public Builder recordNanos(long nanos) {
      counts[bucketOf(nanos)]++;
      return this;
    }

    /** Adds {@code n} to bucket {@code i}'s count. */
    public Builder add(int bucket, long n) {
      counts[bucket] += n;
      return this;
    }

    public LatencyHistogram build() {
      return ofCounts(counts);
    }
  }
}
