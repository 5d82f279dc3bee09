package io.inferbus.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import io.inferbus.conformance.SkipList.Entry;
import io.inferbus.conformance.SkipList.Kind;
import io.inferbus.testing.TestNode;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * ONNX's own backend test data (Debian package libonnx-testdata) served through a real embedded
 * node: every test of node/, simple/, pytorch-converted/ and pytorch-operator/ whose inputs and
 * outputs are tensors, and that ONNX Runtime itself passes in-process (the checked-in skip list,
 * written by {@link OrtReference}), is registered as a model, deployed, and scored over the Open
 * Inference Protocol (V2) JSON on the gateway; every output must match the shipped output_K.pb
 * within rtol 1e-3, atol 1e-5. Skipped only when the test data is not installed.
 */
class OnnxBackendConformanceTest {
  private static final String ENDPOINT = "conformance";
  /** Deployments alive at once: created, scored, then deleted, to bound memory. */
  private static final int BATCH = 50;
  /** HTTP calls in flight at once (the node does the work; 2 cores). */
  private static final int CLIENTS = 4;
  private static final long READY_TIMEOUT_NANOS = 180_000_000_000L;

  @TempDir
  static Path dataDir;

  /** One backend test served through the gateway, with the names it has there. */
  private record Served(BackendTest test, String model, String deployment) {}

