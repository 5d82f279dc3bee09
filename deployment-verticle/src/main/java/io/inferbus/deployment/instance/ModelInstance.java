package io.inferbus.deployment.instance;

import io.inferbus.deployment.admission.RequestQueue;
import io.inferbus.deployment.agent.InstanceDirectory;
import io.inferbus.deployment.batching.TensorBatches;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running copy of a deployment's model. Loads it with ONNX Runtime, warms it up, then consumes
 * scoring messages on its own event-bus address: decodes each, admits it under the deployment's
 * request settings (at most {@code max_concurrent_requests_per_instance} running, others queued up to
 * {@code max_queue_wait_ms}, then 429), optionally stacks queued requests of the same shape into one
 * batch, runs ONNX Runtime on the instance's own worker threads, and replies with the encoded outputs
 * or a named failure. Work whose caller's deadline passed while queued is dropped, never run late.
 *
 * <p>All state below is touched on the owning verticle's event loop only.
 */
public final class ModelInstance {
  private static final Logger LOG = LoggerFactory.getLogger(ModelInstance.class);
  /** Bodies up to this size are decoded on the event loop (microseconds); larger ones on a worker. */
  static final int INLINE_DECODE_BYTES = 64 * 1024;
  /** Requests an instance holds waiting, whatever max_queue_wait_ms allows. */
  static final int QUEUE_CAPACITY = 1024;
  private static final DeliveryOptions JSON_REPLY =
      new DeliveryOptions().addHeader(ScoringHeaders.CONTENT_TYPE, "application/json");

  private final Vertx vertx;
  private final DeploymentState deployment;
  private final RequestSettings settings;
  private final BatchingSettings batching;
  private final String nodeId;
  private final InstanceDirectory directory;
  private final String id;
  private final String address;
  private final RequestQueue<ScoringJob> queue;
  private volatile String state = InstanceState.LOADING;
  private OnnxModel model;
  private ScoringRequestDecoder decoder;
  private WorkerExecutor workers;
  private MessageConsumer<Buffer> consumer;
  private boolean stopping;
  /** Set once a draining instance stopped consuming. */
  private boolean unregistered;
  /** Bodies being decoded on a worker (not yet queued or running). */
  private int decoding;
  private final Promise<Void> stopped = Promise.promise();
  /**
   * How long a draining instance keeps consuming, for requests gateways sent before they heard it
   * drain (milliseconds on a healthy cluster; a GC pause is the margin).
   */
  static final long DRAIN_GRACE_MS = 1000;
  private long batchTimer = -1;
  /** Set (from a worker) once a batched run's outputs could not be split back by rows. */
  private volatile boolean batchingBroken;
  private final InstanceMetrics metrics;

  public ModelInstance(Vertx vertx, DeploymentState deployment, String nodeId, InstanceDirectory directory,
      MeterRegistry metrics) {
    this.vertx = vertx;
    this.deployment = deployment;
    this.settings = deployment.requestSettings();
    this.batching = deployment.batching();
    this.nodeId = nodeId;
    this.directory = directory;
    this.id = deployment.endpoint() + "." + deployment.name() + "." + UUID.randomUUID().toString().substring(0, 8);
    this.address = Addresses.instance(id);
    this.queue = new RequestQueue<>(settings.maxConcurrentRequestsPerInstance(), QUEUE_CAPACITY);
    this.metrics = new InstanceMetrics(metrics, deployment.endpoint(), deployment.name());
  }

  public String id() {
    return id;
  }

  public DeploymentState deployment() {
    return deployment;
  }

  public String state() {
    return state;
  }

