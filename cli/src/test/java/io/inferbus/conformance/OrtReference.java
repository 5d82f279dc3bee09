package io.inferbus.conformance;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.inferbus.conformance.SkipList.Entry;
import io.inferbus.conformance.SkipList.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The reference for what is possible: runs every backend test in ONNX Runtime (Java) in-process,
 * feeding the shipped inputs and comparing with the shipped outputs as the conformance test does,
 * and writes the skip list with ONNX Runtime's own reason for each test it cannot load, run or
 * reproduce. Run it through {@code tools/onnx-conformance-skip-list}, never by hand-editing the list.
 *
 * <p>Arguments: {@code [--data <dir>] [--out <file>] [--only <suite/test>]}; {@code --only} prints
 * the outcome of one test and writes nothing.
 */
public final class OrtReference {

  /** The outcome of one test in ONNX Runtime: null entry when it passes and can be served. */
  record Outcome(BackendTest test, Entry entry, boolean ortPasses) {}

  /** Times each test is run; every run must reproduce the shipped outputs. */
  static final int RUNS = 3;

  private final OrtEnvironment env;

  OrtReference(OrtEnvironment env) {
    this.env = env;
  }

  public static void main(String[] args) throws Exception {
    Path data = BackendTest.DATA;
    Path out = Path.of(SkipList.SOURCE_PATH);
    String only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--only" -> only = args[++i];
        default -> {
          System.err.println("usage: OrtReference [--data <dir>] [--out <file>] [--only <suite/test>]");
          System.exit(2);
        }
      }
    }
    if (!Files.isDirectory(data)) {
      System.err.println(data + " is missing: install the Debian package libonnx-testdata");
      System.exit(1);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "ort-reference");
    OrtReference reference = new OrtReference(env);
    List<BackendTest> tests = BackendTest.discover(data);
    if (only != null) {
      for (BackendTest t : tests) {
        if (t.id().equals(only)) {
          Outcome o = reference.run(t);
          System.out.println(o.entry() == null ? "PASS " + t.id() : o.entry().line());
        }
      }
      return;
    }
    long start = System.nanoTime();
    List<Outcome> outcomes = new ArrayList<>();
    for (BackendTest t : tests) {
      Outcome o = reference.run(t);
      outcomes.add(o);
      System.err.println((o.entry() == null ? "pass\t" + t.id() : o.entry().line()));
    }
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    List<String> lines = new ArrayList<>(header(env.getVersion(), outcomes, seconds));
    outcomes.stream().map(Outcome::entry).filter(e -> e != null).map(Entry::line).sorted().forEach(lines::add);
    Files.writeString(out, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    System.err.println();
    header(env.getVersion(), outcomes, seconds).forEach(System.err::println);
    System.err.println("wrote " + out.toAbsolutePath());
  }

  private static List<String> header(String ortVersion, List<Outcome> outcomes, long seconds) {
    Map<String, Integer> perSuite = new LinkedHashMap<>();
    Map<String, Integer> ortPassPerSuite = new LinkedHashMap<>();
    Map<String, Integer> tensorPerSuite = new LinkedHashMap<>();
    Map<Kind, Integer> perKind = new EnumMap<>(Kind.class);
    for (String s : BackendTest.SUITES) {
      perSuite.put(s, 0);
      ortPassPerSuite.put(s, 0);
      tensorPerSuite.put(s, 0);
    }
    int served = 0;
    for (Outcome o : outcomes) {
      String suite = o.test().suite();
      perSuite.merge(suite, 1, Integer::sum);
      if (o.entry() == null || o.entry().kind() != Kind.NOT_TENSOR) {
        tensorPerSuite.merge(suite, 1, Integer::sum);
      }
      if (o.ortPasses()) {
        ortPassPerSuite.merge(suite, 1, Integer::sum);
      }
      if (o.entry() == null) {
        served++;
      } else {
        perKind.merge(o.entry().kind(), 1, Integer::sum);
      }
    }
    int total = outcomes.size();
    int ortPass = ortPassPerSuite.values().stream().mapToInt(Integer::intValue).sum();
    int tensor = tensorPerSuite.values().stream().mapToInt(Integer::intValue).sum();
    List<String> h = new ArrayList<>();
    h.add("# ONNX backend tests (libonnx-testdata) that OnnxBackendConformanceTest does not serve through the gateway.");
    h.add("# Generated by tools/onnx-conformance-skip-list (io.inferbus.conformance.OrtReference): do not edit by hand.");
    h.add("# ONNX Runtime (Java) " + ortVersion + " in-process, default session options; test data "
        + testDataVersion() + "; generated " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " in " + seconds + " s.");
    h.add("# Comparison: rtol " + Comparison.RTOL + ", atol " + Comparison.ATOL
        + ", NaN equals NaN, integers, booleans and strings exact.");
    h.add("# tests: " + total + " (" + join(perSuite) + ")");
    h.add("# not-tensor (a sequence, map or optional input or output; not run): " + perKind.getOrDefault(Kind.NOT_TENSOR, 0));
    h.add("# tensor tests: " + tensor + " (" + join(tensorPerSuite) + ")");
    h.add("# ONNX Runtime passes: " + ortPass + " of " + tensor + " tensor tests (" + join(ortPassPerSuite) + ")");
    h.add("# on the list because of ONNX Runtime: " + perKind.entrySet().stream().filter(e -> e.getKey().isOrt())
        .mapToInt(Map.Entry::getValue).sum() + " (ort-load " + perKind.getOrDefault(Kind.ORT_LOAD, 0)
        + ", ort-java " + perKind.getOrDefault(Kind.ORT_JAVA, 0) + ", ort-run " + perKind.getOrDefault(Kind.ORT_RUN, 0)
        + ", ort-mismatch " + perKind.getOrDefault(Kind.ORT_MISMATCH, 0) + ")");
    h.add("# served through the gateway (every one must pass): " + served);
    h.add("# columns: <suite>/<test> TAB <kind> TAB <reason, one line>");
    return h;
  }

  private static String join(Map<String, Integer> m) {
    StringBuilder b = new StringBuilder();
    m.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    return b.toString();
  }

  private static String testDataVersion() {
    try {
      Process p = new ProcessBuilder("dpkg-query", "-W", "-f", "${Package} ${Version}", "libonnx-testdata")
          .redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 && !v.isEmpty() ? v : "libonnx-testdata (version unknown)";
    } catch (IOException | InterruptedException e) {
      return "libonnx-testdata (version unknown)";
    }
  }

  /** Runs one test in ONNX Runtime. */
  Outcome run(BackendTest test) {
    ModelSignature signature;
    List<BackendTest.DataSet> sets;
    try {
      signature = ModelSignature.parse(test.modelBytes());
      sets = test.dataSets();
    } catch (RuntimeException e) {
      return new Outcome(test, entry(test, Kind.ORT_LOAD, "the model cannot be read: " + e.getMessage()), false);
    }
    String nonTensor = signature.firstNonTensor();
    if (nonTensor != null) {
      return new Outcome(test, entry(test, Kind.NOT_TENSOR, nonTensor + " is not a tensor"), false);
    }
    OrtSession session;
    try {
      session = env.createSession(test.model().toString(), new OrtSession.SessionOptions());
    } catch (OrtException e) {
      return new Outcome(test, entry(test, Kind.ORT_LOAD, e.getMessage()), false);
    }
    try (session) {
      // Random ops (Bernoulli, training-mode Dropout) can match the shipped outputs by chance (a few
      // in a thousand): a test counts as reproduced only when each of RUNS runs reproduces it.
      for (int run = 1; run <= RUNS; run++) {
        for (BackendTest.DataSet set : sets) {
          Entry failed = runDataSet(test, signature, session, set);
          if (failed != null) {
            String reason = run == 1 ? failed.reason()
                : SkipList.oneLine("run " + run + " of " + RUNS + " (earlier runs reproduced it): " + failed.reason());
            return new Outcome(test, new Entry(test.id(), failed.kind(), reason), false);
          }
        }
      }
    } catch (OrtException | RuntimeException e) {
      return new Outcome(test, entry(test, Kind.ORT_RUN, e.toString()), false);
    }
    return new Outcome(test, null, true);
  }

  /** Runs one data set; null when ONNX Runtime reproduces every output, else the entry saying why not. */
  private Entry runDataSet(BackendTest test, ModelSignature signature, OrtSession session, BackendTest.DataSet set) {
    List<TensorValue> inputs = set.readInputs();
    List<TensorValue> expected = set.readOutputs();
    List<String> names = BackendTest.inputNames(signature, inputs);
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      for (int k = 0; k < inputs.size(); k++) {
        feed.put(names.get(k), OrtBridge.toOnnx(env, inputs.get(k)));
      }
      try (OrtSession.Result result = session.run(feed)) {
        for (int k = 0; k < expected.size(); k++) {
          String name = BackendTest.outputName(signature, expected.get(k), k);
          Optional<OnnxValue> value = result.get(name);
          if (value.isEmpty()) {
            return entry(test, Kind.ORT_RUN, set.name() + ": no output '" + name + "'");
          }
          String diff = Comparison.differs(name, expected.get(k), OrtBridge.fromOnnx(name, value.get()));
          if (diff != null) {
            return entry(test, Kind.ORT_MISMATCH, set.name() + ": " + diff);
          }
        }
      }
      return null;
    } catch (OrtBridge.Unfeedable e) {
      return entry(test, Kind.ORT_JAVA, declaredTypes(signature, names, inputs) + e.getMessage());
    } catch (OrtException e) {
      return entry(test, Kind.ORT_RUN, e.getMessage());
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  /** Inputs whose test data type differs from the model's declared type, as a reason's prefix. */
  private static String declaredTypes(ModelSignature signature, List<String> names, List<TensorValue> inputs) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < inputs.size(); k++) {
      for (ModelSignature.Value v : signature.inputs()) {
        if (v.name().equals(names.get(k)) && v.elemType() != 0 && v.elemType() != inputs.get(k).type()) {
          b.append("input '").append(v.name()).append("' is ").append(TensorValue.typeName(inputs.get(k).type()))
              .append(" in the test data but the model declares ").append(TensorValue.typeName(v.elemType()))
              .append("; ");
        }
      }
    }
    return b.toString();
  }

  private static Entry entry(BackendTest test, Kind kind, String reason) {
    return new Entry(test.id(), kind, SkipList.oneLine(reason));
  }
}
