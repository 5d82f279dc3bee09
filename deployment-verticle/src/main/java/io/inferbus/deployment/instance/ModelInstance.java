package io.inferbus.deployment.instance;

import io.inferbus.deployment.agent.InstanceDirectory;
import io.inferbus.deployment.modelcache.ModelCache;
import io.inferbus.deployment.runtime.OnnxModel;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.ScoringHeaders;
import io.inferbus.protocol.ScoringProtocol;
import io.inferbus.protocol.state.DeploymentState;
import io.inferbus.protocol.state.InstanceState;
import io.inferbus.protocol.tensor.InferenceRequest;
import io.inferbus.protocol.tensor.ScoringRequestDecoder;
import io.inferbus.protocol.tensor.ScoringResponseEncoder;
import io.inferbus.protocol.tensor.Tensor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running copy of a deployment's model: loads it with ONNX Runtime, warms it up, then consumes
 * scoring messages on its own event-bus address and answers each with the encoded outputs or a
 * named failure. Ready only once the model loaded and one inference ran.
 */
public final class ModelInstance {
  private static final Logger LOG = LoggerFactory.getLogger(ModelInstance.class);

  private final Vertx vertx;
  private final DeploymentState deployment;
  private final String nodeId;
  private final InstanceDirectory directory;
  private final String id;
  private final String address;
  private volatile String state = InstanceState.LOADING;
  private OnnxModel model;
  private ScoringRequestDecoder decoder;
  private MessageConsumer<Buffer> consumer;
  private int inFlight;
  private boolean stopping;

  public ModelInstance(Vertx vertx, DeploymentState deployment, String nodeId, InstanceDirectory directory) {
    this.vertx = vertx;
    this.deployment = deployment;
    this.nodeId = nodeId;
    this.directory = directory;
    this.id = deployment.endpoint() + "." + deployment.name() + "." + UUID.randomUUID().toString().substring(0, 8);
    this.address = Addresses.instance(id);
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
          try {
            loaded.warmUp();
          } catch (RuntimeException e) {
            loaded.close();
            throw new InferbusException(FailureKind.BAD_INPUT, "the warm-up inference failed: " + e.getMessage());
          }
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
          // a cluster-wide consumer: gateways on other nodes reach this instance
          this.consumer = vertx.eventBus().consumer(address, this::handle);
          return consumer.completion();
        })
        .compose(v -> {
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

  /** Stops consuming, lets in-flight requests finish, frees the model, and leaves the table. */
  public Future<Void> stop() {
    stopping = true;
    state = InstanceState.DRAINING;
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return unregistered
        .compose(v -> directory.remove(id))
        .andThen(ar -> closeModelWhenIdle());
  }

  private void closeModelWhenIdle() {
    if (stopping && inFlight == 0 && model != null) {
      OnnxModel m = model;
      model = null;
      vertx.executeBlocking(() -> {
        m.close();
        return null;
      });
    }
  }

  private void handle(Message<Buffer> message) {
    String requestId = message.headers().get(ScoringHeaders.REQUEST_ID);
    ScoringProtocol protocol;
    try {
      protocol = ScoringProtocol.fromWireName(message.headers().get(ScoringHeaders.PROTOCOL));
    } catch (IllegalArgumentException e) {
      message.fail(FailureKind.BAD_INPUT.eventBusCode(), e.getMessage());
      return;
    }
    if (model == null) {
      message.fail(FailureKind.UNAVAILABLE.eventBusCode(), "instance " + id + " is stopping");
      return;
    }
    OnnxModel running = model;
    inFlight++;
    vertx.executeBlocking(() -> score(running, protocol, message.body()), false)
        .onComplete(ar -> {
          inFlight--;
          if (ar.succeeded()) {
            message.reply(ar.result(), new DeliveryOptions().addHeader(ScoringHeaders.CONTENT_TYPE, "application/json"));
          } else {
            fail(message, requestId, ar.cause());
          }
          closeModelWhenIdle();
        });
  }

  private Buffer score(OnnxModel running, ScoringProtocol protocol, Buffer body) {
    if (protocol == ScoringProtocol.AZURE_ML) {
      List<Tensor> inputs = decoder.decodeAzure(body);
      return ScoringResponseEncoder.encodeAzure(running.run(inputs, List.of()));
    }
    InferenceRequest request = decoder.decodeOpenInference(body);
    List<Tensor> outputs = running.run(request.inputs(), request.requestedOutputs());
    return ScoringResponseEncoder.encodeOpenInference(deployment.endpoint(), deployment.name(), request.id(), outputs);
  }

  private void fail(Message<Buffer> message, String requestId, Throwable cause) {
    if (cause instanceof InferbusException e) {
      if (e.kind().httpStatus() >= 500 || e.kind() == FailureKind.MODEL_FAILED) {
        LOG.warn("request {} on instance {}: {} {}", requestId, id, e.kind(), e.getMessage());
      } else {
        LOG.debug("request {} on instance {}: {} {}", requestId, id, e.kind(), e.getMessage());
      }
      message.fail(e.kind().eventBusCode(), e.getMessage());
    } else {
      LOG.error("request {} on instance {} failed unexpectedly", requestId, id, cause);
      message.fail(FailureKind.INTERNAL.eventBusCode(), "internal error in instance " + id);
    }
  }

  private InstanceState snapshot(OnnxModel loaded, String failureReason) {
    return new InstanceState(id, deployment.endpoint(), deployment.name(), deployment.generation(), nodeId, address,
        state, failureReason, System.currentTimeMillis(), loaded == null ? null : loaded.signatureJson());
  }
}