  /**
   * Fetches and loads the model, warms it up, starts consuming and publishes the instance as ready.
   * A model that fails to load leaves the instance {@code Failed} with ONNX Runtime's reason; the
   * returned future still succeeds, as the failure belongs to this deployment alone.
   */
  public Future<Void> start(ModelCache cache, int intraOpThreads) {
    directory.publish(snapshot(null, null));
    return cache.get(deployment.model().sha256())
        .compose(file -> vertx.executeBlocking(() -> {
          OnnxModel loaded = OnnxModel.load(file, intraOpThreads);
          loaded.warmUp().ifPresent(reason -> LOG.warn("instance {}: warm-up on zero-filled inputs failed, serving"
              + " anyway (the model may need real values, such as shapes or divisors): {}", id, reason));
          return loaded;
        }))
        .compose(loaded -> {
          if (stopping) {
            vertx.executeBlocking(() -> {
              loaded.close();
              return null;
            });
            return Future.failedFuture("stopped while loading");
          }
          this.model = loaded;
          this.decoder = new ScoringRequestDecoder(loaded.inputs());
          // One worker thread per concurrent request the deployment allows, for this instance alone.
          this.workers = vertx.createSharedWorkerExecutor("inferbus-" + id, settings.maxConcurrentRequestsPerInstance());
          if (batching != null && !loaded.batchable()) {
            LOG.warn("instance {}: batching is configured but the model's first dimensions are not all dynamic;"
                + " requests run one by one", id);
          }
          // a cluster-wide consumer: gateways on other nodes reach this instance
          this.consumer = vertx.eventBus().consumer(address, this::handle);
          return consumer.completion();
        })
        .compose(v -> {
          if (stopping) { // stop() came while the consumer registered: it is draining already
            return Future.<Void>succeededFuture();
          }
          state = InstanceState.READY;
          LOG.info("instance {} of {}/{} ({}) ready on {}", id, deployment.endpoint(), deployment.name(),
              deployment.model(), address);
          return directory.publish(snapshot(model, null));
        })
        .recover(failure -> {
          if (stopping) {
            return Future.succeededFuture();
          }
          state = InstanceState.FAILED;
          String reason = failure.getMessage();
          LOG.warn("instance {} of {}/{} failed to start: {}", id, deployment.endpoint(), deployment.name(), reason);
          return directory.publish(snapshot(null, reason));
        });
  }

  /**
   * Drains, then stops: publishes the instance as {@code Draining} so gateways send it nothing new,
   * keeps serving for {@link #DRAIN_GRACE_MS} what they had already sent, then stops consuming,
   * finishes everything it holds (queued and running), leaves the instance table and frees the
   * model. So scaling down or deleting a deployment fails no request. The future completes when
   * the instance is gone.
   */
  public Future<Void> stop() {
    if (stopping) {
      return stopped.future();
    }
    stopping = true;
    if (model == null || consumer == null) { // still loading, or failed: nothing to drain
      state = InstanceState.DRAINING;
      Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
      unregistered.compose(v -> directory.remove(id)).onComplete(ar -> stopped.tryComplete());
      return stopped.future();
    }
    state = InstanceState.DRAINING;
    LOG.info("instance {} draining", id);
    directory.publish(snapshot(model, null)).onComplete(published -> vertx.setTimer(DRAIN_GRACE_MS, t ->
        consumer.unregister().onComplete(ar -> {
          unregistered = true;
          closeWhenIdle();
        })));
    return stopped.future();
  }

  /** Once draining and idle: leaves the instance table and frees the model. */
  private void closeWhenIdle() {
    if (!unregistered || queue.running() > 0 || queue.waiting() > 0 || decoding > 0 || model == null) {
      return;
    }
    OnnxModel m = model;
    WorkerExecutor w = workers;
    model = null;
    directory.remove(id).onComplete(ar -> {
      LOG.info("instance {} stopped", id);
      stopped.tryComplete();
    });
    vertx.executeBlocking(() -> {
      m.close();
      return null;
    });
    w.close();
  }

  // ------------------------------------------------------------------ the request path

