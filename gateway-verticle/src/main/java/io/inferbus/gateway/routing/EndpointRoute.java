package io.inferbus.gateway.routing;

import io.inferbus.protocol.state.EndpointState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** One endpoint as the gateway routes to it: auth, and its deployments with the traffic weights. */
public final class EndpointRoute {
  private final EndpointState endpoint;
  private final Map<String, DeploymentRoute> deployments;
  private final String[] weightedNames;
  private final int[] cumulativeWeights;
  private final int totalWeight;

  EndpointRoute(EndpointState endpoint, Map<String, DeploymentRoute> deployments) {
    this.endpoint = endpoint;
    this.deployments = Map.copyOf(deployments);
    var positive = endpoint.traffic().entrySet().stream().filter(e -> e.getValue() > 0).toList();
    weightedNames = new String[positive.size()];
    cumulativeWeights = new int[positive.size()];
    int sum = 0;
    for (int i = 0; i < positive.size(); i++) {
      weightedNames[i] = positive.get(i).getKey();
      sum += positive.get(i).getValue();
      cumulativeWeights[i] = sum;
    }
    totalWeight = sum;
  }

  public EndpointState endpoint() {
    return endpoint;
  }

  /** A deployment by name, or null. */
  public DeploymentRoute deployment(String name) {
    return deployments.get(name);
  }

  /** Chooses a deployment by the traffic weights; null when no deployment has positive weight. */
  public DeploymentRoute chooseByWeight() {
    return chooseByWeight(ThreadLocalRandom.current().nextInt(Math.max(1, totalWeight)));
  }

  /** Chooses for a draw in [0, total weight): the deployment whose cumulative band holds it. */
  DeploymentRoute chooseByWeight(int draw) {
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (draw < cumulativeWeights[i]) {
        return deployments.get(weightedNames[i]);
      }
    }
    return null;
  }

  /**
   * The shadow deployment an unpinned request is also sent to, drawn by the mirror percentage
   * ({@code mirror_traffic}); null for most requests, and when no mirror is set.
   */
  public DeploymentRoute chooseMirror() {
    for (var e : endpoint.mirrorTraffic().entrySet()) {
      int percent = e.getValue();
      if (percent > 0 && ThreadLocalRandom.current().nextInt(100) < percent) {
        return deployments.get(e.getKey());
      }
    }
    return null;
  }

  /** The deployment with the largest weight, for metadata; null when none has traffic. */
  public DeploymentRoute primary() {
    String best = null;
    int bestWeight = 0;
    for (var e : endpoint.traffic().entrySet()) {
      if (e.getValue() > bestWeight) {
        best = e.getKey();
        bestWeight = e.getValue();
      }
    }
    return best == null ? null : deployments.get(best);
  }

  /** The deployments with live traffic (positive weight), the largest weight first, then by name. */
  public List<DeploymentRoute> withTraffic() {
    return endpoint.traffic().entrySet().stream()
        .filter(e -> e.getValue() > 0 && deployments.containsKey(e.getKey()))
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(e -> deployments.get(e.getKey()))
        .toList();
  }

  public Map<String, DeploymentRoute> deployments() {
    return deployments;
  }
}
