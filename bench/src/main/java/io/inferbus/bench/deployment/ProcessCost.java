package io.inferbus.bench.deployment;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the whole process spent between two points: CPU time of the process (every thread, including
 * the JIT compiler and the garbage collector), CPU time and allocated bytes of each live Java thread
 * grouped by role (event loops, the instance's workers, Hazelcast, other), and garbage collections.
 *
 * <p>Allocation comes from {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes}, which counts
 * every byte a thread allocated on the heap (TLAB and outside). A thread that ends between the two
 * snapshots is lost; the threads that do the work here (event loops, the instance's worker pool) live
 * for the whole run.
 */
final class ProcessCost {
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  static {
    THREADS.setThreadCpuTimeEnabled(true);
    THREADS.setThreadAllocatedMemoryEnabled(true);
  }

  /** One snapshot. */
  record Snapshot(long nanoTime, long processCpuNanos, Map<Long, String> names, Map<Long, Long> cpu,
      Map<Long, Long> allocated, long gcCount, long gcMillis) {}

  /** The difference of two snapshots, per request. */
  record PerRequest(long requests, double seconds, double processCpuMicros, Map<String, Double> cpuMicrosByGroup,
      double allocatedBytes, Map<String, Double> allocatedBytesByGroup, long gcCount, long gcMillis) {

    double requestsPerSecond() {
      return requests / seconds;
    }
  }

  private ProcessCost() {}

  static Snapshot snapshot() {
    long[] ids = THREADS.getAllThreadIds();
    long[] cpu = THREADS.getThreadCpuTime(ids);
    long[] allocated = THREADS.getThreadAllocatedBytes(ids);
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    Map<Long, String> names = new HashMap<>();
    Map<Long, Long> cpuById = new HashMap<>();
    Map<Long, Long> allocatedById = new HashMap<>();
    for (int i = 0; i < ids.length; i++) {
      if (infos[i] == null) {
        continue; // ended meanwhile
      }
      names.put(ids[i], infos[i].getThreadName());
      cpuById.put(ids[i], Math.max(0, cpu[i]));
      allocatedById.put(ids[i], Math.max(0, allocated[i]));
    }
    long gcCount = 0;
    long gcMillis = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, gc.getCollectionCount());
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), names, cpuById, allocatedById, gcCount, gcMillis);
  }

  static PerRequest between(Snapshot before, Snapshot after, long requests) {
    Map<String, Double> cpuByGroup = new LinkedHashMap<>();
    Map<String, Double> allocByGroup = new LinkedHashMap<>();
    for (String group : new String[] {"event-loop", "model-runners", "vertx-workers", "hazelcast", "other"}) {
      cpuByGroup.put(group, 0.0);
      allocByGroup.put(group, 0.0);
    }
    double totalAllocated = 0;
    for (Map.Entry<Long, String> thread : after.names().entrySet()) {
      long id = thread.getKey();
      String group = group(thread.getValue());
      double cpu = (after.cpu().get(id) - before.cpu().getOrDefault(id, 0L)) / 1000.0 / requests;
      double alloc = (double) (after.allocated().get(id) - before.allocated().getOrDefault(id, 0L)) / requests;
      cpuByGroup.merge(group, cpu, Double::sum);
      allocByGroup.merge(group, alloc, Double::sum);
      totalAllocated += alloc;
    }
    return new PerRequest(requests, (after.nanoTime() - before.nanoTime()) / 1e9,
        (after.processCpuNanos() - before.processCpuNanos()) / 1000.0 / requests, cpuByGroup, totalAllocated,
        allocByGroup, after.gcCount() - before.gcCount(), after.gcMillis() - before.gcMillis());
  }

  /** Role of a thread, by the names Vert.x, ModelInstance and Hazelcast give their threads. */
  static String group(String threadName) {
    if (threadName.startsWith("vert.x-eventloop-thread")) {
      return "event-loop";
    }
    if (threadName.startsWith("inferbus-")) {
      return "model-runners"; // the node's ModelRunners, "inferbus-model-run-N"
    }
    if (threadName.startsWith("vert.x-worker-thread") || threadName.startsWith("vert.x-internal-blocking")) {
      return "vertx-workers";
    }
    if (threadName.startsWith("hz.")) {
      return "hazelcast";
    }
    return "other";
  }

  /** Process CPU time so far, nanoseconds. */
  static long processCpuNanos() {
    return OS.getProcessCpuTime();
  }

  /** CPU time of the calling thread so far, nanoseconds. */
  static long threadCpuNanos() {
    return THREADS.getCurrentThreadCpuTime();
  }

  /** Heap bytes the calling thread allocated so far. */
  static long threadAllocatedBytes() {
    return THREADS.getCurrentThreadAllocatedBytes();
  }
}