  private void handle(Message<Buffer> message) {
    ScoringJob job;
    try {
      job = new ScoringJob(message, ScoringProtocol.fromWireName(message.headers().get(ScoringHeaders.PROTOCOL)),
          deadline(message));
    } catch (IllegalArgumentException e) {
      message.fail(FailureKind.BAD_INPUT.eventBusCode(), e.getMessage());
      return;
    }
    if (model == null) {
      job.countedFail(metrics, FailureKind.UNAVAILABLE, "instance " + id + " is stopping");
      return;
    }
    if (message.body().length() <= INLINE_DECODE_BYTES) {
      decodeAndAdmit(job);
    } else {
      decoding++;
      workers.executeBlocking(() -> {
        job.decode(decoder, batching != null);
        return null;
      }, false).onComplete(ar -> {
        decoding--;
        if (ar.failed()) {
          fail(job, ar.cause());
        } else {
          admit(job);
        }
        if (stopping) {
          closeWhenIdle();
        }
      });
    }
  }

  private void decodeAndAdmit(ScoringJob job) {
    try {
      job.decode(decoder, batching != null);
    } catch (RuntimeException e) {
      fail(job, e);
      return;
    }
    admit(job);
  }

  private long deadline(Message<Buffer> message) {
    String header = message.headers().get(ScoringHeaders.TIMEOUT_MS);
    long timeoutMs = settings.requestTimeoutMs();
    if (header != null) {
      try {
        timeoutMs = Long.parseLong(header);
      } catch (NumberFormatException ignored) {
        // the deployment's own timeout stands
      }
    }
    return System.nanoTime() + timeoutMs * 1_000_000L;
  }

  /** Runs now, queues, or refuses as overloaded. */
  private void admit(ScoringJob job) {
    boolean batchingOn = batching != null && model.batchable() && !batchingBroken && job.batchKey() != null;
    if (!batchingOn && queue.waiting() == 0 && queue.hasFreeSlot()) {
      queue.startDirect();
      run(List.of(job));
      return;
    }
    if (!queue.enqueue(job)) {
      job.countedFail(metrics, FailureKind.OVERLOADED, "instance " + id + " of deployment '" + deployment.name()
          + "' has " + QUEUE_CAPACITY + " requests waiting; try again later");
      return;
    }
    job.waitTimer = vertx.setTimer(Math.max(1, settings.maxQueueWaitMs()), t -> expire(job));
    long delayMs = batchingOn ? batchDelayMs(job) : 0;
    if (delayMs > 0 && queue.running() == 0
        && queue.rowsReadyForHead(batching.maxBatchSize()) < batching.maxBatchSize()) {
      // a partial batch on an idle instance waits up to max_batch_delay_ms for company
      if (batchTimer == -1) {
        batchTimer = vertx.setTimer(delayMs, t -> {
          batchTimer = -1;
          dispatch();
        });
      }
      return;
    }
    dispatch();
  }

  /**
   * How long a partial batch may wait for company: max_batch_delay_ms, but never so long that the
   * waiting request would pass its max_queue_wait_ms (and be refused as if the instance were busy)
   * or its deadline.
   */
  private long batchDelayMs(ScoringJob job) {
    long remainingMs = (job.deadlineNanos - System.nanoTime()) / 1_000_000L;
    return Math.max(0, Math.min(batching.maxBatchDelayMs(), Math.min(settings.maxQueueWaitMs(), remainingMs) - 1));
  }

  /** Starts queued work while slots are free. */
  private void dispatch() {
    long maxRows = batching != null && model != null && model.batchable() && !batchingBroken ? batching.maxBatchSize() : 1;
    while (queue.hasFreeSlot() && queue.waiting() > 0) {
      List<ScoringJob> batch = queue.takeBatch(maxRows);
      List<ScoringJob> live = new ArrayList<>(batch.size());
      long now = System.nanoTime();
      for (ScoringJob job : batch) {
        cancelWaitTimer(job);
        if (now > job.deadlineNanos) {
          // the gateway has answered 408 already: drop the work rather than run it late
          job.countedFail(metrics, FailureKind.TIMED_OUT, "request_timeout_ms passed while queued");
        } else {
          live.add(job);
        }
      }
      if (live.isEmpty()) {
        queue.finished();
      } else {
        run(live);
      }
    }
  }

