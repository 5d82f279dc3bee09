package io.inferbus.protocol.tensor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/** The one Jackson factory the tensor codec uses: fast float parsing, bounded nesting and sizes. */
final class TensorJson {
  /** Deepest JSON nesting accepted in a scoring body (a tensor of rank 32 plus the envelope). */
  static final int MAX_NESTING = 40;

  static final JsonFactory FACTORY = new JsonFactoryBuilder()
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_NESTING)
          .maxNumberLength(400)
          .build())
      .build();

  private TensorJson() {}

  /** A parser over part of a buffer, reading its backing array in place when it has one (no copy). */
  static JsonParser parser(Buffer body, int from, int to) throws IOException {
    ByteBuf buf = ((BufferInternal) body).getByteBuf();
    if (buf.hasArray()) {
      return FACTORY.createParser(buf.array(), buf.arrayOffset() + buf.readerIndex() + from, to - from);
    }
    return FACTORY.createParser(body.getBytes(from, to));
  }
}
