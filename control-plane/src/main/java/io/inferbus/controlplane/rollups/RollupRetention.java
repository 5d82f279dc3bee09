package io.inferbus.controlplane.rollups;

import io.inferbus.controlplane.evidence.Since;
import java.time.Duration;

/**
 * How long the per-minute rollups are kept, and the most rows kept: at the bound the oldest minutes
 * go first, whatever their age (docs/operations.md). A row is one deployment's answers under one
 * traffic revision in one minute with answers, about 0.5 KiB: a deployment answering every minute for
 * 30 days is 43,200 rows, so the default bound holds about 23 such deployments (about 0.5 GiB).
 *
 * <p>Set by {@code INFERBUS_ROLLUP_RETENTION} ({@code 30d}, {@code 12h}, ...) and
 * {@code INFERBUS_ROLLUP_MAX_ROWS} (system properties {@code inferbus.rollup.retention} and
 * {@code inferbus.rollup.max-rows} win).
 */
public record RollupRetention(Duration keep, long maxRows) {
  public static final Duration DEFAULT_KEEP = Duration.ofDays(30);
  public static final long DEFAULT_MAX_ROWS = 1_000_000;
  public static final RollupRetention DEFAULT = new RollupRetention(DEFAULT_KEEP, DEFAULT_MAX_ROWS);

  public RollupRetention {
    if (keep.isNegative() || keep.isZero()) {
      throw new IllegalArgumentException("rollup retention must be positive, not " + keep);
    }
    if (maxRows < 1) {
      throw new IllegalArgumentException("rollup max rows must be at least 1, not " + maxRows);
    }
  }

  /** From the system properties and environment (see the class comment), defaults for what is unset. */
  public static RollupRetention fromEnvironment() {
    String keep = setting("inferbus.rollup.retention", "INFERBUS_ROLLUP_RETENTION");
    String rows = setting("inferbus.rollup.max-rows", "INFERBUS_ROLLUP_MAX_ROWS");
    return new RollupRetention(keep == null ? DEFAULT_KEEP : Since.duration(keep, "INFERBUS_ROLLUP_RETENTION"),
        rows == null ? DEFAULT_MAX_ROWS : Long.parseLong(rows.trim()));
  }

  private static String setting(String property, String env) {
    String v = System.getProperty(property);
    return v != null ? v : System.getenv(env);
  }
}
