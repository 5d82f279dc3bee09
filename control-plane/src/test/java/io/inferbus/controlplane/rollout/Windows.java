package io.inferbus.controlplane.rollout;

import io.inferbus.protocol.stats.WindowStats;

/** Windows of answers built by hand for the rollout tests. */
final class Windows {
  private Windows() {}

  /** {@code ok} answers of 200 and {@code failed} of {@code status}, all taking {@code ms}. */
  static WindowStats answers(int ok, double ms, int failed, int status) {
    WindowStats.Builder b = new WindowStats.Builder();
    for (int i = 0; i < ok; i++) {
      b.record(200, Math.round(ms * 1e6));
    }
    for (int i = 0; i < failed; i++) {
      b.record(status, Math.round(ms * 1e6));
    }
    return b.build();
  }

  /** {@code n} answers of 200 taking {@code ms}. */
  static WindowStats ok(int n, double ms) {
    return answers(n, ms, 0, 500);
  }
}
