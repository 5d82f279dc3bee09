package io.inferbus.bench.batching;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.inferbus.protocol.tensor.Tensor;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Context for benchmark B: what one request to the convolutional model costs on the deployment side
 * outside the node, so the batching results can be read. {@code ortRun} with {@code rows} = 1 and 32
 * says how much a batch saves per row in ONNX Runtime itself (the most batching can win);
 * {@code decodeAzure} and {@code encodeAzure} are the per-request JSON work batching cannot share.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 4, time = 2)
public class ConvModelBenchmark {
  private static final Path REPO = Path.of(System.getProperty("inferbus.repo", ".")).toAbsolutePath().normalize();
  private static final Path MODEL = REPO.resolve("bench/models/conv-classifier.onnx");
  private static final Path SAMPLE = REPO.resolve("bench/models/conv-sample-request.json");

  /** ONNX Runtime on a tensor of {@code rows} images made once. */
  @State(Scope.Benchmark)
  public static class Runtime {
    /** Images per run. */
    @Param({"1", "32"})
    int rows;

    /** One thread: what the node gives each instance when it runs more instances than it has cores. */
    @Param("1")
    int intraOpThreads;

    private OrtSession session;
    private OnnxTensor images;
    private Map<String, OnnxTensor> feed;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        // OnnxModel.load's options
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(1);
        session = env.createSession(MODEL.toString(), options);
      }
      float[] pixels = new float[rows * 3 * 32 * 32];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (i % 1000) / 1000f;
      }
      images = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {rows, 3, 32, 32});
      feed = Map.of("images", images);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
      images.close();
      session.close();
    }
  }

  /** The product's codec on the sample request (one image) and its answer. */
  @State(Scope.Benchmark)
  public static class Codec {
    private ScoringRequestDecoder decoder;
    private Buffer body;
    private List<OutputValue> answer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      try (OnnxModel model = OnnxModel.load(MODEL, 1)) {
        decoder = new ScoringRequestDecoder(model.inputs());
        body = Buffer.buffer(Files.readAllBytes(SAMPLE));
        answer = model.run(decoder.decodeAzure(body), List.of());
      }
    }
  }

  /** ONNX Runtime alone on {@code rows} images; divide by rows for the cost per image. */
  @Benchmark
  public void ortRun(Runtime r, Blackhole bh) throws OrtException {
    try (OrtSession.Result result = r.session.run(r.feed)) {
      bh.consume(result);
    }
  }

  /** The 18 KB sample body (one image, 3072 numbers) to a tensor: paid per request, batched or not. */
  @Benchmark
  public List<Tensor> decodeAzure(Codec c) {
    return c.decoder.decodeAzure(c.body);
  }

  /** One image's answer to JSON. */
  @Benchmark
  public Buffer encodeAzure(Codec c) {
    return ScoringResponseEncoder.encodeAzure(c.answer);
  }
}
