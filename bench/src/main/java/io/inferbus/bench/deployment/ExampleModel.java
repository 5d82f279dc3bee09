package io.inferbus.bench.deployment;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The example model (examples/credit-scoring) and the batch-1 request bodies the deployment benchmarks
 * send: the first row of the example's sample-request.json, in the Azure ML and in the V2 format.
 */
final class ExampleModel {
  /** Where the repository is: -Dinferbus.repo, set by the scripts; else the working directory. */
  static final Path REPO = Path.of(System.getProperty("inferbus.repo", ".")).toAbsolutePath().normalize();
  static final Path MODEL = REPO.resolve("examples/credit-scoring/model/german-credit-bad-risk.onnx");
  static final Path SAMPLE = REPO.resolve("examples/credit-scoring/sample-request.json");
  static final String INPUT = "features";

  private ExampleModel() {}

  /** The first {@code rows} rows of the sample request. */
  static float[][] rows(int rows) {
    JsonArray all = sample().getJsonArray("input_data");
    if (rows > all.size()) {
      throw new IllegalArgumentException("the sample has " + all.size() + " rows, not " + rows);
    }
    float[][] out = new float[rows][];
    for (int r = 0; r < rows; r++) {
      JsonArray row = all.getJsonArray(r);
      out[r] = new float[row.size()];
      for (int c = 0; c < row.size(); c++) {
        out[r][c] = row.getNumber(c).floatValue();
      }
    }
    return out;
  }

  /** {@code {"input_data": [[...], ...]}} with the first {@code rows} rows, as a caller writes it. */
  static Buffer azureBody(int rows) {
    JsonArray all = sample().getJsonArray("input_data");
    JsonArray some = new JsonArray();
    for (int r = 0; r < rows; r++) {
      some.add(all.getJsonArray(r));
    }
    return new JsonObject().put("input_data", some).toBuffer();
  }

  /** The same rows as an Open Inference Protocol request (flat data, explicit shape). */
  static Buffer openInferenceBody(int rows) {
    float[][] values = rows(rows);
    JsonArray data = new JsonArray();
    for (float[] row : values) {
      for (float v : row) {
        data.add(v);
      }
    }
    JsonObject input = new JsonObject().put("name", INPUT).put("datatype", "FP32")
        .put("shape", new JsonArray().add(rows).add(values[0].length)).put("data", data);
    return new JsonObject().put("inputs", new JsonArray().add(input)).toBuffer();
  }

  private static JsonObject sample() {
    try {
      return new JsonObject(Files.readString(SAMPLE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SAMPLE + " (set -Dinferbus.repo)", e);
    }
  }
}
