package io.inferbus.bench.jmh;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation, next to JMH's wall-clock average: {@code -prof io.inferbus.bench.jmh.CpuTimeProfiler}.
 * On a machine shared with other work (2 cores, builds running) a benchmark thread waits for a core, and
 * the wall-clock average counts the wait; the process CPU time per operation does not. It includes the
 * JIT and the garbage collector's threads, so allocation shows up in it as collection work.
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long start;

  @Override
  public String getDescription() {
    return "process CPU time per operation (us/op)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    start = OS.getProcessCpuTime();
  }

  @Override
  public List<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    long cpuNanos = OS.getProcessCpuTime() - start;
    long ops = result.getMetadata().getMeasuredOps();
    double perOp = ops == 0 ? Double.NaN : cpuNanos / 1000.0 / ops;
    return List.of(new ScalarResult("cpu.process.norm", perOp, "us/op", AggregationPolicy.AVG));
  }
}
