package io.inferbus.bench.jfr;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time and the bytes go in a JFR recording (JFR's "profile" settings): the methods most often
 * on top of the stack in CPU samples (self time), the methods most often anywhere on the stack (total
 * time, limited to the product's and its stack's packages), and the allocation sites by sampled weight.
 * Percentages are of all samples; {@code --per-request N} also turns them into µs and bytes per request
 * using the measured CPU and bytes per request.
 *
 * <pre>
 *   JfrSummary FILE.jfr [--top 25] [--cpu-us-per-request X --bytes-per-request Y]
 * </pre>
 */
public final class JfrSummary {
  /** Packages whose frames are named when attributing time and bytes to code (the stack above the JDK). */
  private static final List<String> OWN = List.of("io.inferbus.", "io.vertx.", "io.netty.", "ai.onnxruntime.",
      "com.fasterxml.", "io.micrometer.", "io.prometheus.");

  private JfrSummary() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    int top = 25;
    double cpuPerRequest = 0;
    double bytesPerRequest = 0;
    for (int i = 1; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--top" -> top = Integer.parseInt(args[i + 1]);
        case "--cpu-us-per-request" -> cpuPerRequest = Double.parseDouble(args[i + 1]);
        case "--bytes-per-request" -> bytesPerRequest = Double.parseDouble(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }

    Map<String, Double> self = new HashMap<>();
    Map<String, Map<String, Double>> selfStacks = new HashMap<>();
    Map<String, Double> total = new HashMap<>();
    Map<String, Double> byThread = new HashMap<>();
    Map<String, Double> nativeTop = new HashMap<>();
    Allocations tlab = new Allocations("TLAB refills");
    Allocations sampled = new Allocations("jdk.ObjectAllocationSample");
    double cpuSamples = 0;
    double nativeSamples = 0;

    try (RecordingFile recording = new RecordingFile(file)) {
      while (recording.hasMoreEvents()) {
        RecordedEvent e = recording.readEvent();
        String type = e.getEventType().getName();
        RecordedStackTrace stack = e.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        List<RecordedFrame> frames = stack.getFrames();
        switch (type) {
          case "jdk.ExecutionSample" -> {
            cpuSamples++;
            self.merge(name(frames.get(0)), 1.0, Double::sum);
            selfStacks.computeIfAbsent(name(frames.get(0)), k -> new HashMap<>())
                .merge(chain(frames, STACK_DEPTH), 1.0, Double::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
              String n = name(f);
              if (isOwn(n) && seen.add(n)) {
                total.merge(n, 1.0, Double::sum);
              }
            }
            byThread.merge(threadGroup(e.getThread("sampledThread").getJavaName()), 1.0, Double::sum);
          }
          case "jdk.NativeMethodSample" -> {
            nativeSamples++;
            nativeTop.merge(name(frames.get(0)) + "  <- " + firstOwn(frames, n -> true), 1.0, Double::sum);
          }
          case "jdk.ObjectAllocationInNewTLAB", "jdk.ObjectAllocationOutsideTLAB" ->
            // a TLAB refill stands for the TLAB's size (an allocation outside one for itself): over many
            // refills the bytes fall on the sites in proportion to what they allocate
            tlab.add(e, frames, type.endsWith("InNewTLAB") ? e.getLong("tlabSize") : e.getLong("allocationSize"));
          case "jdk.ObjectAllocationSample" ->
            // JFR's throttled sampler (the only allocation events of the stock "profile" settings)
            sampled.add(e, frames, e.getLong("weight"));
          default -> {
            // other events carry no cost of their own here
          }
        }
      }
    }

    System.out.printf(Locale.ROOT, "%s: %.0f CPU samples (Java code), %.0f native-method samples (threads in JNI,"
        + " e.g. ONNX Runtime, or waiting in epoll)%n%n", file, cpuSamples, nativeSamples);
    print("CPU samples by thread", byThread, cpuSamples, top, cpuPerRequest, "us");
    print("Self CPU: top of stack", self, cpuSamples, top, cpuPerRequest, "us");
    System.out.println("Hot methods with their most frequent callers");
    printStacks(self, selfStacks, cpuSamples, 15, cpuPerRequest, "us");
    Map<String, Double> product = new HashMap<>();
    Map<String, Double> libraries = new HashMap<>();
    total.forEach((k, v) -> (isProduct(k) ? product : libraries).put(k, v));
    print("Total CPU in io.inferbus methods (inclusive: the method and what it calls)", product, cpuSamples, top,
        cpuPerRequest, "us");
    print("Total CPU in Vert.x, Netty, Jackson, ONNX Runtime, Micrometer methods (inclusive)", libraries, cpuSamples,
        top, cpuPerRequest, "us");
    print("Native-method samples: top frame <- first library frame", nativeTop, nativeSamples, 10, 0, "");
    Allocations alloc = tlab.weight > 0 ? tlab : sampled;
    System.out.printf(Locale.ROOT, "Allocation, from %s (%.1f MB)%n%n", alloc.source, alloc.weight / 1e6);
    print("Allocation by class", alloc.byClass, alloc.weight, top, bytesPerRequest, "B");
    print("Allocation by the first frame of the product or its libraries", alloc.byOwnFrame, alloc.weight, top,
        bytesPerRequest, "B");
    System.out.println("Allocation sites (class @ allocating method) with their most frequent callers");
    printStacks(alloc.bySite, alloc.stacks, alloc.weight, top, bytesPerRequest, "B");
  }

  /** Allocation weights from one kind of event, by class, by site and by the first library frame. */
  private static final class Allocations {
    final String source;
    final Map<String, Double> byClass = new HashMap<>();
    final Map<String, Double> bySite = new HashMap<>();
    final Map<String, Double> byOwnFrame = new HashMap<>();
    final Map<String, Map<String, Double>> stacks = new HashMap<>();
    double weight;

    Allocations(String source) {
      this.source = source;
    }

    void add(RecordedEvent e, List<RecordedFrame> frames, double w) {
      weight += w;
      String cls = e.getClass("objectClass").getName();
      byClass.merge(cls, w, Double::sum);
      String site = cls + " @ " + name(frames.get(0));
      bySite.merge(site, w, Double::sum);
      stacks.computeIfAbsent(site, k -> new HashMap<>()).merge(chain(frames, STACK_DEPTH + 3), w, Double::sum);
      byOwnFrame.merge(firstOwn(frames, n -> true), w, Double::sum);
    }
  }

  private static void print(String title, Map<String, Double> counts, double all, int top, double perRequest,
      String unit) {
    System.out.println(title);
    Map<String, Double> sorted = new LinkedHashMap<>();
    counts.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
        .forEach(en -> sorted.put(en.getKey(), en.getValue()));
    sorted.forEach((k, v) -> {
      double share = all == 0 ? 0 : v / all;
      if (perRequest > 0) {
        System.out.printf(Locale.ROOT, "  %5.1f%%  %8.1f %-2s  %s%n", 100 * share, share * perRequest, unit, k);
      } else {
        System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100 * share, k);
      }
    });
    System.out.println();
  }

  /** The most frequent call chain under each of the top self-time methods. */
  private static void printStacks(Map<String, Double> self, Map<String, Map<String, Double>> stacks, double all,
      int top, double perRequest, String unit) {
    self.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
        .forEach(en -> {
          System.out.printf(Locale.ROOT, "  %5.1f%% %8.1f %-2s  %s%n", 100 * en.getValue() / all,
              perRequest * en.getValue() / all, unit, en.getKey());
          stacks.get(en.getKey()).entrySet().stream()
              .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(3)
              .forEach(st -> System.out.printf(Locale.ROOT, "          %5.1f%% %8.1f %-2s  %s%n",
                  100 * st.getValue() / all, perRequest * st.getValue() / all, unit, st.getKey()));
        });
    System.out.println();
  }

  private static final int STACK_DEPTH = 9;

  /** The first frames of a stack, innermost first, with line numbers. */
  private static String chain(List<RecordedFrame> frames, int depth) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i < Math.min(depth, frames.size()); i++) {
      RecordedFrame f = frames.get(i);
      String type = f.getMethod().getType().getName();
      b.append(i == 1 ? "<- " : " <- ").append(type.substring(type.lastIndexOf('.') + 1)).append('.')
          .append(f.getMethod().getName()).append(':').append(f.getLineNumber());
    }
    return b.toString();
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static boolean isOwn(String name) {
    return OWN.stream().anyMatch(name::startsWith);
  }

  private static boolean isProduct(String name) {
    return name.startsWith("io.inferbus.") && !name.startsWith("io.inferbus.bench.");
  }

  private static String firstOwn(List<RecordedFrame> frames, Predicate<String> also) {
    for (RecordedFrame f : frames) {
      String n = name(f);
      if (isOwn(n) && also.test(n)) {
        return n + ":" + f.getLineNumber();
      }
    }
    return "(none)";
  }

  private static String threadGroup(String thread) {
    if (thread == null) {
      return "(unknown)";
    }
    if (thread.startsWith("vert.x-eventloop-thread")) {
      return "event loops";
    }
    if (thread.startsWith("inferbus-")) {
      return "instance workers";
    }
    return thread.replaceAll("[0-9]+", "N");
  }
}
