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

  /**
   * The instance has stopped taking requests (it drains, or has stopped): as if it were not there,
   * so a gateway sends the request to another instance, as it does when the event bus finds no
   * consumer at the instance's address.
   */
  default void gone(String message) {
    failed(FailureKind.UNAVAILABLE, message);
  }
}
