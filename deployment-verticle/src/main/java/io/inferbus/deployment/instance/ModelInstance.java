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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p>Threads: the consumer decodes small bodies on the owning verticle's event loop and puts the
 * request in the queue. Each of the instance's {@code max_concurrent_requests_per_instance} worker
 * threads loops: takes the next request (or batch) from the queue, runs, encodes and replies
 * itself, so a request crosses threads once (event loop to worker), not twice. The queue is shared
 * under {@link #lock}; waits past {@code max_queue_wait_ms} are swept by one timer on the event loop.
 */
public final class ModelInstance {
  private static final Logger LOG = LoggerFactory.getLogger(ModelInstance.class);
  /**
   * Bodies up to this size are decoded on the event loop (a few microseconds); larger ones (an image
   * as JSON: hundreds of microseconds) on Vert.x's worker pool, so they decode in parallel rather
   * than one after another on the one event loop the node's instances share.
   */
  static final int INLINE_DECODE_BYTES = 8 * 1024;
  /** Requests an instance holds waiting, whatever max_queue_wait_ms allows. */
  static final int QUEUE_CAPACITY = 1024;
  /**
   * Names of instances' worker pools start with this. Their threads run for the instance's life, so
   * Vert.x's pool metrics say nothing about them, and the names hold instance ids: the node keeps
   * them out of /metrics (the in-flight and queued gauges say what matters).
   */
  public static final String WORKER_POOL_PREFIX = "inferbus-instance-";
  /** The worker loops run as long as the instance: never report them as blocked. */
  private static final long WORKER_MAX_EXECUTE_DAYS = 3650;

  private final Vertx vertx;
  private final DeploymentState deployment;
  private final RequestSettings settings;
  private final BatchingSettings batching;
  private final String nodeId;
  private final InstanceDirectory directory;
  private final String id;
  private final String address;
  /** Guarded by {@link #lock}, with {@link #closing}. */
  private final RequestQueue<ScoringJob> queue;
  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled when a request is queued, and when the instance closes. */
  private final Condition work = lock.newCondition();
  /** Set under the lock once the instance stopped consuming: workers exit when the queue is empty. */
  private boolean closing;
  /** Completes when every worker loop has exited. */
  private Future<?> workersDone = Future.succeededFuture();
  /** The queue-wait sweep timer (event loop); -1 when none is armed. */
  private long expiryTimer = -1;
  private volatile String state = InstanceState.LOADING;
  private OnnxModel model;
  private ScoringRequestDecoder decoder;
  private WorkerExecutor workers;
  private MessageConsumer<Buffer> consumer;
  private boolean stopping;
  private final Promise<Void> stopped = Promise.promise();
  /**
   * How long a draining instance keeps consuming, for requests gateways sent before they heard it
   * drain (milliseconds on a healthy cluster; a GC pause is the margin).
   */
  static final long DRAIN_GRACE_MS = 1000;
  /** Set (from a worker) once a batched run's outputs could not be split back by rows. */
  private volatile boolean batchingBroken;
  private final InstanceMetrics metrics;
  private final AccessLog access;
  /** This instance's running and waiting requests, for the deployment's gauges. */
  private final InstanceMetrics.Load load = new InstanceMetrics.Load() {
    @Override
    public int running() {
      lock.lock();
      try {
        return queue.running();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public int waiting() {
      lock.lock();
      try {
        return queue.waiting();
      } finally {
        lock.unlock();
      }
    }
  };

  /** An instance with metrics of its own and no access lines (benchmarks). */
  public ModelInstance(Vertx vertx, DeploymentState deployment, String nodeId, InstanceDirectory directory,
      MeterRegistry registry) {
    this(vertx, deployment, nodeId, directory, new InstanceMetrics(registry, deployment.endpoint(), deployment.name()),
        AccessLog.NONE);
  }

  /**
   * @param metrics the deployment's metrics on this node, shared by its instances here
   * @param access where the instance writes one line per finished request
   */
  public ModelInstance(Vertx vertx, DeploymentState deployment, String nodeId, InstanceDirectory directory,
      InstanceMetrics metrics, AccessLog access) {
    this.vertx = vertx;
    this.deployment = deployment;
    this.settings = deployment.requestSettings();
    this.batching = deployment.batching();
    this.nodeId = nodeId;
    this.directory = directory;
    this.id = deployment.endpoint() + "." + deployment.name() + "." + UUID.randomUUID().toString().substring(0, 8);
    this.address = Addresses.instance(id);
    this.queue = new RequestQueue<>(settings.maxConcurrentRequestsPerInstance(), QUEUE_CAPACITY);
    this.metrics = metrics;
    this.access = access;
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
    LOG.info("instance {} of {}/{} loading model {}", id, deployment.endpoint(), deployment.name(), deployment.model());
    // Loading is in the table before anything can publish Ready: the two writes of one key were
    // both asynchronous, and a model from the local cache is ready in milliseconds (seen once: an
    // instance logged ready in 40 ms while the control plane's view kept it Loading for good)
    return directory.publish(snapshot(null, null))
        .recover(e -> Future.<Void>succeededFuture()) // the table is the control plane's view: load anyway
        .compose(published -> cache.get(deployment.model().sha256()))
        .compose(file -> vertx.executeBlocking(() -> {
          long t0 = System.nanoTime();
          OnnxModel loaded = OnnxModel.load(file, intraOpThreads);
          long t1 = System.nanoTime();
          loaded.warmUp().ifPresent(reason -> LOG.warn("instance {}: warm-up on zero-filled inputs failed, serving"
              + " anyway (the model may need real values, such as shapes or divisors): {}", id, reason));
          LOG.info("instance {} loaded the model in {} ms ({} intra-op threads), warmed up in {} ms", id,
              (t1 - t0) / 1_000_000, intraOpThreads, (System.nanoTime() - t1) / 1_000_000);
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
          int slots = settings.maxConcurrentRequestsPerInstance();
          this.workers = vertx.createSharedWorkerExecutor(WORKER_POOL_PREFIX + id, slots, WORKER_MAX_EXECUTE_DAYS,
              TimeUnit.DAYS);
          List<Future<Void>> loops = new ArrayList<>(slots);
          for (int i = 0; i < slots; i++) {
            loops.add(workers.executeBlocking(() -> {
              workLoop(loaded);
              return null;
            }, false));
          }
          this.workersDone = Future.join(loops);
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
          metrics.attach(load);
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
          lock.lock();
          try {
            closing = true;
            work.signalAll();
          } finally {
            lock.unlock();
          }
          // the workers finish what is queued, then exit
          workersDone.onComplete(done -> close());
        })));
    return stopped.future();
  }

  /** Once the workers have exited: leaves the instance table and frees the model. */
  private void close() {
    OnnxModel m = model;
    WorkerExecutor w = workers;
    model = null;
    metrics.detach(load);
    if (expiryTimer != -1) {
      vertx.cancelTimer(expiryTimer);
      expiryTimer = -1;
    }
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
      refuse(job, FailureKind.UNAVAILABLE, "instance " + id + " is stopping");
      return;
    }
    if (message.body().length() <= INLINE_DECODE_BYTES) {
      decodeAndAdmit(job);
    } else {
      vertx.executeBlocking(() -> {
        job.decode(decoder, batching != null);
        return null;
      }, false).onComplete(ar -> {
        if (ar.failed()) {
          fail(job, ar.cause());
        } else {
          admit(job);
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

  /** Queues the request for the workers, or refuses it when the queue is full or the instance closed. */
  private void admit(ScoringJob job) {
    job.enqueuedNanos = System.nanoTime();
    boolean queued;
    boolean closed;
    lock.lock();
    try {
      closed = closing;
      queued = !closed && queue.enqueue(job);
      if (queued) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
    if (closed) {
      refuse(job, FailureKind.UNAVAILABLE, "instance " + id + " is stopping");
    } else if (!queued) {
      refuse(job, FailureKind.OVERLOADED, "instance " + id + " of deployment '" + deployment.name()
          + "' has " + QUEUE_CAPACITY + " requests waiting; try again later");
    } else {
      armExpiry();
    }
  }

  /** Arms the sweep for the oldest waiting request's max_queue_wait_ms, unless one is armed (event loop). */
  private void armExpiry() {
    if (expiryTimer != -1) {
      return;
    }
    ScoringJob head;
    lock.lock();
    try {
      head = queue.peek();
    } finally {
      lock.unlock();
    }
    if (head == null) {
      return;
    }
    long dueMs = (head.enqueuedNanos + settings.maxQueueWaitMs() * 1_000_000L - System.nanoTime()) / 1_000_000L;
    expiryTimer = vertx.setTimer(Math.max(1, dueMs + 1), t -> {
      expiryTimer = -1;
      sweepExpired();
      armExpiry();
    });
  }

  /** Refuses, as overloaded, every request that waited longer than max_queue_wait_ms (event loop). */
  private void sweepExpired() {
    List<ScoringJob> expired = new ArrayList<>();
    int running;
    int waiting;
    long limit = settings.maxQueueWaitMs() * 1_000_000L;
    lock.lock();
    try {
      long now = System.nanoTime();
      for (ScoringJob head = queue.peek(); head != null && now - head.enqueuedNanos >= limit; head = queue.peek()) {
        queue.remove(head);
        expired.add(head);
      }
      running = queue.running();
      waiting = queue.waiting();
    } finally {
      lock.unlock();
    }
    for (ScoringJob job : expired) {
      refuse(job, FailureKind.OVERLOADED, "instance " + id + " of deployment '" + deployment.name()
          + "' is busy: the request waited " + settings.maxQueueWaitMs() + " ms (max_queue_wait_ms) while "
          + running + " ran (max_concurrent_requests_per_instance " + settings.maxConcurrentRequestsPerInstance()
          + ") and " + waiting + " more waited");
    }
  }

  /**
   * One worker's loop, for the instance's life: takes the next request or batch, runs, encodes and
   * replies, until the instance closes and the queue is empty.
   */
  private void workLoop(OnnxModel running) {
    while (true) {
      List<ScoringJob> batch;
      lock.lock();
      try {
        while (queue.waiting() == 0) {
          if (closing) {
            return;
          }
          work.awaitUninterruptibly();
        }
        awaitCompany(running);
        batch = queue.takeBatch(maxRows(running));
        if (queue.waiting() > 0) {
          work.signal(); // more for another worker
        }
      } finally {
        lock.unlock();
      }
      if (batch.isEmpty()) {
        continue;
      }
      try {
        process(running, batch);
      } catch (Throwable t) { // a bug or an Error: answer, and keep the worker alive
        batch.forEach(job -> fail(job, t));
      } finally {
        lock.lock();
        try {
          queue.finished();
        } finally {
          lock.unlock();
        }
      }
    }
  }

  private long maxRows(OnnxModel running) {
    return batching != null && running.batchable() && !batchingBroken ? batching.maxBatchSize() : 1;
  }

  /**
   * Under the lock, with a request waiting: when the instance batches with a delay and nothing else
   * runs, waits (up to max_batch_delay_ms from the oldest request's arrival, and never past its
   * max_queue_wait_ms or deadline) for enough requests of its kind to fill a batch.
   */
  private void awaitCompany(OnnxModel running) {
    long maxRows = maxRows(running);
    if (maxRows <= 1 || batching.maxBatchDelayMs() == 0 || queue.running() > 0) {
      return;
    }
    ScoringJob head = queue.peek();
    if (head.batchKey() == null) {
      return;
    }
    long until = Math.min(head.enqueuedNanos + batching.maxBatchDelayMs() * 1_000_000L,
        Math.min(head.enqueuedNanos + (settings.maxQueueWaitMs() - 1) * 1_000_000L, head.deadlineNanos - 1_000_000L));
    long left;
    while (!closing && queue.peek() == head && queue.rowsReadyForHead(maxRows) < maxRows
        && (left = until - System.nanoTime()) > 0) {
      try {
        work.awaitNanos(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** On a worker: drops requests past their deadline, runs the rest as one batch, replies to each. */
  private void process(OnnxModel running, List<ScoringJob> batch) {
    long now = System.nanoTime();
    List<ScoringJob> live = batch;
    for (ScoringJob job : batch) {
      if (now > job.deadlineNanos) { // the gateway has answered 408 already: never run late
        live = new ArrayList<>(batch.size());
        for (ScoringJob j : batch) {
          if (now > j.deadlineNanos) {
            refuse(j, FailureKind.TIMED_OUT, "request_timeout_ms passed while queued");
          } else {
            live.add(j);
          }
        }
        break;
      }
    }
    if (live.isEmpty()) {
      return;
    }
    for (ScoringJob job : live) {
      job.queuedNanos = now - job.enqueuedNanos;
      metrics.waited(job.queuedNanos);
    }
    List<Object> results = execute(running, live);
    for (int i = 0; i < live.size(); i++) {
      Object r = results.get(i);
      ScoringJob job = live.get(i);
      if (r instanceof ScoringResponseEncoder.Encoded e) {
        metrics.answered();
        DeliveryOptions reply = new DeliveryOptions().addHeader(ScoringHeaders.MODEL_TIME_US,
            Long.toString(job.runNanos / 1000));
        if (e.jsonLength() >= 0) { // JSON needs no header: it is the gateway's default
          reply.addHeader(ScoringHeaders.CONTENT_TYPE, "application/octet-stream")
              .addHeader(ScoringHeaders.INFERENCE_HEADER_LENGTH, Integer.toString(e.jsonLength()));
        }
        job.message.reply(e.body(), reply);
        logAccess(job, 200);
      } else {
        fail(job, (Throwable) r);
      }
    }
  }

  /** Refuses a request the instance will not run (counted, and its access line written). */
  private void refuse(ScoringJob job, FailureKind kind, String text) {
    if (job.enqueuedNanos != 0 && job.queuedNanos == 0) {
      job.queuedNanos = System.nanoTime() - job.enqueuedNanos;
    }
    metrics.refused(kind);
    logAccess(job, kind.httpStatus());
    job.fail(kind, text);
  }

  /** The request's access line, once it is answered (see {@link AccessLog}). */
  private void logAccess(ScoringJob job, int status) {
    access.record(new AccessLog.Line(System.currentTimeMillis(), id, job.requestId, job.traceId(), job.mirror(),
        status, job.queuedNanos, job.runNanos, job.rows));
  }

  /** On a worker: runs the model once for all jobs and encodes each answer (an Encoded or a failure). */
  private List<Object> execute(OnnxModel running, List<ScoringJob> jobs) {
    List<Object> results = new ArrayList<>(jobs.size());
    if (jobs.size() == 1) {
      ScoringJob job = jobs.get(0);
      metrics.runStarted();
      long t0 = System.nanoTime();
      try {
        List<OutputValue> outputs = running.run(job.request.inputs(), job.request.requestedOutputs());
        ran(jobs, t0);
        results.add(encode(job, outputs));
      } catch (RuntimeException e) {
        ran(jobs, t0);
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
    metrics.runStarted();
    long t0 = System.nanoTime();
    List<OutputValue> outputs;
    try {
      outputs = running.run(TensorBatches.concat(inputs), jobs.get(0).request.requestedOutputs());
    } finally {
      ran(jobs, t0);
    }
    try {
      split = TensorBatches.split(outputs, rows);
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

  /** One model run for these jobs, started at {@code t0}: measured, and each job's model time. */
  private void ran(List<ScoringJob> jobs, long t0) {
    long nanos = System.nanoTime() - t0;
    long rows = 0;
    for (ScoringJob job : jobs) {
      job.runNanos = nanos;
      rows += job.rows;
    }
    metrics.ran(rows, nanos);
  }

  private ScoringResponseEncoder.Encoded encode(ScoringJob job, List<OutputValue> outputs) {
    return job.protocol == ScoringProtocol.AZURE_ML
        ? new ScoringResponseEncoder.Encoded(ScoringResponseEncoder.encodeAzure(outputs), -1)
        : ScoringResponseEncoder.encodeOpenInferenceFor(deployment.endpoint(), deployment.name(), job.request, outputs);
  }

  private void fail(ScoringJob job, Throwable cause) {
    FailureKind kind = cause instanceof InferbusException e ? e.kind() : FailureKind.INTERNAL;
    metrics.refused(kind);
    logAccess(job, kind.httpStatus());
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
    /** When it entered the queue (System.nanoTime). */
    long enqueuedNanos;
    /** How long it waited in the queue, and how long its model run took (written by the worker that ran it). */
    long queuedNanos;
    long runNanos;

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

    /** The trace id of the W3C traceparent the gateway passed on ({@code 00-<trace id>-...}), or null. */
    String traceId() {
      String traceparent = message.headers().get(ScoringHeaders.TRACEPARENT);
      return traceparent != null && traceparent.length() >= 35 ? traceparent.substring(3, 35) : null;
    }

    boolean mirror() {
      return message.headers().contains(ScoringHeaders.MIRROR);
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
