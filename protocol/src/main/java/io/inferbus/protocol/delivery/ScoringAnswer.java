package io.inferbus.protocol.delivery;

import io.inferbus.protocol.FailureKind;
import io.vertx.core.buffer.Buffer;

/** Where an instance answers a {@link ScoringCall}; called once, from any thread. */
public interface ScoringAnswer {
  /**
   * @param modelMicros how long the model ran for this request
   * @param jsonLength the JSON length of a binary V2 answer, -1 when the body is all JSON
   */
  void answered(Buffer body, long modelMicros, int jsonLength);

  void failed(FailureKind kind, String message);
}
