package io.inferbus.deployment.batching;

import io.inferbus.protocol.tensor.MapSequence;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.Tensor;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stacks several requests' inputs along the first dimension into one batch, and splits a batch's
 * outputs back into each request's rows. Works on the flat primitive arrays: one copy each way.
 */
public final class TensorBatches {
  private TensorBatches() {}

  /** Rows of a request: the first dimension of its inputs, or -1 if they disagree (not batchable). */
  public static long rows(List<Tensor> inputs) {
    long rows = -1;
    for (Tensor t : inputs) {
      if (t.shape().length == 0) {
        return -1;
      }
      if (rows == -1) {
        rows = t.shape()[0];
      } else if (rows != t.shape()[0]) {
        return -1;
      }
    }
    return rows;
  }

  /**
   * A key equal for requests that may share a run: same input names, datatypes and dimensions after
   * the first, and the same requested outputs.
   */
  public static String key(List<Tensor> inputs, List<String> requestedOutputs) {
    StringBuilder sb = new StringBuilder();
    inputs.stream().sorted((a, b) -> a.name().compareTo(b.name())).forEach(t -> {
      sb.append(t.name()).append(':').append(t.datatype()).append(':');
      long[] shape = t.shape();
      for (int i = 1; i < shape.length; i++) {
        sb.append(shape[i]).append(',');
      }
      sb.append(';');
    });
    sb.append("->").append(requestedOutputs);
    return sb.toString();
  }

  /** One input list whose tensors are the requests' tensors stacked in order. */
  public static List<Tensor> concat(List<List<Tensor>> requests) {
    List<Tensor> first = requests.get(0);
    List<Tensor> stacked = new ArrayList<>(first.size());
    for (Tensor template : first) {
      long rows = 0;
      int length = 0;
      List<Tensor> parts = new ArrayList<>(requests.size());
      for (List<Tensor> request : requests) {
        Tensor part = request.stream().filter(t -> t.name().equals(template.name())).findFirst().orElseThrow();
        parts.add(part);
        rows += part.shape()[0];
        length += part.length();
      }
      Object data = Array.newInstance(template.data().getClass().getComponentType(), length);
      int at = 0;
      for (Tensor part : parts) {
        int n = part.length();
        System.arraycopy(part.data(), 0, data, at, n);
        at += n;
      }
      long[] shape = template.shape().clone();
      shape[0] = rows;
      stacked.add(new Tensor(template.name(), template.datatype(), shape, data));
    }
    return stacked;
  }

  /** Splits a batch's outputs into the requests' outputs by their row counts. */
  public static List<List<OutputValue>> split(List<OutputValue> outputs, long[] rows) {
    long total = Arrays.stream(rows).sum();
    List<List<OutputValue>> perRequest = new ArrayList<>(rows.length);
    for (int r = 0; r < rows.length; r++) {
      perRequest.add(new ArrayList<>(outputs.size()));
    }
    for (OutputValue out : outputs) {
      if (out instanceof Tensor t) {
        if (t.shape().length == 0 || t.shape()[0] != total) {
          throw new IllegalStateException("output '" + t.name() + "' has shape " + Arrays.toString(t.shape())
              + ", not " + total + " rows: it cannot be split by request");
        }
        int rowLength = total == 0 ? 0 : (int) (t.length() / total);
        int from = 0;
        for (int r = 0; r < rows.length; r++) {
          int n = (int) rows[r] * rowLength;
          Object part = Array.newInstance(t.data().getClass().getComponentType(), n);
          System.arraycopy(t.data(), from, part, 0, n);
          from += n;
          long[] shape = t.shape().clone();
          shape[0] = rows[r];
          perRequest.get(r).add(new Tensor(t.name(), t.datatype(), shape, part));
        }
      } else {
        MapSequence seq = (MapSequence) out;
        if (seq.maps().size() != total) {
          throw new IllegalStateException("output '" + seq.name() + "' has " + seq.maps().size()
              + " elements, not " + total + " rows: it cannot be split by request");
        }
        int from = 0;
        for (int r = 0; r < rows.length; r++) {
          perRequest.get(r).add(new MapSequence(seq.name(), seq.maps().subList(from, from + (int) rows[r])));
          from += (int) rows[r];
        }
      }
    }
    return perRequest;
  }
}
