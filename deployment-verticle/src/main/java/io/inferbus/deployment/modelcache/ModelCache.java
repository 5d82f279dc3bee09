package io.inferbus.deployment.modelcache;

import io.inferbus.protocol.files.DurableFiles;
import io.inferbus.protocol.hashing.Sha256;
import io.inferbus.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of model files, by sha256. A model it lacks is fetched from the control plane
 * over the event bus; every file is verified against its hash before use, so a corrupt or
 * truncated copy is fetched again rather than loaded.
 */
public final class ModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
  private static final long FETCH_TIMEOUT_MS = 120_000;

  private final Vertx vertx;
  private final Path dir;
  private final Map<String, Future<Path>> inProgress = new ConcurrentHashMap<>();

  public ModelCache(Vertx vertx, Path dir) {
    this.vertx = vertx;
    this.dir = dir;
  }

  /** The path of a verified local copy of the model with this sha256. */
  public Future<Path> get(String sha256) {
    return inProgress.computeIfAbsent(sha256, this::obtain)
        .andThen(ar -> inProgress.remove(sha256));
  }

  private Future<Path> obtain(String sha256) {
    Path file = dir.resolve(sha256 + ".onnx");
    return vertx.executeBlocking(() -> Files.exists(file) && sha256.equals(Sha256.hexOf(file)))
        .compose(present -> present ? Future.succeededFuture(file) : fetch(sha256, file));
  }

  private Future<Path> fetch(String sha256, Path file) {
    LOG.info("fetching model {} from the control plane", sha256);
    return vertx.eventBus()
        .<Buffer>request(Addresses.MODEL_FETCH, sha256, new DeliveryOptions().setSendTimeout(FETCH_TIMEOUT_MS))
        .compose(reply -> vertx.executeBlocking(() -> {
          Files.createDirectories(dir);
          Path tmp = Files.createTempFile(dir, sha256, ".part");
          try {
            Files.write(tmp, reply.body().getBytes());
            String actual = Sha256.hexOf(tmp);
            if (!sha256.equals(actual)) {
              throw new IOException("model " + sha256 + " arrived with hash " + actual);
            }
            DurableFiles.moveIntoPlace(tmp, file);
            return file;
          } finally {
            Files.deleteIfExists(tmp);
          }
        }));
  }
}