  @Test
  void skipListWasMadeByThisOnnxRuntimeAndCoversOnlyRealTests() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(BackendTest.DATA),
        BackendTest.DATA + " is absent: install the Debian package libonnx-testdata (.ci/run does)");
    String header;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        SkipList.class.getResourceAsStream(SkipList.RESOURCE), StandardCharsets.UTF_8))) {
      header = r.lines().filter(l -> l.startsWith("# ONNX Runtime (Java) ")).findFirst().orElse("");
    }
    String version = ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
    assertTrue(header.startsWith("# ONNX Runtime (Java) " + version + " "), "the skip list was made by another "
        + "ONNX Runtime (" + header + "), this is " + version + ": run tools/onnx-conformance-skip-list");
    Map<String, BackendTest> tests = new HashMap<>();
    BackendTest.discover(BackendTest.DATA).forEach(t -> tests.put(t.id(), t));
    List<String> unknown = SkipList.load().keySet().stream().filter(id -> !tests.containsKey(id)).toList();
    assertEquals(List.of(), unknown, "skip-list entries for tests the data does not have: run "
        + "tools/onnx-conformance-skip-list");
  }

  @Test
  void everyTensorTestOnnxRuntimePassesAlsoPassesThroughTheGateway() throws Exception {
    Assumptions.assumeTrue(Files.isDirectory(BackendTest.DATA),
        BackendTest.DATA + " is absent: install the Debian package libonnx-testdata (.ci/run does)");
    long started = System.nanoTime();
    List<BackendTest> all = BackendTest.discover(BackendTest.DATA);
    Map<String, Entry> skip = SkipList.load();
    Map<Kind, Integer> skipped = new EnumMap<>(Kind.class);
    Map<String, Integer> perSuite = new LinkedHashMap<>();
    List<Served> served = new ArrayList<>();
    for (BackendTest t : all) {
      perSuite.merge(t.suite(), 1, Integer::sum);
      Entry e = skip.get(t.id());
      if (e != null) {
        skipped.merge(e.kind(), 1, Integer::sum);
      } else {
        int n = served.size() + 1;
        served.add(new Served(t, String.format("c-%04d", n), String.format("t%04d", n)));
      }
    }

    Map<String, String> failures = new ConcurrentHashMap<>();
    ch.qos.logback.classic.Logger inferbusLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.inferbus");
    Level level = inferbusLog.getLevel();
    inferbusLog.setLevel(Level.WARN); // a thousand deployments come and go: keep only what goes wrong
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    Gateway gateway = null;
    try (TestNode node = TestNode.start(dataDir)) {
      gateway = new Gateway(node);
      gateway.createEndpoint();
      for (int from = 0; from < served.size(); from += BATCH) {
        List<Served> batch = served.subList(from, Math.min(served.size(), from + BATCH));
        runBatch(gateway, batch, pool, failures);
      }
    } finally {
      pool.shutdownNow();
      inferbusLog.setLevel(level);
    }

    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    int ortSkipped = skipped.entrySet().stream().filter(e -> e.getKey().isOrt()).mapToInt(Map.Entry::getValue).sum();
    String counts = "ONNX backend conformance through the gateway: " + all.size() + " tests ("
        + perSuite.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
        + "); not-tensor " + skipped.getOrDefault(Kind.NOT_TENSOR, 0)
        + "; on the skip list because ONNX Runtime itself fails them " + ortSkipped
        + "; served " + served.size() + ", passed " + (served.size() - failures.size())
        + ", failed " + failures.size() + " (the passing ones: " + gateway.dataSets + " data sets (" + gateway.binarySets
        + " of them as binary tensor data), " + gateway.outputs
        + " outputs, " + gateway.elements + " elements compared); " + seconds + " s";
    System.out.println(counts);
    if (!failures.isEmpty()) {
      String list = failures.entrySet().stream().sorted(Map.Entry.comparingByKey())
          .map(e -> "  " + e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n"));
      fail(failures.size() + " of " + served.size() + " backend tests that ONNX Runtime passes in-process fail "
          + "through the gateway:\n" + list + "\n" + counts);
    }
  }

  private static void runBatch(Gateway gateway, List<Served> batch, ExecutorService pool, Map<String, String> failures)
      throws Exception {
    // register and deploy
    List<Served> deployed = new ArrayList<>();
    Map<Served, Future<String>> creating = new LinkedHashMap<>();
    for (Served s : batch) {
      creating.put(s, pool.submit(() -> gateway.deploy(s)));
    }
    for (Map.Entry<Served, Future<String>> e : creating.entrySet()) {
      String problem = e.getValue().get();
      if (problem == null) {
        deployed.add(e.getKey());
      } else {
        failures.put(e.getKey().test().id(), problem);
      }
    }
    // wait until each is ready (or failed with its reason)
    List<Served> ready = new ArrayList<>();
    List<Served> pending = new ArrayList<>(deployed);
    long deadline = System.nanoTime() + READY_TIMEOUT_NANOS;
    while (!pending.isEmpty()) {
      for (var it = pending.iterator(); it.hasNext(); ) {
        Served s = it.next();
        String state = gateway.state(s);
        if (state.equals("Succeeded")) {
          ready.add(s);
          it.remove();
        } else if (state.startsWith("Failed") || state.startsWith("GET")) {
          failures.put(s.test().id(), "the deployment did not become ready: " + state);
          it.remove();
        } // else Creating, or Succeeded before the gateway's routing table has the instance: wait
      }
      if (!pending.isEmpty()) {
        if (System.nanoTime() > deadline) {
          for (Served s : pending) {
            failures.put(s.test().id(), "the deployment was not ready after " + READY_TIMEOUT_NANOS / 1_000_000_000L
                + " s: " + gateway.state(s));
          }
          break;
        }
        LockSupport.parkNanos(100_000_000L); // polling interval, not a wait for state
      }
    }
    // score every data set and compare
    List<Future<?>> scoring = new ArrayList<>();
    for (Served s : ready) {
      scoring.add(pool.submit(() -> {
        String problem = gateway.score(s);
        if (problem != null) {
          failures.put(s.test().id(), problem);
        }
      }));
    }
    for (Future<?> f : scoring) {
      f.get();
    }
    // free the instances (a deployment without traffic may be deleted)
    List<Future<?>> deleting = new ArrayList<>();
    for (Served s : deployed) {
      deleting.add(pool.submit(() -> {
        gateway.delete(s);
        return null;
      }));
    }
    for (Future<?> f : deleting) {
      f.get();
    }
  }

  /** The management API and the V2 scoring routes of the node, as a caller uses them. */
  private static final class Gateway {
    private final TestNode node;
    private final String token;
    private String key;
    /** Data sets scored and outputs and elements compared, over the tests that passed. */
    final AtomicLong dataSets = new AtomicLong();
    /** Data sets sent in the binary tensor data extension rather than JSON. */
    final AtomicLong binarySets = new AtomicLong();
    final AtomicLong outputs = new AtomicLong();
    final AtomicLong elements = new AtomicLong();

    Gateway(TestNode node) throws Exception {
      this.node = node;
      this.token = node.adminToken();
    }

    void createEndpoint() throws Exception {
      HttpResponse<String> r = node.https.json("PUT", node.control() + "/endpoints/" + ENDPOINT, token,
          new JsonObject().put("auth_mode", "key").put("description", "ONNX backend conformance"));
      assertEquals(201, r.statusCode(), r.body());
      key = node.primaryKey(ENDPOINT);
    }

    /** Registers the model and creates its deployment; null when both were accepted, else why not. */
    String deploy(Served s) {
      try {
        HttpResponse<String> model = node.https.send("PUT", node.control() + "/models/" + s.model() + "/versions/1",
            token, "application/octet-stream", s.test().modelBytes());
        if (model.statusCode() != 201 && model.statusCode() != 200) {
          return "registering the model: " + model.statusCode() + " " + oneLine(model.body());
        }
        HttpResponse<String> deployment = node.https.json("PUT", deploymentUrl(s), token, new JsonObject()
            .put("model", s.model() + ":1").put("instance_count", 1)
            .put("request_settings", new JsonObject().put("request_timeout_ms", 60_000)));
        if (deployment.statusCode() != 201) {
          return "creating the deployment: " + deployment.statusCode() + " " + oneLine(deployment.body());
        }
        return null;
      } catch (Exception e) {
        return "deploying: " + e;
      }
    }

    /** "Succeeded", "Creating", or "Failed: <reason>" (any other state with its detail). */
    String state(Served s) {
      try {
        HttpResponse<String> r = node.https.get(deploymentUrl(s), token);
        if (r.statusCode() != 200) {
          return "GET deployment: " + r.statusCode() + " " + oneLine(r.body());
        }
        JsonObject d = new JsonObject(r.body());
        String state = d.getString("provisioning_state");
        if ("Succeeded".equals(state)) {
          HttpResponse<String> ready = node.https.get(node.scoring() + "/v2/models/" + ENDPOINT + "/versions/"
              + s.deployment() + "/ready", key);
          return ready.statusCode() == 200 ? state : "Succeeded but V2 ready answers " + ready.statusCode() + " "
              + oneLine(ready.body());
        }
        return "Failed".equals(state) ? "Failed: " + d.getString("failure_reason") : state;
      } catch (Exception e) {
        return "GET deployment: " + e;
      }
    }

    /**
     * Whether a data set goes in the binary tensor data extension: always when an input holds NaN or
     * an infinity (JSON has no such numbers), and for every other test so both layouts are covered.
     */
    private static boolean binary(Served s, List<TensorValue> inputs) {
      return inputs.stream().anyMatch(TensorValue::hasNonFinite) || s.deployment().hashCode() % 2 != 0;
    }

    /** Scores every data set; null when every output matches, else the first problem. */
    String score(Served s) {
      try {
        ModelSignature signature = ModelSignature.parse(s.test().modelBytes());
        long sets = 0;
        long compared = 0;
        long values = 0;
        for (BackendTest.DataSet set : s.test().dataSets()) {
          List<TensorValue> inputs = set.readInputs();
          List<TensorValue> expected = set.readOutputs();
          List<String> names = BackendTest.inputNames(signature, inputs);
          String url = node.scoring() + "/v2/models/" + ENDPOINT + "/versions/" + s.deployment() + "/infer";
          Map<String, TensorValue> byName;
          if (binary(s, inputs)) {
            binarySets.incrementAndGet();
            V2Json.BinaryRequest request = V2Json.binaryRequest(set.name(), names, inputs);
            HttpResponse<byte[]> r = node.https.sendBytes("POST", url, key, "application/octet-stream", request.body(),
                "Inference-Header-Content-Length", Integer.toString(request.jsonLength()));
            if (r.statusCode() != 200) {
              return set.name() + " (binary): " + r.statusCode() + " " + oneLine(new String(r.body(), StandardCharsets.UTF_8));
            }
            String jsonLength = r.headers().firstValue("Inference-Header-Content-Length").orElse(null);
            if (jsonLength == null) {
              return set.name() + " (binary): the answer has no Inference-Header-Content-Length header";
            }
            try {
              byName = V2Json.binaryOutputs(r.body(), Integer.parseInt(jsonLength));
            } catch (RuntimeException e) {
              return set.name() + " (binary): " + e.getMessage();
            }
          } else {
            HttpResponse<String> r = node.https.send("POST", url, key, "application/json",
                V2Json.request(set.name(), names, inputs));
            if (r.statusCode() != 200) {
              return set.name() + ": " + r.statusCode() + " " + oneLine(r.body());
            }
            byName = new HashMap<>();
            try {
              for (Object o : new JsonObject(r.body()).getJsonArray("outputs")) {
                byName.put(((JsonObject) o).getString("name"), V2Json.output((JsonObject) o));
              }
            } catch (RuntimeException e) {
              return set.name() + ": " + e.getMessage();
            }
          }
          for (int k = 0; k < expected.size(); k++) {
            String name = BackendTest.outputName(signature, expected.get(k), k);
            TensorValue actual = byName.get(name);
            if (actual == null) {
              return set.name() + ": no output '" + name + "' in the answer (it has " + byName.keySet() + ")";
            }
            String diff = Comparison.differs(name, expected.get(k), actual);
            if (diff != null) {
              return set.name() + ": " + diff;
            }
            compared++;
            values += actual.count();
          }
          sets++;
        }
        if (sets == 0 || compared == 0) {
          return "the test has no data set with outputs to compare";
        }
        dataSets.addAndGet(sets);
        outputs.addAndGet(compared);
        elements.addAndGet(values);
        return null;
      } catch (Exception e) {
        return "scoring: " + e;
      }
    }

    void delete(Served s) throws Exception {
      HttpResponse<String> r = node.https.json("DELETE", deploymentUrl(s), token, null);
      if (r.statusCode() != 200 && r.statusCode() != 204) {
        throw new AssertionError("DELETE " + s.deployment() + " (" + s.test().id() + "): " + r.statusCode() + " "
            + r.body());
      }
    }

    private String deploymentUrl(Served s) {
      return node.control() + "/endpoints/" + ENDPOINT + "/deployments/" + s.deployment();
    }

    private static String oneLine(String body) {
      return SkipList.oneLine(body);
    }
  }
}
