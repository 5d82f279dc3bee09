package io.inferbus.controlplane.autoscale;

import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.GatewayDemand;
import io.inferbus.protocol.state.NodeState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks every gateway of the cluster for its demand on the autoscaled deployments
 * ({@link Addresses#gatewayDemand}) and adds the answers up per deployment: requests in flight and
 * waiting are summed over the gateways, the time since the last answer is the least of theirs. A
 * gateway that does not answer within the timeout is named among the missing; its share is then
 * not in the sums (the autoscaler decides on what it has, see {@link Autoscaler}). Call on the
 * control plane's event loop.
 */
public final class DemandGatherer {
  private static final Logger LOG = LoggerFactory.getLogger(DemandGatherer.class);
  /** A gateway answers from memory at once; one slower than this is in trouble, and a sample must not wait. */
  public static final long DEFAULT_TIMEOUT_MS = 1000;

  private final Vertx vertx;
  private final LiveCluster live;
  private final long timeoutMs;

  public DemandGatherer(Vertx vertx, LiveCluster live, long timeoutMs) {
    this.vertx = vertx;
    this.live = live;
    this.timeoutMs = timeoutMs;
  }

  /** One deployment's demand over every gateway that answered. */
  public record Demand(double inFlight, int inFlightNow, int waiting, long idleMs) {
    static final Demand NONE = new Demand(0, 0, 0, -1);

    Demand plus(GatewayDemand.Demand d) {
      long idle = idleMs < 0 ? d.idleMs() : d.idleMs() < 0 ? idleMs : Math.min(idleMs, d.idleMs());
      return new Demand(inFlight + d.inFlight(), inFlightNow + d.inFlightNow(), waiting + d.waiting(), idle);
    }
  }

  /** What the gateways answered: demand by deployment key ({@code endpoint/deployment}), and who answered. */
  public record Gathered(Map<String, Demand> byDeployment, List<String> gateways, List<String> missingGateways) {
    /** A deployment's demand; none (0 in flight, never answered) when no gateway routes it yet. */
    public Demand of(String deploymentKey) {
      return byDeployment.getOrDefault(deploymentKey, Demand.NONE);
    }
  }

  public Future<Gathered> gather(DemandQuery query) {
    List<String> gateways = List.copyOf(live.nodeIds(NodeState.ROLE_GATEWAY));
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    List<Future<GatewayDemand>> asks = new ArrayList<>();
    for (String node : gateways) {
      asks.add(vertx.eventBus().<Object>request(Addresses.gatewayDemand(node), query.toJson(), options)
          .map(reply -> GatewayDemand.fromJson(reply.body())));
    }
    return Future.join(asks).transform(ignored -> {
      Map<String, Demand> merged = new HashMap<>();
      List<String> answered = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (int i = 0; i < gateways.size(); i++) {
        Future<GatewayDemand> answer = asks.get(i);
        if (answer.failed()) {
          if (answer.cause() instanceof InferbusException unreadable) {
            LOG.warn("gateway {} answered a demand that cannot be read: {}", gateways.get(i), unreadable.getMessage());
          } else {
            LOG.debug("gateway {} did not answer the demand query: {}", gateways.get(i), answer.cause().getMessage());
          }
          missing.add(gateways.get(i));
          continue;
        }
        answered.add(gateways.get(i));
        for (GatewayDemand.Demand d : answer.result().deployments()) {
          merged.compute(ClusterMaps.deploymentKey(d.endpoint(), d.deployment()),
              (k, sum) -> (sum == null ? Demand.NONE : sum).plus(d));
        }
      }
      return Future.succeededFuture(new Gathered(merged, answered, missing));
    });
  }
}