  private void expire(ScoringJob job) {
    job.waitTimer = -1;
    if (queue.remove(job)) {
      job.countedFail(metrics, FailureKind.OVERLOADED, "instance " + id + " of deployment '" + deployment.name()
          + "' is busy: the request waited " + settings.maxQueueWaitMs() + " ms (max_queue_wait_ms) while "
          + queue.running() + " ran (max_concurrent_requests_per_instance " + settings.maxConcurrentRequestsPerInstance()
          + ") and " + queue.waiting() + " more waited");
    }
  }

  private void cancelWaitTimer(ScoringJob job) {
    if (job.waitTimer != -1) {
      vertx.cancelTimer(job.waitTimer);
      job.waitTimer = -1;
    }
  }

  /** Runs one request or a batch on this instance's workers; the slot is already counted. */
  private void run(List<ScoringJob> jobs) {
    OnnxModel running = model;
    long rows = 0;
    for (ScoringJob job : jobs) {
      rows += job.rows;
    }
    metrics.run(rows);
    workers.<List<Object>>executeBlocking(() -> execute(running, jobs), false).onComplete(ar -> {
      queue.finished();
      if (ar.failed()) {
        jobs.forEach(job -> fail(job, ar.cause()));
      } else {
        List<Object> results = ar.result();
        for (int i = 0; i < jobs.size(); i++) {
          Object r = results.get(i);
          if (r instanceof ScoringResponseEncoder.Encoded e) {
            metrics.answered();
            jobs.get(i).message.reply(e.body(), e.jsonLength() < 0 ? JSON_REPLY : binaryReply(e.jsonLength()));
          } else {
            fail(jobs.get(i), (Throwable) r);
          }
        }
      }
      dispatch();
      if (stopping) {
        closeWhenIdle();
      }
    });
  }

  private static DeliveryOptions binaryReply(int jsonLength) {
    return new DeliveryOptions().addHeader(ScoringHeaders.CONTENT_TYPE, "application/octet-stream")
        .addHeader(ScoringHeaders.INFERENCE_HEADER_LENGTH, Integer.toString(jsonLength));
  }

  /** On a worker: runs the model once for all jobs and encodes each answer (an Encoded or a failure). */
  private List<Object> execute(OnnxModel running, List<ScoringJob> jobs) {
    List<Object> results = new ArrayList<>(jobs.size());
    if (jobs.size() == 1) {
      ScoringJob job = jobs.get(0);
      try {
        results.add(encode(job, running.run(job.request.inputs(), job.request.requestedOutputs())));
      } catch (RuntimeException e) {
        results.add(e);
      }
      return results;
    }
    List<List<io.inferbus.protocol.tensor.Tensor>> inputs = new ArrayList<>(jobs.size());
    long[] rows = new long[jobs.size()];
    for (int i = 0; i < jobs.size(); i++) {
      inputs.add(jobs.get(i).request.inputs());
      rows[i] = jobs.get(i).rows();
    }
    List<List<OutputValue>> split;
    try {
      split = TensorBatches.split(
          running.run(TensorBatches.concat(inputs), jobs.get(0).request.requestedOutputs()), rows);
    } catch (IllegalStateException e) {
      // The model's outputs do not have one row per input row (a flattening output, say): it
      // cannot be batched after all. Serve these one by one and stop batching on this instance.
      if (!batchingBroken) {
        batchingBroken = true;
        LOG.warn("instance {}: batching turned off, the model's outputs do not follow its input rows: {}",
            id, e.getMessage());
      }
      for (ScoringJob job : jobs) {
        results.addAll(execute(running, List.of(job)));
      }
      return results;
    }
    for (int i = 0; i < jobs.size(); i++) {
      try {
        results.add(encode(jobs.get(i), split.get(i)));
      } catch (RuntimeException e) {
        results.add(e);
      }
    }
    return results;
  }

