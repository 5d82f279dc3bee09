package io.inferbus.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One test of ONNX's backend test data: {@code <suite>/<test>/model.onnx} and its
 * {@code test_data_set_N/input_K.pb, output_K.pb}.
 */
record BackendTest(String suite, String name, Path dir) {
  /** Where Debian's libonnx-testdata puts the data. */
  static final Path DATA = Path.of("/usr/share/libonnx-testdata/data");
  /** The suites the conformance test covers ({@code real/} holds full-size models and is left out). */
  static final List<String> SUITES = List.of("node", "simple", "pytorch-converted", "pytorch-operator");

  /** {@code <suite>/<test>}, the key of the skip list. */
  String id() {
    return suite + "/" + name;
  }

  Path model() {
    return dir.resolve("model.onnx");
  }

  byte[] modelBytes() {
    try {
      return Files.readAllBytes(model());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The test data sets, in order. */
  List<DataSet> dataSets() {
    try (Stream<Path> sets = Files.list(dir)) {
      List<Path> dirs = sets.filter(p -> p.getFileName().toString().startsWith("test_data_set_"))
          .sorted(Comparator.comparingInt(p -> suffix(p, "test_data_set_"))).toList();
      List<DataSet> out = new ArrayList<>();
      for (Path d : dirs) {
        out.add(new DataSet(d.getFileName().toString(), files(d, "input_"), files(d, "output_")));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code input_K.pb} or {@code output_K.pb} files of a data set, by K. */
  private static List<Path> files(Path dataSet, String prefix) throws IOException {
    try (Stream<Path> files = Files.list(dataSet)) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".pb"))
          .sorted(Comparator.comparingInt(p -> suffix(p, prefix))).toList();
    }
  }

  private static int suffix(Path p, String prefix) {
    String s = p.getFileName().toString().substring(prefix.length());
    int dot = s.indexOf('.');
    return Integer.parseInt(dot < 0 ? s : s.substring(0, dot));
  }

  /** One data set: its input and output files, by K. */
  record DataSet(String name, List<Path> inputs, List<Path> outputs) {
    List<TensorValue> readInputs() {
      return read(inputs);
    }

    List<TensorValue> readOutputs() {
      return read(outputs);
    }

    private static List<TensorValue> read(List<Path> files) {
      List<TensorValue> out = new ArrayList<>();
      for (Path f : files) {
        try {
          out.add(TensorValue.parse(Files.readAllBytes(f)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return out;
    }
  }

  /** Every test of the covered suites under {@code root}, sorted by id. */
  static List<BackendTest> discover(Path root) {
    List<BackendTest> tests = new ArrayList<>();
    for (String suite : SUITES) {
      Path dir = root.resolve(suite);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> children = Files.list(dir)) {
        children.filter(p -> Files.exists(p.resolve("model.onnx")))
            .forEach(p -> tests.add(new BackendTest(suite, p.getFileName().toString(), p)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    tests.sort(Comparator.comparing(BackendTest::id));
    return tests;
  }

  /**
   * The names the data set's inputs are fed under: the TensorProto's own name when it is one of the
   * model's inputs, else the K-th graph input that is not an initializer.
   */
  static List<String> inputNames(ModelSignature signature, List<TensorValue> inputs) {
    List<String> graphInputs = signature.inputs().stream().map(ModelSignature.Value::name).toList();
    List<String> names = new ArrayList<>();
    for (int k = 0; k < inputs.size(); k++) {
      String own = inputs.get(k).name();
      if (own != null && !own.isEmpty() && graphInputs.contains(own)) {
        names.add(own);
      } else if (k < graphInputs.size()) {
        names.add(graphInputs.get(k));
      } else {
        throw new IllegalArgumentException("input_" + k + ".pb has no matching graph input (the model has "
            + graphInputs.size() + ")");
      }
    }
    return names;
  }

  /** The name of output K: the TensorProto's own name when it is one of the model's outputs, else the K-th. */
  static String outputName(ModelSignature signature, TensorValue expected, int k) {
    List<String> graphOutputs = signature.outputs().stream().map(ModelSignature.Value::name).toList();
    String own = expected.name();
    if (own != null && !own.isEmpty() && graphOutputs.contains(own)) {
      return own;
    }
    if (k < graphOutputs.size()) {
      return graphOutputs.get(k);
    }
    throw new IllegalArgumentException("output_" + k + ".pb has no matching graph output (the model has "
        + graphOutputs.size() + ")");
  }
}
