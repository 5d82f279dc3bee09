package io.inferbus.deployment.runner;

import io.inferbus.deployment.batching.TensorBatches;
import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one instance's model on a batch of decoded requests (Triton's backend "execute"): one request
 * alone, or several of the same shape stacked along their first dimension into one ONNX Runtime run
 * and its outputs split back by rows. A model whose outputs turn out not to follow its input rows (a
 * flattening output, say) is run request by request from then on. Blocking: call it on a runner
 * thread. Thread-safe.
 */
public final class BatchRunner {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

  /** One request's part of a run: its outputs, or why it has none; and how long the run it was in took. */
  public record Result(List<OutputValue> outputs, RuntimeException failure, long runNanos) {
    public boolean succeeded() {
      return failure == null;
    }
  }

  /** Hears of each model run (the instance's metrics). */
  public interface Runs {
    /** A run starts (counted now, so a long run shows at once). */
    void started();

    /** A run of {@code rows} rows ended after {@code nanos}. */
    void ended(long rows, long nanos);

    Runs NONE = new Runs() {
      @Override
      public void started() {
      }

      @Override
      public void ended(long rows, long nanos) {
      }
    };
  }

  private final String instanceId;
  private final OnnxModel model;
  private final int maxBatchSize;
  private final Runs runs;
  /** Set once a batched run's outputs could not be split back by rows. */
  private volatile boolean batchingBroken;

  /**
   * @param maxBatchSize rows per run the deployment allows (1: no batching)
   */
  public BatchRunner(String instanceId, OnnxModel model, int maxBatchSize, Runs runs) {
    this.instanceId = instanceId;
    this.model = model;
    this.maxBatchSize = Math.max(1, maxBatchSize);
    this.runs = runs;
  }

  /** Rows a run may take now: 1 when the deployment does not batch, the model cannot, or batching broke. */
  public long maxRows() {
    return maxBatchSize > 1 && model.batchable() && !batchingBroken ? maxBatchSize : 1;
  }

  /**
   * Runs the requests, stacked when there are several (the caller has grouped requests of one batch
   * key, within {@link #maxRows()}); a result per request, in order.
   */
  public List<Result> run(List<InferenceRequest> requests) {
    if (requests.size() == 1) {
      return List.of(runOne(requests.get(0)));
    }
    List<List<Tensor>> inputs = new ArrayList<>(requests.size());
    long[] rows = new long[requests.size()];
    long total = 0;
    for (int i = 0; i < requests.size(); i++) {
      inputs.add(requests.get(i).inputs());
      rows[i] = TensorBatches.rows(requests.get(i).inputs());
      total += rows[i];
    }
    List<Result> results = new ArrayList<>(requests.size());
    List<OutputValue> outputs;
    runs.started();
    long t0 = System.nanoTime();
    long nanos;
    try {
      outputs = model.run(TensorBatches.concat(inputs), requests.get(0).requestedOutputs());
    } catch (RuntimeException e) {
      nanos = System.nanoTime() - t0;
      runs.ended(total, nanos);
      for (int i = 0; i < requests.size(); i++) {
        results.add(new Result(null, e, nanos));
      }
      return results;
    }
    nanos = System.nanoTime() - t0;
    runs.ended(total, nanos);
    List<List<OutputValue>> split;
    try {
      split = TensorBatches.split(outputs, rows);
    } catch (IllegalStateException e) {
      if (!batchingBroken) {
        batchingBroken = true;
        LOG.warn("instance {}: batching turned off, the model's outputs do not follow its input rows: {}",
            instanceId, e.getMessage());
      }
      for (InferenceRequest request : requests) {
        results.add(runOne(request));
      }
      return results;
    }
    for (List<OutputValue> part : split) {
      results.add(new Result(part, null, nanos));
    }
    return results;
  }

  private Result runOne(InferenceRequest request) {
    long rows = Math.max(1, TensorBatches.rows(request.inputs()));
    runs.started();
    long t0 = System.nanoTime();
    try {
      List<OutputValue> outputs = model.run(request.inputs(), request.requestedOutputs());
      long nanos = System.nanoTime() - t0;
      runs.ended(rows, nanos);
      return new Result(outputs, null, nanos);
    } catch (RuntimeException e) {
      long nanos = System.nanoTime() - t0;
      runs.ended(rows, nanos);
      return new Result(null, e, nanos);
    }
  }
}