  private ScoringResponseEncoder.Encoded encode(ScoringJob job, List<OutputValue> outputs) {
    return job.protocol == ScoringProtocol.AZURE_ML
        ? new ScoringResponseEncoder.Encoded(ScoringResponseEncoder.encodeAzure(outputs), -1)
        : ScoringResponseEncoder.encodeOpenInferenceFor(deployment.endpoint(), deployment.name(), job.request, outputs);
  }

  private void fail(ScoringJob job, Throwable cause) {
    metrics.refused(cause instanceof InferbusException e ? e.kind() : FailureKind.INTERNAL);
    if (cause instanceof InferbusException e) {
      if (e.kind().httpStatus() >= 500 || e.kind() == FailureKind.MODEL_FAILED) {
        LOG.warn("request {} on instance {}: {} {}", job.requestId, id, e.kind(), e.getMessage());
      } else {
        LOG.debug("request {} on instance {}: {} {}", job.requestId, id, e.kind(), e.getMessage());
      }
      job.message.fail(e.kind().eventBusCode(), e.getMessage());
    } else {
      LOG.error("request {} on instance {} failed unexpectedly", job.requestId, id, cause);
      job.message.fail(FailureKind.INTERNAL.eventBusCode(), "internal error in instance " + id);
    }
  }

  private InstanceState snapshot(OnnxModel loaded, String failureReason) {
    return new InstanceState(id, deployment.endpoint(), deployment.name(), deployment.generation(), nodeId, address,
        state, failureReason, System.currentTimeMillis(), loaded == null ? null : loaded.signatureJson());
  }

  /** One scoring request on its way through this instance. */
  private static final class ScoringJob implements RequestQueue.Queued {
    final Message<Buffer> message;
    final ScoringProtocol protocol;
    final String requestId;
    final long deadlineNanos;
    InferenceRequest request;
    String batchKey;
    long rows = 1;
    long waitTimer = -1;

    ScoringJob(Message<Buffer> message, ScoringProtocol protocol, long deadlineNanos) {
      this.message = message;
      this.protocol = protocol;
      this.requestId = message.headers().get(ScoringHeaders.REQUEST_ID);
      this.deadlineNanos = deadlineNanos;
    }

    /** @param batched whether the instance batches: only then is a batch key worth building */
    void decode(ScoringRequestDecoder decoder, boolean batched) {
      request = protocol == ScoringProtocol.AZURE_ML
          ? new InferenceRequest(null, decoder.decodeAzure(message.body()), List.of())
          : decoder.decodeOpenInference(message.body(), jsonLength(message));
      long r = TensorBatches.rows(request.inputs());
      if (r > 0) { // requests without rows (rank 0, empty) run on their own
        rows = r;
        if (batched) {
          batchKey = TensorBatches.key(request.inputs(), request.requestedOutputs());
        }
      }
    }

    /** The binary extension's JSON length from the gateway, or -1 when the body is all JSON. */
    private static int jsonLength(Message<Buffer> message) {
      String header = message.headers().get(ScoringHeaders.INFERENCE_HEADER_LENGTH);
      if (header == null) {
        return -1;
      }
      try {
        int n = Integer.parseInt(header.trim());
        if (n >= 0) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // refused below
      }
      throw new InferbusException(FailureKind.BAD_INPUT,
          "Inference-Header-Content-Length must be a non-negative integer, not '" + header + "'");
    }

    void fail(FailureKind kind, String text) {
      message.fail(kind.eventBusCode(), text);
    }

    void countedFail(InstanceMetrics metrics, FailureKind kind, String text) {
      metrics.refused(kind);
      fail(kind, text);
    }

    @Override
    public String batchKey() {
      return batchKey;
    }

    @Override
    public long rows() {
      return rows;
    }
  }
}
