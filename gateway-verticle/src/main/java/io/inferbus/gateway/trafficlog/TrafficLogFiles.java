package io.inferbus.gateway.trafficlog;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads a gateway's traffic log back for {@code GET /endpoints/{e}/traffic-log}: the last matching
 * lines of one endpoint, from the newest file back, stopping once it has enough or the files are
 * older than {@code since}. Blocking (disk): run it on a worker.
 */
public final class TrafficLogFiles {
  private final Path dir;

  public TrafficLogFiles(Path dir) {
    this.dir = dir;
  }

  /** What to look for; {@code requestId}, {@code sinceMillis} (0: all) and {@code status} are optional. */
  public record Query(String endpoint, String requestId, long sinceMillis, String status, int lines) {
    /** Parses the event-bus request of {@code Addresses.trafficLog}. */
    public static Query fromJson(JsonObject q) {
      return new Query(q.getString("endpoint"), q.getString("request_id"), q.getLong("since_ms", 0L),
          q.getString("status"), Math.max(1, Math.min(q.getInteger("lines", 100), 10_000)));
    }
  }

  /** The last {@code lines} lines matching the query, oldest first. */
  public List<JsonObject> read(Query query) throws IOException {
    // cheap text tests first: only lines of the endpoint (and request id) are parsed
    String endpointText = "\"endpoint\":\"" + query.endpoint() + "\"";
    String requestText = query.requestId() == null ? null : "\"request_id\":\"" + query.requestId() + "\"";
    String since = query.sinceMillis() > 0 ? TrafficLog.TIME.format(Instant.ofEpochMilli(query.sinceMillis())) : null;
    ArrayDeque<JsonObject> found = new ArrayDeque<>();
    for (Path file : newestFirst()) {
      if (query.sinceMillis() > 0 && Files.getLastModifiedTime(file).toMillis() < query.sinceMillis()) {
        break; // this file and the older ones ended before the window
      }
      ArrayDeque<JsonObject> inFile = new ArrayDeque<>();
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (!line.contains(endpointText) || (requestText != null && !line.contains(requestText))) {
            continue;
          }
          JsonObject entry;
          try {
            entry = new JsonObject(line);
          } catch (DecodeException torn) {
            continue; // a line cut by a crash
          }
          if ((since != null && entry.getString("time", "").compareTo(since) < 0)
              || !statusMatches(query.status(), entry.getInteger("status", 0))) {
            continue;
          }
          inFile.addLast(entry);
          if (inFile.size() > query.lines()) {
            inFile.removeFirst();
          }
        }
      }
      while (!inFile.isEmpty() && found.size() < query.lines()) {
        found.addFirst(inFile.removeLast());
      }
      if (found.size() >= query.lines()) {
        break;
      }
    }
    return new ArrayList<>(found);
  }

  /** {@code "503"} is that code, {@code "5xx"} the class; null matches all. */
  static boolean statusMatches(String status, int code) {
    if (status == null) {
      return true;
    }
    if (status.length() == 3 && status.endsWith("xx")) {
      return code / 100 == status.charAt(0) - '0';
    }
    return status.equals(Integer.toString(code));
  }

  /** The reply to a query. */
  public JsonObject reply(String nodeId, Query query) throws IOException {
    JsonArray lines = new JsonArray();
    read(query).forEach(lines::add);
    return new JsonObject().put("node", nodeId).put("lines", lines);
  }

  /** The traffic-log files, the one being written first, then the rotated ones newest first. */
  private List<Path> newestFirst() throws IOException {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "traffic*.log")) {
      stream.forEach(files::add);
    }
    List<Path> rolled = new ArrayList<>();
    Path current = null;
    for (Path f : files) {
      if (f.getFileName().toString().equals(TrafficLog.FILE_NAME)) {
        current = f;
      } else {
        rolled.add(f);
      }
    }
    rolled.sort(Comparator.comparing(TrafficLogFiles::modified).thenComparing(Path::toString).reversed());
    if (current != null) {
      rolled.add(0, current);
    }
    return rolled;
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException gone) {
      return FileTime.fromMillis(0);
    }
  }
}
