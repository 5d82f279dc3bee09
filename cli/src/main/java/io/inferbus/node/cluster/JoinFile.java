package io.inferbus.node.cluster;

import io.inferbus.protocol.cluster.ClusterCa;
import io.inferbus.protocol.files.DurableFiles;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code join.json}: everything another node needs to join a cluster, written by a control-plane
 * node (its data dir's {@code join.json}, or {@code inferbus cluster add-node NAME}): the cluster's
 * name, the members to contact, the cluster CA, and this node's credential on the event bus (a
 * certificate of that CA and its key). A secret: whoever holds it can join, so it is written 0600.
 */
public record JoinFile(String clusterName, List<String> members, String caPem, ClusterCa.NodeCredential credential) {
  public static final String FILE_NAME = "join.json";
  /** The roles a join file's credential allows unless asked otherwise: everything but the control plane. */
  public static final java.util.Set<String> DEFAULT_ROLES = java.util.Set.of("gateway", "deployment");
  static final int VERSION = 1;

  public JsonObject toJson() {
    return new JsonObject()
        .put("version", VERSION)
        .put("cluster_name", clusterName)
        .put("members", new JsonArray(members))
        .put("ca", caPem)
        .put("node_name", credential.name())
        .put("certificate", credential.certPem())
        .put("key", credential.keyPem());
  }

  public void write(Path file) throws IOException {
    DurableFiles.replace(file, (toJson().encodePrettily() + "\n").getBytes(StandardCharsets.UTF_8), true);
  }

  /** Reads a join file; a missing, unreadable or incomplete one is an error naming what is wrong. */
  public static JoinFile read(Path file) throws IOException {
    JsonObject json;
    try {
      json = new JsonObject(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IOException("no join file at " + file + " (a control-plane node writes join.json into its data dir;"
          + " `inferbus cluster add-node NAME` writes one per node)");
    } catch (DecodeException e) {
      throw new IOException(file + " is not a join file: not JSON (" + e.getMessage() + ")");
    }
    for (String field : List.of("cluster_name", "ca", "node_name", "certificate", "key")) {
      if (!(json.getValue(field) instanceof String s) || s.isBlank()) {
        throw new IOException(file + " is not a join file: '" + field + "' is missing");
      }
    }
    JsonArray members = json.getJsonArray("members");
    if (members == null || members.isEmpty()) {
      throw new IOException(file + " is not a join file: 'members' lists no member address");
    }
    return new JoinFile(json.getString("cluster_name"), members.stream().map(String::valueOf).toList(),
        json.getString("ca"), new ClusterCa.NodeCredential(json.getString("node_name"), json.getString("certificate"),
            json.getString("key")));
  }
}
