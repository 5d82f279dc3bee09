package io.inferbus.controlplane.logs;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the same question of several nodes' log services over the event bus and merges their
 * answers: the lines of every node that answered in time, ordered by their {@code time}, the last
 * {@code lines} of them; the nodes that did not answer are named. Each node keeps its own recent
 * lines in memory, so a node that is down or slow costs its lines, never the whole answer.
 *
 * <p>A node's answer is {@code {"node", "lines": [{"time": <ISO-8601 instant>, ...}, ...]}}, oldest
 * first, with {@code "logging": "off"} when the node does not keep these lines (started with
 * {@code --request-logging off}): such nodes are named in {@code logging_off_nodes} ({@link io.inferbus.protocol.Addresses#nodeLogs}, {@link io.inferbus.protocol.Addresses#trafficLog}).
 */
public final class LogGatherer {
  private static final Logger LOG = LoggerFactory.getLogger(LogGatherer.class);
  /** Most lines one answer holds. */
  public static final int MAX_LINES = 10_000;
  /** Lines when the caller names no number. */
  public static final int DEFAULT_LINES = 100;
  /** How long to wait for each node's lines: enough for a loaded node, short enough for an operator waiting. */
  public static final long DEFAULT_TIMEOUT_MS = 3000;

  private final Vertx vertx;
  private final long timeoutMs;

  public LogGatherer(Vertx vertx, long timeoutMs) {
    this.vertx = vertx;
    this.timeoutMs = timeoutMs;
  }

  /**
   * The {@code lines} query parameter: a whole number from 1 to {@value #MAX_LINES}, {@value #DEFAULT_LINES}
   * when absent; anything else is a 400 naming it.
   */
  public static int lines(String param) {
    int lines;
    try {
      lines = param == null ? DEFAULT_LINES : Integer.parseInt(param.trim());
    } catch (NumberFormatException e) {
      lines = -1;
    }
    if (lines < 1 || lines > MAX_LINES) {
      throw new InferbusException(FailureKind.BAD_INPUT,
          "lines must be a whole number from 1 to " + MAX_LINES + ", not '" + param + "'", "lines");
    }
    return lines;
  }

  /**
   * Sends {@code query} to {@code address.apply(node)} for every node and merges the answers.
   *
   * @return {@code {"value": [line, ...], "unreachable_nodes": [node, ...]}}: the last {@code lines}
   *     lines, oldest first, each with the {@code node} that gave it
   */
  public Future<JsonObject> gather(Collection<String> nodes, Function<String, String> address, JsonObject query,
      int lines) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    List<Future<JsonArray>> asks = new ArrayList<>();
    List<String> asked = List.copyOf(nodes);
    JsonArray loggingOff = new JsonArray();
    for (String node : asked) {
      asks.add(vertx.eventBus().<Object>request(address.apply(node), query, options).map(reply -> {
        if (!(reply.body() instanceof JsonObject answer) || answer.getJsonArray("lines") == null) {
          throw new IllegalStateException("the answer is not {\"node\", \"lines\": [...]}");
        }
        if ("off".equals(answer.getString("logging"))) {
          loggingOff.add(node);
        }
        return answer.getJsonArray("lines");
      }));
    }
    return Future.join(asks).transform(ignored -> {
      List<JsonObject> merged = new ArrayList<>();
      JsonArray unreachable = new JsonArray();
      for (int i = 0; i < asked.size(); i++) {
        String node = asked.get(i);
        Future<JsonArray> answer = asks.get(i);
        if (answer.failed()) {
          LOG.info("node {} did not answer {}: {}", node, address.apply(node), answer.cause().getMessage());
          unreachable.add(node);
          continue;
        }
        for (Object line : answer.result()) {
          if (line instanceof JsonObject l) {
            merged.add(l.put("node", node));
          }
        }
      }
      // stable: lines of the same instant keep each node's order
      merged.sort(Comparator.comparing(LogGatherer::timeOf));
      JsonArray value = new JsonArray();
      merged.subList(Math.max(0, merged.size() - lines), merged.size()).forEach(value::add);
      JsonObject result = new JsonObject().put("value", value).put("unreachable_nodes", unreachable);
      if (!loggingOff.isEmpty()) {
        result.put("logging_off_nodes", loggingOff);
      }
      return Future.succeededFuture(result);
    });
  }

  /**
   * A line's instant. Parsed rather than compared as text: {@link Instant#toString} leaves out zero
   * milliseconds, and "12:00:00Z" sorts after "12:00:00.5Z" as text. A line without a readable time
   * sorts first.
   */
  private static Instant timeOf(JsonObject line) {
    Object time = line.getValue("time");
    if (time instanceof String s) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        return Instant.MIN;
      }
    }
    return Instant.MIN;
  }
}
