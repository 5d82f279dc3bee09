package io.inferbus.controlplane.autoscale;

import io.inferbus.controlplane.gateways.GatewayQuestion;
import io.inferbus.controlplane.placement.LiveCluster;
import io.inferbus.protocol.Addresses;
import io.inferbus.protocol.ClusterMaps;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.GatewayDemand;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Asks every gateway of the cluster for its demand on the autoscaled deployments
 * ({@link Addresses#gatewayDemand}) and adds the answers up per deployment: requests in flight and
 * waiting are summed over the gateways, the time since the last answer is the least of theirs. A
 * gateway that does not answer within the timeout is named among the missing; its share is then
 * not in the sums (the autoscaler decides on what it has, see {@link Autoscaler}). Call on the
 * control plane's event loop.
 */
public final class DemandGatherer {
  /** A gateway answers from memory at once; one slower than this is in trouble, and a sample must not wait. */
  public static final long DEFAULT_TIMEOUT_MS = 1000;

  private final GatewayQuestion<GatewayDemand> question;

  public DemandGatherer(Vertx vertx, LiveCluster live, long timeoutMs) {
    this.question = new GatewayQuestion<>(vertx, live, timeoutMs, Addresses::gatewayDemand, GatewayDemand::fromJson,
        "demand", true);
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
    return question.ask(query.toJson()).map(answers -> {
      Map<String, Demand> merged = new HashMap<>();
      for (GatewayDemand answer : answers.byGateway().values()) {
        for (GatewayDemand.Demand d : answer.deployments()) {
          merged.compute(ClusterMaps.deploymentKey(d.endpoint(), d.deployment()),
              (k, sum) -> (sum == null ? Demand.NONE : sum).plus(d));
        }
      }
      return new Gathered(merged, answers.gateways(), answers.missingGateways());
    });
  }
}
