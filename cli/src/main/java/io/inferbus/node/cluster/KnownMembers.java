package io.inferbus.node.cluster;

import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.files.DurableFiles;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code <data-dir>/cluster/members.json}: the Hazelcast addresses of the other members the node
 * that founded the cluster saw last. The other nodes joined with its join.json, so its own
 * cluster.xml need not name them; started again, it looks for its cluster at these addresses too,
 * and rejoins the nodes that kept running instead of founding a cluster of its own beside them.
 */
public record KnownMembers(List<String> addresses) {
  static final String FILE_NAME = "members.json";

  public static Path file(Path dataDir) {
    return dataDir.resolve(ClusterCa.DIR).resolve(FILE_NAME);
  }

  /** The addresses written last; none when there is no file. */
  public static KnownMembers read(Path dataDir) throws IOException {
    Path file = file(dataDir);
    if (!Files.exists(file)) {
      return new KnownMembers(List.of());
    }
    try {
      JsonArray members = new JsonObject(Files.readString(file)).getJsonArray("members", new JsonArray());
      return new KnownMembers(members.stream().map(String::valueOf).toList());
    } catch (DecodeException | ClassCastException e) {
      throw new IOException(file + " is not a list of cluster members (" + e.getMessage() + "); remove it to start"
          + " without it");
    }
  }

  public void write(Path dataDir) throws IOException {
    DurableFiles.replace(file(dataDir), (new JsonObject().put("members", new JsonArray(addresses)).encodePrettily()
        + "\n").getBytes(StandardCharsets.UTF_8), true);
  }
}
