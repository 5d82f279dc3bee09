package io.inferbus.deployment.instance;

import io.inferbus.deployment.admission.InstanceScheduler;
import io.inferbus.deployment.batching.TensorBatches;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.delivery.ScoringAnswer;
import io.inferbus.protocol.delivery.ScoringCall;
import io.inferbus.protocol.tensor.InferenceHeaderLength;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.util.List;

/**
 * One scoring request on its way through an instance (Triton's "request"): what the gateway sent,
 * where to answer, and what the instance learns of it (its decoded tensors, its batch key, how long
 * it waited and ran). It came either over the event bus (from a gateway on another node, or a
 * mirrored copy) or straight from a gateway on this node ({@link ScoringCall}); the two differ only
 * in how they are answered.
 */
final class ScoringJob implements InstanceScheduler.Job {
  final Buffer body;
  final ScoringProtocol protocol;
  final String requestId;
  final long deadlineNanos;
  /** The binary extension's JSON length, {@link InferenceHeaderLength#ALL_JSON} when the body is all JSON. */
  final int jsonLength;
  final String traceparent;
  final boolean mirror;
  private final ScoringAnswer answer;
  /** Null until decoded. */
  InferenceRequest request;
  private String batchKey;
  long rows = 1;
  /** When it entered the queue (System.nanoTime), 0 before. */
  long enqueuedNanos;
  /** How long it waited in the queue, and how long its model run took (written by the runner that ran it). */
  long queuedNanos;
  long runNanos;

  private ScoringJob(Buffer body, ScoringProtocol protocol, String requestId, long timeoutMs, int jsonLength,
      String traceparent, boolean mirror, ScoringAnswer answer) {
    this.body = body;
    this.protocol = protocol;
    this.requestId = requestId;
    this.deadlineNanos = System.nanoTime() + timeoutMs * 1_000_000L;
    this.jsonLength = jsonLength;
    this.traceparent = traceparent;
    this.mirror = mirror;
    this.answer = answer;
  }

  /** A request handed over by a gateway on this node. */
  static ScoringJob of(ScoringCall call) {
    return new ScoringJob(call.body(), call.protocol(), call.requestId(), call.timeoutMs(), call.jsonLength(),
        call.traceparent(), call.mirror(), call.answer());
  }

  /**
   * A request that came over the event bus; its headers are parsed here.
   *
   * @param defaultTimeoutMs the deployment's request_timeout_ms, for a message without a deadline
   * @throws IllegalArgumentException for an unknown protocol; InferbusException for a bad JSON length
   */
  static ScoringJob of(Message<Buffer> message, long defaultTimeoutMs) {
    MultiMap headers = message.headers();
    ScoringProtocol protocol = ScoringProtocol.fromWireName(headers.get(ScoringHeaders.PROTOCOL));
    long timeoutMs = defaultTimeoutMs;
    String timeout = headers.get(ScoringHeaders.TIMEOUT_MS);
    if (timeout != null) {
      try {
        timeoutMs = Long.parseLong(timeout);
      } catch (NumberFormatException ignored) {
        // the deployment's own timeout stands
      }
    }
    return new ScoringJob(message.body(), protocol, headers.get(ScoringHeaders.REQUEST_ID), timeoutMs,
        InferenceHeaderLength.parse(headers.get(ScoringHeaders.INFERENCE_HEADER_LENGTH), message.body().length()),
        headers.get(ScoringHeaders.TRACEPARENT), headers.contains(ScoringHeaders.MIRROR), new EventBusAnswer(message));
  }

  boolean decoded() {
    return request != null;
  }

  /** @param batched whether the instance batches: only then is a batch key worth building */
  void decode(ScoringRequestDecoder decoder, boolean batched) {
    request = protocol == ScoringProtocol.AZURE_ML
        ? new InferenceRequest(null, decoder.decodeAzure(body), List.of())
        : decoder.decodeOpenInference(body, jsonLength);
    long r = TensorBatches.rows(request.inputs());
    if (r > 0) { // requests without rows (rank 0, empty) run on their own
      rows = r;
      if (batched) {
        batchKey = TensorBatches.key(request.inputs(), request.requestedOutputs());
      }
    }
  }

  void answer(Buffer encoded, int encodedJsonLength) {
    answer.answered(encoded, runNanos / 1000, encodedJsonLength);
  }

  void fail(FailureKind kind, String text) {
    answer.failed(kind, text);
  }

  /** The instance stopped taking requests: see {@link ScoringAnswer#gone}. */
  void gone(String text) {
    answer.gone(text);
  }

  /** The trace id of the W3C traceparent the gateway passed on ({@code 00-<trace id>-...}), or null. */
  String traceId() {
    return traceparent != null && traceparent.length() >= 35 ? traceparent.substring(3, 35) : null;
  }

  @Override
  public String batchKey() {
    return batchKey;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public void enqueued(long nanos) {
    enqueuedNanos = nanos;
  }

  @Override
  public long enqueuedNanos() {
    return enqueuedNanos;
  }

  @Override
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** Answers over the event bus: the reply's headers carry what {@link ScoringCall}'s answer gets as arguments. */
  private record EventBusAnswer(Message<Buffer> message) implements ScoringAnswer {
    @Override
    public void answered(Buffer body, long modelMicros, int jsonLength) {
      DeliveryOptions reply = new DeliveryOptions().addHeader(ScoringHeaders.MODEL_TIME_US, Long.toString(modelMicros));
      if (jsonLength >= 0) { // JSON needs no header: it is the gateway's default
        reply.addHeader(ScoringHeaders.CONTENT_TYPE, "application/octet-stream")
            .addHeader(ScoringHeaders.INFERENCE_HEADER_LENGTH, Integer.toString(jsonLength));
      }
      message.reply(body, reply);
    }

    @Override
    public void failed(FailureKind kind, String message) {
      this.message.fail(kind.eventBusCode(), message);
    }
  }
}
