package io.inferbus.controlplane.gateways;

import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.state.NodeState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One question put to every gateway of the cluster (the live nodes with the gateway role) over its
 * node address, each answer read, and who answered: a gateway that does not answer within the
 * timeout (down, partitioned, overloaded), or answers what cannot be read, is named among the
 * missing, and the others' answers still come. What the gateways' statistics and the autoscaler's
 * demand samples share. Call on the control plane's event loop (it reads the node table there).
 */
public final class GatewayQuestion<T> {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayQuestion.class);

  private final Vertx vertx;
  private final LiveCluster live;
  private final long timeoutMs;
  private final Function<String, String> address;
  private final Function<Object, T> read;
  private final String what;
  private final boolean everySecond;

  /**
   * @param address a gateway node's address for this question
   * @param read reads one answer; a refusal as {@link InferbusException} means it cannot be read
   * @param what what is asked for, as the log names it ("statistics", "demand")
   * @param everySecond asked on a timer (the autoscaler's samples): a gateway that does not answer is
   *     logged at DEBUG, not once a second at INFO
   */
  public GatewayQuestion(Vertx vertx, LiveCluster live, long timeoutMs, Function<String, String> address,
      Function<Object, T> read, String what, boolean everySecond) {
    this.everySecond = everySecond;
    this.vertx = vertx;
    this.live = live;
    this.timeoutMs = timeoutMs;
    this.address = address;
    this.read = read;
    this.what = what;
  }

  /** Every gateway's answer, in the node table's order, and the gateways that did not give one. */
  public record Answers<T>(Map<String, T> byGateway, List<String> missingGateways) {
    public List<String> gateways() {
      return List.copyOf(byGateway.keySet());
    }
  }

  /** Asks; never fails for a gateway that does not answer. */
  public Future<Answers<T>> ask(JsonObject question) {
    List<String> gateways = List.copyOf(live.nodeIds(NodeState.ROLE_GATEWAY));
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    List<Future<T>> asks = new ArrayList<>();
    for (String node : gateways) {
      asks.add(vertx.eventBus().<Object>request(address.apply(node), question, options)
          .map(reply -> read.apply(reply.body())));
    }
    return Future.join(asks).transform(ignored -> {
      Map<String, T> answers = new LinkedHashMap<>();
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < gateways.size(); i++) {
        String node = gateways.get(i);
        Future<T> answer = asks.get(i);
        if (answer.succeeded()) {
          answers.put(node, answer.result());
        } else {
          if (answer.cause() instanceof InferbusException unreadable) {
            LOG.warn("gateway {} answered {} that cannot be read: {}", node, what, unreadable.getMessage());
          } else if (everySecond) {
            LOG.debug("gateway {} did not answer the {} query: {}", node, what, answer.cause().getMessage());
          } else {
            LOG.info("gateway {} did not answer the {} query: {}", node, what, answer.cause().getMessage());
          }
          missing.add(node);
        }
      }
      return Future.succeededFuture(new Answers<>(answers, missing));
    });
  }
}
