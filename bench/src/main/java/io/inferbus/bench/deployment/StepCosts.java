package io.inferbus.bench.deployment;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.inferbus.protocol.tensor.Tensor;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Levels 1 and 2 again, in the level-3 process, measured as CPU time and allocated bytes of the calling
 * thread. On a busy machine JMH's wall-clock averages include the time the thread waited for a core;
 * thread CPU time does not, so these are the numbers to put next to level 3's CPU per request.
 */
final class StepCosts {
  /** One step's cost per call. */
  record Cost(double cpuMicros, double bytes) {}

  private StepCosts() {}

  /** Every step, in the order a request goes through them; "ORT alone" first. */
  static Map<String, Cost> measure(int intraOpThreads, int iterations) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, Cost> costs = new LinkedHashMap<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OnnxModel model = OnnxModel.load(ExampleModel.MODEL, intraOpThreads)) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      try (OrtSession session = env.createSession(ExampleModel.MODEL.toString(), options);
          OnnxTensor features = OnnxTensor.createTensor(env, ExampleModel.rows(1))) {
        Map<String, OnnxTensor> feed = Map.of(ExampleModel.INPUT, features);
        ScoringRequestDecoder decoder = new ScoringRequestDecoder(model.inputs());
        Buffer azure = ExampleModel.azureBody(1);
        Buffer v2 = ExampleModel.openInferenceBody(1);
        List<Tensor> decoded = decoder.decodeAzure(azure);
        List<OutputValue> outputs = model.run(decoded, List.of());
        List<Object> sink = new ArrayList<>(1);

        costs.put("ORT alone: OrtSession.run", measure(iterations, () -> {
          try (OrtSession.Result r = session.run(feed)) {
            keep(sink, r);
          } catch (OrtException e) {
            throw new IllegalStateException(e);
          }
        }));
        costs.put("decodeAzure", measure(iterations, () -> keep(sink, decoder.decodeAzure(azure))));
        costs.put("decodeOpenInference (V2)", measure(iterations, () -> keep(sink, decoder.decodeOpenInference(v2))));
        costs.put("OnnxModel.run (ORT + tensor conversions)", measure(iterations,
            () -> keep(sink, model.run(decoded, List.of()))));
        costs.put("encodeAzure", measure(iterations, () -> keep(sink, ScoringResponseEncoder.encodeAzure(outputs))));
        costs.put("encodeOpenInference (V2)", measure(iterations,
            () -> keep(sink, ScoringResponseEncoder.encodeOpenInference("credit", "blue", null, outputs))));
        costs.put("Azure: decode + run + encode", measure(iterations, () -> keep(sink,
            ScoringResponseEncoder.encodeAzure(model.run(decoder.decodeAzure(azure), List.of())))));
        costs.put("V2: decode + run + encode", measure(iterations, () -> {
          InferenceRequest request = decoder.decodeOpenInference(v2);
          keep(sink, ScoringResponseEncoder.encodeOpenInference("credit", "blue", request.id(),
              model.run(request.inputs(), request.requestedOutputs())));
        }));
      }
    }
    return costs;
  }

  private static Cost measure(int iterations, Runnable step) {
    for (int i = 0; i < iterations; i++) { // warm-up: compiled before it is measured
      step.run();
    }
    long cpu = ProcessCost.threadCpuNanos();
    long bytes = ProcessCost.threadAllocatedBytes();
    for (int i = 0; i < iterations; i++) {
      step.run();
    }
    return new Cost((ProcessCost.threadCpuNanos() - cpu) / 1000.0 / iterations,
        (double) (ProcessCost.threadAllocatedBytes() - bytes) / iterations);
  }

  /** Keeps the last result reachable so the JIT cannot drop the work (a poor man's Blackhole). */
  private static void keep(List<Object> sink, Object value) {
    if (sink.isEmpty()) {
      sink.add(value);
    } else {
      sink.set(0, value);
    }
  }
}
