package io.inferbus.conformance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checked-in list of backend tests the conformance test does not serve through the gateway,
 * {@code cli/src/test/resources/conformance/ort-skip-list.tsv}, written by {@link OrtReference}.
 * One line per test, {@code <suite>/<test> TAB <kind> TAB <reason>}, sorted; {@code #} lines are
 * comments. See {@link Kind}.
 */
final class SkipList {
  static final String RESOURCE = "/conformance/ort-skip-list.tsv";
  static final String SOURCE_PATH = "cli/src/test/resources/conformance/ort-skip-list.tsv";

  /** Why a test is not served. */
  enum Kind {
    /** An input or output is a sequence, map or optional: not a tensor test; not counted as ORT's. */
    NOT_TENSOR("not-tensor"),
    /** ONNX Runtime cannot load the model (training ops, kernels missing for old opsets or rare types). */
    ORT_LOAD("ort-load"),
    /** ONNX Runtime's Java API cannot create one of the inputs (UINT16, UINT32, UINT64). */
    ORT_JAVA("ort-java"),
    /** ONNX Runtime loads the model but fails to run it on the shipped inputs. */
    ORT_RUN("ort-run"),
    /** ONNX Runtime runs the model but its outputs differ from the shipped ones. */
    ORT_MISMATCH("ort-mismatch");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    /** True when the test is on the list because ONNX Runtime itself fails it. */
    boolean isOrt() {
      return this == ORT_LOAD || this == ORT_JAVA || this == ORT_RUN || this == ORT_MISMATCH;
    }

    static Kind of(String label) {
      for (Kind k : values()) {
        if (k.label.equals(label)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown kind '" + label + "' in the skip list");
    }
  }

  record Entry(String id, Kind kind, String reason) {
    String line() {
      return id + "\t" + kind.label + "\t" + reason;
    }
  }

  private SkipList() {}

  /** The checked-in list from the test classpath, by test id. */
  static Map<String, Entry> load() {
    Map<String, Entry> entries = new TreeMap<>();
    try (InputStream in = SkipList.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing: run tools/onnx-conformance-skip-list");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] cols = line.split("\t", 3);
        if (cols.length != 3) {
          throw new IllegalStateException("malformed line in " + RESOURCE + ": " + line);
        }
        entries.put(cols[0], new Entry(cols[0], Kind.of(cols[1]), cols[2]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }

  /** One line of a reason: whitespace collapsed, at most about 300 characters. */
  static String oneLine(String reason) {
    String s = (reason == null ? "(no message)" : reason).replaceAll("\\s+", " ").trim();
    return s.length() > 300 ? s.substring(0, 297) + "..." : s;
  }
}
