package io.inferbus.deployment.agent;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.inferbus.deployment.instance.AccessLog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The recent log lines of the instances on this node, kept per deployment (at most
 * {@link #LINES_PER_DEPLOYMENT} each, oldest dropped first) for
 * {@code GET /endpoints/{e}/deployments/{d}/logs}. The node's logging backend feeds every line
 * through {@link #offer}; a line belongs to an instance when it names the instance's id, and only
 * instances this node started ({@link #track}) are kept. Access lines ({@link #access}, one per
 * request) are kept apart, as many again, so a busy deployment's requests never push its lifecycle
 * lines (loaded, ready, draining, failed) out; a read merges both by time. Thread-safe.
 */
public final class DeploymentLogs implements AccessLog {
  public static final int LINES_PER_DEPLOYMENT = 1000;
  /** Instance ids look like {@code <endpoint>.<deployment>.<8 hex digits>}. */
  private static final Pattern INSTANCE_ID =
      Pattern.compile("\\b([A-Za-z][A-Za-z0-9-]*\\.[A-Za-z][A-Za-z0-9-]*\\.[0-9a-f]{8})\\b");

  /** One kept line. */
  public record Line(long time, String instance, String level, String message) {
    JsonObject toJson() {
      return new JsonObject().put("time", java.time.Instant.ofEpochMilli(time).toString()).put("instance", instance)
          .put("level", level).put("message", message);
    }
  }

  /** instance id → deployment key, for the instances this node runs or ran. */
  private final Map<String, String> tracked = new ConcurrentHashMap<>();
  private final Map<String, ArrayDeque<Line>> byDeployment = new ConcurrentHashMap<>();
  private final Map<String, ArrayDeque<AccessLog.Line>> accessByDeployment = new ConcurrentHashMap<>();

  /** From now on, lines naming this instance belong to the deployment. */
  public void track(String instanceId, String deploymentKey) {
    tracked.put(instanceId, deploymentKey);
  }

  /** Forgets a deployment's lines and instances (it was deleted). */
  public void forget(String deploymentKey) {
    byDeployment.remove(deploymentKey);
    accessByDeployment.remove(deploymentKey);
    tracked.values().removeIf(deploymentKey::equals);
  }

  /** A formatted log line; kept when it names an instance of this node. Cheap when it names none. */
  public void offer(long time, String level, String message) {
    if (message == null || message.indexOf('.') < 0 || tracked.isEmpty()) {
      return;
    }
    Matcher m = INSTANCE_ID.matcher(message);
    while (m.find()) {
      String key = tracked.get(m.group(1));
      if (key != null) {
        ArrayDeque<Line> lines = byDeployment.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (lines) {
          if (lines.size() == LINES_PER_DEPLOYMENT) {
            lines.removeFirst();
          }
          lines.addLast(new Line(time, m.group(1), level, message));
        }
        return;
      }
    }
  }

  /** An instance's access line for a request it finished; kept when this node runs that instance. */
  @Override
  public void record(AccessLog.Line line) {
    String key = tracked.get(line.instance());
    if (key == null) {
      return;
    }
    ArrayDeque<AccessLog.Line> lines = accessByDeployment.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (lines) {
      if (lines.size() == LINES_PER_DEPLOYMENT) {
        lines.removeFirst();
      }
      lines.addLast(line);
    }
  }

  /** The last {@code n} lines of a deployment, log and access lines merged, oldest first. */
  public List<Line> last(String deploymentKey, int n) {
    List<Line> all = new ArrayList<>();
    ArrayDeque<Line> lines = byDeployment.get(deploymentKey);
    if (lines != null) {
      synchronized (lines) {
        all.addAll(lines);
      }
    }
    ArrayDeque<AccessLog.Line> accessLines = accessByDeployment.get(deploymentKey);
    if (accessLines != null) {
      List<AccessLog.Line> copy;
      synchronized (accessLines) {
        copy = new ArrayList<>(accessLines);
      }
      for (AccessLog.Line a : copy.subList(Math.max(0, copy.size() - n), copy.size())) {
        all.add(new Line(a.timeMillis(), a.instance(), "INFO", a.message()));
      }
      all.sort(java.util.Comparator.comparingLong(Line::time)); // stable: log lines first at equal times
    }
    return all.subList(Math.max(0, all.size() - n), all.size());
  }

  /** The reply to a logs request. */
  JsonObject reply(String nodeId, String deploymentKey, int n) {
    JsonArray out = new JsonArray();
    last(deploymentKey, n).forEach(l -> out.add(l.toJson()));
    return new JsonObject().put("node", nodeId).put("lines", out);
  }
}
