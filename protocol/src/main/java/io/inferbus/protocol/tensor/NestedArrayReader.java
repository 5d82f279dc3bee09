package io.inferbus.protocol.tensor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.inferbus.protocol.InferbusException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Streams a JSON value (a scalar or arrays nested to any depth) into an {@link ElementBuffer},
 * deriving the shape from the nesting and refusing ragged arrays. Depth is bounded.
 */
final class NestedArrayReader {
  static final int MAX_RANK = 32;

  private final String input;
  private final ElementBuffer buffer;
  /** Each depth's length, -1 until seen; grows past the expected rank when the value nests deeper. */
  private long[] dims;
  private int rank = -1; // depth of the scalars, unknown until the first one
  private int deepestArray = -1;

  NestedArrayReader(String input, ElementBuffer buffer) {
    this(input, buffer, 4);
  }

  /** @param expectedRank the signature's rank, to size the dimensions without waste */
  NestedArrayReader(String input, ElementBuffer buffer, int expectedRank) {
    this.input = input;
    this.buffer = buffer;
    this.dims = new long[Math.max(1, Math.min(MAX_RANK, expectedRank + 1))];
    Arrays.fill(dims, -1);
  }

  /** Reads the value at the parser's current token; returns its shape. */
  long[] read(JsonParser p) throws IOException {
    readValue(p, 0);
    if (rank < 0) { // no scalar at all: only (nested) empty arrays, e.g. [[], []] is [2, 0]
      rank = deepestArray + 1;
    }
    return Arrays.copyOf(dims, rank);
  }

  private void readValue(JsonParser p, int depth) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      if (depth >= MAX_RANK) {
        throw bad("input '" + input + "' is nested deeper than " + MAX_RANK + " levels");
      }
      if (rank >= 0 && depth >= rank) {
        throw ragged();
      }
      deepestArray = Math.max(deepestArray, depth);
      if (depth >= dims.length) {
        int old = dims.length;
        dims = Arrays.copyOf(dims, Math.min(MAX_RANK, old * 2));
        Arrays.fill(dims, old, dims.length, -1);
      }
      long count = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        readValue(p, depth + 1);
        count++;
      }
      if (dims[depth] == -1) {
        dims[depth] = count;
      } else if (dims[depth] != count) {
        throw ragged();
      }
    } else if (t == null || t == JsonToken.START_OBJECT || t == JsonToken.FIELD_NAME) {
      throw bad("input '" + input + "' must be an array of "
          + buffer.datatype + " values, found " + (t == null ? "the end of the body" : "an object"));
    } else {
      if (rank < 0) {
        if (deepestArray >= depth) { // an earlier sibling was an array at this depth
          throw ragged();
        }
        rank = depth;
      } else if (rank != depth) {
        throw ragged();
      }
      buffer.add(p);
    }
  }

  private InferbusException ragged() {
    return bad("input '" + input + "' is a ragged array: every row at the same depth must have the same length");
  }

  private InferbusException bad(String message) {
    return new InferbusException(io.inferbus.protocol.FailureKind.BAD_INPUT, message, input);
  }
}
