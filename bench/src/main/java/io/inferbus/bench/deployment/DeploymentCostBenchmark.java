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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Benchmark A, levels 1 and 2: the deployment side's work for one request of the example model, one
 * thread, without the event bus. Each step is its own benchmark so the report can show where the time
 * goes; {@code l1_ortRun} is the baseline every other number is compared with.
 *
 * <ul>
 *   <li>{@code l1_ortRun}: ONNX Runtime alone, {@code OrtSession.run} on a tensor made once (the session
 *       created with OnnxModel's options).
 *   <li>{@code l2_*}: the product classes: {@link ScoringRequestDecoder} (body to tensors),
 *       {@link OnnxModel#run} (tensors to ONNX Runtime and back), {@link ScoringResponseEncoder}; each alone
 *       and chained, on the Azure ML body and on the V2 body.
 * </ul>
 *
 * <p>Run with {@code -prof gc} for bytes per request ({@code gc.alloc.rate.norm}); bench/run-deployment-cost.sh
 * does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 5, time = 2)
public class DeploymentCostBenchmark {
  /** Rows per request: 1 is the target; the sample request has 4. */
  @Param("1")
  int rows;

  /**
   * ONNX Runtime intra-op threads. A node gives each instance cores / instances (2 here for one
   * instance); one thread measures the work itself without the pool's hand-offs.
   */
  @Param("1")
  int intraOpThreads;

  private OrtEnvironment env;
  private OrtSession session;
  private OnnxTensor features;
  private Map<String, OnnxTensor> feed;

  private OnnxModel model;
  private ScoringRequestDecoder decoder;
  private Buffer azureBody;
  private Buffer openInferenceBody;
  private List<Tensor> decoded;
  private List<OutputValue> outputs;

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // the options OnnxModel.load uses, so level 1 and level 2 run the same session configuration
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      session = env.createSession(ExampleModel.MODEL.toString(), options);
    }
    features = OnnxTensor.createTensor(env, ExampleModel.rows(rows));
    feed = Map.of(ExampleModel.INPUT, features);

    model = OnnxModel.load(ExampleModel.MODEL, intraOpThreads);
    decoder = new ScoringRequestDecoder(model.inputs());
    azureBody = ExampleModel.azureBody(rows);
    openInferenceBody = ExampleModel.openInferenceBody(rows);
    decoded = decoder.decodeAzure(azureBody);
    outputs = model.run(decoded, List.of());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    features.close();
    session.close();
    model.close();
  }

  // ------------------------------------------------------------------ level 1: the baseline

  @Benchmark
  public void l1_ortRun(Blackhole bh) throws OrtException {
    try (OrtSession.Result result = session.run(feed)) {
      bh.consume(result);
    }
  }

  // ------------------------------------------------------------------ level 2: the steps alone

  @Benchmark
  public List<Tensor> l2_decodeAzure() {
    return decoder.decodeAzure(azureBody);
  }

  @Benchmark
  public InferenceRequest l2_decodeV2() {
    return decoder.decodeOpenInference(openInferenceBody);
  }

  /** Tensors in, outputs as Java arrays out: ONNX Runtime plus OnnxModel's conversions both ways. */
  @Benchmark
  public List<OutputValue> l2_modelRun() {
    return model.run(decoded, List.of());
  }

  @Benchmark
  public Buffer l2_encodeAzure() {
    return ScoringResponseEncoder.encodeAzure(outputs);
  }

  @Benchmark
  public Buffer l2_encodeV2() {
    return ScoringResponseEncoder.encodeOpenInference("credit", "blue", null, outputs);
  }

  // ------------------------------------------------------------------ level 2: chained, as a worker does

  @Benchmark
  public Buffer l2_azureDecodeRunEncode() {
    return ScoringResponseEncoder.encodeAzure(model.run(decoder.decodeAzure(azureBody), List.of()));
  }

  @Benchmark
  public Buffer l2_v2DecodeRunEncode() {
    InferenceRequest request = decoder.decodeOpenInference(openInferenceBody);
    return ScoringResponseEncoder.encodeOpenInference("credit", "blue", request.id(),
        model.run(request.inputs(), request.requestedOutputs()));
  }
}
