package io.inferbus.deployment.instance;

import io.inferbus.deployment.admission.InstanceScheduler;
import io.inferbus.deployment.agent.InstanceDirectory;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.deployment.runner.BatchRunner;
import io.inferbus.deployment.runner.ModelRunners;
import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.delivery.LocalInstances;
import io.inferbus.protocol.delivery.ScoringCall;
import io.inferbus.protocol.state.BatchingSettings;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.state.RequestSettings;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.OutputValue;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running copy of a deployment's model, and its lifecycle (Triton's model instance): loads the
 * model with ONNX Runtime, warms it up, takes scoring requests on its event-bus address (and, from a
 * gateway on the same node, straight through {@link LocalInstances}), publishes itself as ready, and
 * on stop drains: gateways are told first, what they had sent is still taken for a grace period, and
 * everything admitted is finished before the model is freed.
 *
 * <p>The parts, each testable alone: {@link ScoringJob} (one request, and how it is answered),
 * {@link InstanceScheduler} (admission under the deployment's request settings around the pure
 * {@link io.inferbus.deployment.admission.RequestQueue}, batching, queue-wait limits), the node's
 * {@link ModelRunners} (threads shared by every instance) and {@link BatchRunner} (one ONNX Runtime
 * run for one request or a batch).
 *
 * <p>Threads: a request is taken in on the thread that delivers it (the agent's event loop for the
 * event bus, the gateway's for a local call), queued without decoding when the instance does not
 * batch, and decoded, run, encoded and answered by one runner thread. An instance that batches needs
 * the shapes before it queues: it decodes small bodies where they arrive and larger ones on a runner
 * thread. Work whose caller's deadline passed while queued is dropped, never run late.
 */
public final class ModelInstance {
  private static final Logger LOG = LoggerFactory.getLogger(ModelInstance.class);
  /**
   * In an instance that batches, bodies up to this size are decoded where they arrive (a few
   * microseconds); larger ones (an image as JSON: hundreds of microseconds) on a runner thread.
   */
  static final int INLINE_DECODE_BYTES = 8 * 1024;
  /** Requests an instance holds waiting, whatever max_queue_wait_ms allows. */
  static final int QUEUE_CAPACITY = 1024;
  /**
   * How long a draining instance keeps consuming, for requests gateways sent before they heard it
   * drain (milliseconds on a healthy cluster; a GC pause is the margin).
   */
  static final long DRAIN_GRACE_MS = 1000;

  private final Vertx vertx;
  private final DeploymentState deployment;
  private final RequestSettings settings;
  private final BatchingSettings batching;
  private final String nodeId;
  private final InstanceDirectory directory;
  private final String id;
  private final String address;
  private final ModelRunners runners;
  private final LocalInstances local;
  private final InstanceMetrics metrics;
  private final AccessLog access;
  private volatile String state = InstanceState.LOADING;
  /** Set once loaded, cleared when closed; read by the delivering threads. */
  private volatile OnnxModel model;
  private volatile ScoringRequestDecoder decoder;
  private volatile BatchRunner runner;
  private volatile InstanceScheduler<ScoringJob> scheduler;
  private MessageConsumer<Buffer> consumer;
  private boolean stopping;
  private final Promise<Void> stopped = Promise.promise();
  /** This instance's running and waiting requests, for the deployment's gauges. */
  private final InstanceMetrics.Load load = new InstanceMetrics.Load() {
    @Override
    public int running() {
      InstanceScheduler<ScoringJob> s = scheduler;
      return s == null ? 0 : s.running();
    }

    @Override
    public int waiting() {
      InstanceScheduler<ScoringJob> s = scheduler;
      return s == null ? 0 : s.waiting();
    }
  };

  /** An instance with metrics of its own, no access lines and reached over the event bus only (benchmarks). */
  public ModelInstance(Vertx vertx, DeploymentState deployment, String nodeId, InstanceDirectory directory,
      MeterRegistry registry, ModelRunners runners) {
    this(vertx, deployment, nodeId, directory, new InstanceMetrics(registry, deployment.endpoint(), deployment.name()),
        AccessLog.NONE, runners, LocalInstances.NONE);
  }

  /**
   * @param metrics the deployment's metrics on this node, shared by its instances here
   * @param access where the instance writes one line per finished request
   * @param runners the node's runner threads
   * @param local where the instance registers for gateways on this node
   */
  public ModelInstance(Vertx vertx, DeploymentState deployment, String nodeId, InstanceDirectory directory,
      InstanceMetrics metrics, AccessLog access, ModelRunners runners, LocalInstances local) {
    this.vertx = vertx;
    this.deployment = deployment;
    this.settings = deployment.requestSettings();
    this.batching = deployment.batching();
    this.nodeId = nodeId;
    this.directory = directory;
    this.id = deployment.endpoint() + "." + deployment.name() + "." + UUID.randomUUID().toString().substring(0, 8);
    this.address = Addresses.instance(id);
    this.runners = runners;
    this.local = local;
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
          this.runner = new BatchRunner(id, loaded, batching == null ? 1 : batching.maxBatchSize(), metrics.runs());
          this.scheduler = new InstanceScheduler<>(new InstanceScheduler.Settings(
              settings.maxConcurrentRequestsPerInstance(), runners.threads(), QUEUE_CAPACITY,
              settings.maxQueueWaitMs() * 1_000_000L, batching == null ? 0 : batching.maxBatchDelayMs() * 1_000_000L,
              runner::maxRows), runners, runners::schedule, System::nanoTime, this::run, this::expired);
          if (batching != null && !loaded.batchable()) {
            LOG.warn("instance {}: batching is configured but the model's first dimensions are not all dynamic;"
                + " requests run one by one", id);
          }
          // a cluster-wide consumer: gateways on other nodes reach this instance
          this.consumer = vertx.eventBus().consumer(address, this::handle);
          return consumer.completion().onSuccess(v -> local.register(address, this::deliver));
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
      local.unregister(address);
      Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
      unregistered.compose(v -> directory.remove(id)).onComplete(ar -> stopped.tryComplete());
      return stopped.future();
    }
    state = InstanceState.DRAINING;
    LOG.info("instance {} draining", id);
    Context context = vertx.getOrCreateContext();
    directory.publish(snapshot(model, null)).onComplete(published -> vertx.setTimer(DRAIN_GRACE_MS, t -> {
      local.unregister(address);
      consumer.unregister().onComplete(ar ->
          // the runners finish what is queued and running, then the model goes
          scheduler.close().whenComplete((v, e) -> context.runOnContext(x -> close())));
    }));
    return stopped.future();
  }

  /** Once nothing is queued or running: leaves the instance table and frees the model. */
  private void close() {
    OnnxModel m = model;
    model = null;
    metrics.detach(load);
    directory.remove(id).onComplete(ar -> {
      LOG.info("instance {} stopped", id);
      stopped.tryComplete();
    });
    vertx.executeBlocking(() -> {
      m.close();
      return null;
    });
  }

  // ------------------------------------------------------------------ the request path

  /** A request over the event bus (event loop). */
  private void handle(Message<Buffer> message) {
    ScoringJob job;
    try {
      job = ScoringJob.of(message, settings.requestTimeoutMs());
    } catch (IllegalArgumentException e) { // an unknown protocol
      message.fail(FailureKind.BAD_INPUT.eventBusCode(), e.getMessage());
      return;
    } catch (InferbusException e) { // a bad JSON length
      message.fail(e.kind().eventBusCode(), e.getMessage());
      return;
    }
    take(job);
  }

  /** A request from a gateway on this node, on the gateway's thread. */
  private void deliver(ScoringCall call) {
    take(ScoringJob.of(call));
  }

  /**
   * Admits a request: queued as it is when the instance runs requests one by one (the runner decodes
   * it), decoded first when it batches (the batch key is its shapes).
   */
  private void take(ScoringJob job) {
    if (model == null) {
      gone(job);
      return;
    }
    if (runner.maxRows() <= 1) {
      submit(job);
    } else if (job.body.length() <= INLINE_DECODE_BYTES) {
      decodeAndSubmit(job);
    } else {
      runners.execute(() -> decodeAndSubmit(job));
    }
  }

  private void decodeAndSubmit(ScoringJob job) {
    try {
      job.decode(decoder, true);
    } catch (RuntimeException e) {
      fail(job, e);
      return;
    }
    submit(job);
  }

  private void submit(ScoringJob job) {
    switch (scheduler.submit(job)) {
      case QUEUED -> {
      }
      case CLOSED -> gone(job);
      case FULL -> refuse(job, FailureKind.OVERLOADED, "instance " + id + " of deployment '" + deployment.name()
          + "' has " + QUEUE_CAPACITY + " requests waiting; try again later");
    }
  }

  /**
   * Refuses a request that came after the instance stopped taking requests; a gateway on this node
   * sends it to another instance, as it does one the event bus finds no consumer for.
   */
  private void gone(ScoringJob job) {
    metrics.refused(FailureKind.UNAVAILABLE);
    logAccess(job, FailureKind.UNAVAILABLE.httpStatus());
    job.gone("instance " + id + " is stopping");
  }

  /** Refuses, as overloaded, requests that waited longer than max_queue_wait_ms (the scheduler's timer). */
  private void expired(List<ScoringJob> jobs, int running, int waiting) {
    for (ScoringJob job : jobs) {
      refuse(job, FailureKind.OVERLOADED, "instance " + id + " of deployment '" + deployment.name()
          + "' is busy: the request waited " + settings.maxQueueWaitMs() + " ms (max_queue_wait_ms) while "
          + running + " ran (max_concurrent_requests_per_instance " + settings.maxConcurrentRequestsPerInstance()
          + ") and " + waiting + " more waited");
    }
  }

  /**
   * On a runner thread, a batch the scheduler planned: drops requests past their deadline, decodes
   * what is not decoded yet, runs the rest as one batch and answers each.
   */
  private void run(List<ScoringJob> batch) {
    long now = System.nanoTime();
    List<ScoringJob> live = new ArrayList<>(batch.size());
    for (ScoringJob job : batch) {
      job.queuedNanos = now - job.enqueuedNanos;
      if (now > job.deadlineNanos) { // the gateway has answered 408 already: never run late
        refuse(job, FailureKind.TIMED_OUT, "request_timeout_ms passed while queued");
        continue;
      }
      if (!job.decoded()) {
        try {
          job.decode(decoder, false);
        } catch (RuntimeException e) {
          fail(job, e);
          continue;
        }
      }
      metrics.waited(job.queuedNanos); // of the requests that run
      live.add(job);
    }
    if (live.isEmpty()) {
      return;
    }
    List<InferenceRequest> requests = new ArrayList<>(live.size());
    for (ScoringJob job : live) {
      requests.add(job.request);
    }
    List<BatchRunner.Result> results = runner.run(requests);
    for (int i = 0; i < live.size(); i++) {
      ScoringJob job = live.get(i);
      BatchRunner.Result result = results.get(i);
      job.runNanos = result.runNanos();
      if (!result.succeeded()) {
        fail(job, result.failure());
        continue;
      }
      ScoringResponseEncoder.Encoded encoded;
      try {
        encoded = encode(job, result.outputs());
      } catch (RuntimeException e) {
        fail(job, e);
        continue;
      }
      metrics.answered();
      logAccess(job, 200);
      job.answer(encoded.body(), encoded.jsonLength());
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
    access.record(new AccessLog.Line(System.currentTimeMillis(), id, job.requestId, job.traceId(), job.mirror,
        status, job.queuedNanos, job.runNanos, job.rows));
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
      job.fail(e.kind(), e.getMessage());
    } else {
      LOG.error("request {} on instance {} failed unexpectedly", job.requestId, id, cause);
      job.fail(FailureKind.INTERNAL, "internal error in instance " + id);
    }
  }

  private InstanceState snapshot(OnnxModel loaded, String failureReason) {
    return new InstanceState(id, deployment.endpoint(), deployment.name(), deployment.generation(), nodeId, address,
        state, failureReason, System.currentTimeMillis(), loaded == null ? null : loaded.signatureJson());
  }
}
