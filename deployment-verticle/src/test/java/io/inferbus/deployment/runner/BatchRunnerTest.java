package io.inferbus.deployment.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The batch runner on real models in ONNX Runtime: stacked runs give each request what it gets alone. */
class BatchRunnerTest {
  private static final Path CREDIT = Path.of("..", "examples", "credit-scoring", "model", "german-credit-bad-risk.onnx");
  private static final Path FLATTEN_ROWS = Path.of("..", "testdata", "models", "flatten-rows.onnx");

  /** Counts the runs and rows the runner reports. */
  static final class CountedRuns implements BatchRunner.Runs {
    int started;
    final List<Long> rows = new ArrayList<>();

    @Override
    public void started() {
      started++;
    }

    @Override
    public void ended(long rows, long nanos) {
      this.rows.add(rows);
      assertTrue(nanos > 0);
    }
  }

  private static InferenceRequest azure(ScoringRequestDecoder decoder, double... row) {
    JsonArray values = new JsonArray();
    for (double v : row) {
      values.add(v);
    }
    Buffer body = new JsonObject().put("input_data", new JsonArray().add(values)).toBuffer();
    return new InferenceRequest(null, decoder.decodeAzure(body), List.of());
  }

  /** The outputs as the Azure ML answer's JSON. */
  private static String json(List<OutputValue> outputs) {
    return ScoringResponseEncoder.encodeAzure(outputs).toString();
  }

  @Test
  void requestsStackedIntoOneRunGetWhatEachGetsAlone() {
    try (OnnxModel model = OnnxModel.load(CREDIT, 1)) {
      ScoringRequestDecoder decoder = new ScoringRequestDecoder(model.inputs());
      CountedRuns runs = new CountedRuns();
      BatchRunner runner = new BatchRunner("test", model, 16, runs);
      assertTrue(model.batchable());
      assertEquals(16, runner.maxRows());
      List<InferenceRequest> requests = List.of(
          azure(decoder, 6, 1169, 4, 4, 67, 2, 1),
          azure(decoder, 48, 5951, 2, 2, 22, 1, 1),
          azure(decoder, 12, 2096, 2, 3, 49, 1, 2));
      List<BatchRunner.Result> together = runner.run(requests);
      assertEquals(1, runs.started, "one ONNX Runtime run for the three");
      assertEquals(List.of(3L), runs.rows);
      assertEquals(3, together.size());
      for (int i = 0; i < requests.size(); i++) {
        BatchRunner.Result alone = runner.run(List.of(requests.get(i))).get(0);
        assertTrue(together.get(i).succeeded(), "request " + i);
        assertEquals(json(alone.outputs()), json(together.get(i).outputs()), "request " + i);
      }
      assertEquals(4, runs.started);
    }
  }

  @Test
  void aDeploymentWithoutBatchingRunsOneRowAtATime() {
    try (OnnxModel model = OnnxModel.load(CREDIT, 1)) {
      assertEquals(1, new BatchRunner("test", model, 1, BatchRunner.Runs.NONE).maxRows());
    }
  }

  @Test
  void aModelWhoseOutputsDoNotFollowTheRowsIsRunRequestByRequestFromThenOn() {
    try (OnnxModel model = OnnxModel.load(FLATTEN_ROWS, 1)) {
      ScoringRequestDecoder decoder = new ScoringRequestDecoder(model.inputs());
      CountedRuns runs = new CountedRuns();
      BatchRunner runner = new BatchRunner("test", model, 8, runs);
      assertEquals(8, runner.maxRows(), "its first dimensions are dynamic: it looks batchable");
      List<BatchRunner.Result> results = runner.run(List.of(azure(decoder, 1, 1.5, 1.25), azure(decoder, 2, 2.5, 2.25)));
      assertEquals(1, runner.maxRows(), "batching is off once a stacked run could not be split");
      assertEquals(3, runs.started, "the stacked run, then each request alone");
      assertEquals("y" , results.get(0).outputs().get(0).name());
      assertEquals(new JsonObject().put("y", new JsonArray().add(1.0).add(1.5).add(1.25)),
          new JsonObject(json(results.get(0).outputs())), "each gets its own rows only");
      assertEquals(new JsonObject().put("y", new JsonArray().add(2.0).add(2.5).add(2.25)),
          new JsonObject(json(results.get(1).outputs())));
    }
  }

  @Test
  void aFailedRunFailsEveryRequestInItWithTheModelsReason() {
    try (OnnxModel model = OnnxModel.load(CREDIT, 1)) {
      ScoringRequestDecoder decoder = new ScoringRequestDecoder(model.inputs());
      BatchRunner runner = new BatchRunner("test", model, 16, BatchRunner.Runs.NONE);
      InferenceRequest unknownOutput = new InferenceRequest(null, azure(decoder, 1, 2, 3, 4, 5, 6, 7).inputs(),
          List.of("no_such_output"));
      List<BatchRunner.Result> results = runner.run(List.of(unknownOutput, unknownOutput));
      for (BatchRunner.Result r : results) {
        assertNotNull(r.failure());
        InferbusException e = assertInstanceOf(InferbusException.class, r.failure());
        assertEquals(FailureKind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().contains("no_such_output"), e.getMessage());
      }
    }
  }
}
