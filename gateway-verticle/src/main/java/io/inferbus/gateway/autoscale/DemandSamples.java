package io.inferbus.gateway.autoscale;

import io.inferbus.gateway.routing.DeploymentRoute;
import io.inferbus.gateway.routing.EndpointRoute;
import io.inferbus.gateway.routing.InstanceLoad;
import io.inferbus.gateway.routing.RoutingTable;
import io.inferbus.protocol.autoscale.DemandQuery;
import io.inferbus.protocol.autoscale.GatewayDemand;
import io.inferbus.protocol.state.InstanceState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.function.ToLongBiFunction;

/**
 * The gateway's side of autoscaling: every {@value GatewayDemand#SAMPLE_INTERVAL_MS} ms it adds up,
 * for each autoscaled deployment in the routing table, the requests this gateway has outstanding at
 * the deployment's ready instances (the counts it already keeps to choose the less loaded instance,
 * {@link InstanceLoad}), and keeps the last minute of these samples; the control plane's question
 * ({@link DemandQuery}) is answered from them: the mean over the asked window, the count now, the
 * requests held waiting for an instance ({@code waiting}) and the time since the last answer
 * ({@code idleMs}). A sample is a few counter reads per instance of an autoscaled deployment;
 * fixed deployments cost nothing.
 *
 * <p>Not thread-safe: the gateway samples and answers on its own event loop.
 */
public final class DemandSamples {
  /** Samples kept per deployment: the longest window asked for. */
  static final int SLOTS = (int) (DemandQuery.MAX_WINDOW_MS / GatewayDemand.SAMPLE_INTERVAL_MS);

  private final InstanceLoad load;
  private final ToIntFunction<String> waiting;
  private final ToLongBiFunction<String, String> idleMs;
  private final Map<String, Ring> rings = new HashMap<>();

  /**
   * @param waiting requests held for a deployment ({@code endpoint/deployment}) with no ready instance
   * @param idleMs milliseconds since the gateway last answered a request of (endpoint, deployment); -1 if none
   */
  public DemandSamples(InstanceLoad load, ToIntFunction<String> waiting, ToLongBiFunction<String, String> idleMs) {
    this.load = load;
    this.waiting = waiting;
    this.idleMs = idleMs;
  }

  /** Whether the table has a deployment to sample (the gateway samples only then). */
  public static boolean anyAutoscaled(RoutingTable table) {
    for (Map.Entry<String, java.util.Set<String>> e : table.names().entrySet()) {
      EndpointRoute endpoint = table.endpoint(e.getKey());
      for (String d : e.getValue()) {
        if (endpoint.deployment(d).deployment().autoscaled()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Takes one sample of every autoscaled deployment in {@code table}; forgets the others. */
  public void sample(RoutingTable table) {
    Map<String, Ring> kept = new HashMap<>();
    table.names().forEach((endpointName, deployments) -> {
      EndpointRoute endpoint = table.endpoint(endpointName);
      for (String name : deployments) {
        DeploymentRoute route = endpoint.deployment(name);
        if (!route.deployment().autoscaled()) {
          continue;
        }
        String key = route.deployment().key();
        Ring ring = rings.getOrDefault(key, new Ring());
        ring.add(inFlight(route));
        kept.put(key, ring);
      }
    });
    rings.clear();
    rings.putAll(kept);
  }

  /** The answer to {@code query}: the deployments asked that this gateway routes, with their demand. */
  public GatewayDemand answer(String node, DemandQuery query, RoutingTable table) {
    List<GatewayDemand.Demand> out = new ArrayList<>();
    for (DemandQuery.Asked asked : query.deployments()) {
      EndpointRoute endpoint = table.endpoint(asked.endpoint());
      DeploymentRoute route = endpoint == null ? null : endpoint.deployment(asked.deployment());
      if (route == null) {
        continue;
      }
      int now = inFlight(route);
      Ring ring = rings.get(route.deployment().key());
      int samples = (int) Math.max(1, asked.windowMs() / GatewayDemand.SAMPLE_INTERVAL_MS);
      double mean = ring == null || ring.count == 0 ? now : ring.mean(samples);
      out.add(new GatewayDemand.Demand(asked.endpoint(), asked.deployment(), mean, now,
          waiting.applyAsInt(route.deployment().key()), idleMs.applyAsLong(asked.endpoint(), asked.deployment())));
    }
    return new GatewayDemand(node, out);
  }

  /** Requests this gateway has outstanding at the deployment's ready instances. */
  private int inFlight(DeploymentRoute route) {
    int sum = 0;
    for (InstanceState i : route.readyInstances()) {
      sum += load.outstanding(i.id());
    }
    return sum;
  }

  /** The last {@link #SLOTS} samples of one deployment. */
  private static final class Ring {
    final int[] samples = new int[SLOTS];
    int next;
    int count;

    void add(int value) {
      samples[next] = value;
      next = (next + 1) % SLOTS;
      count = Math.min(SLOTS, count + 1);
    }

    /** The mean of the last {@code n} samples (fewer if fewer were taken). */
    double mean(int n) {
      int take = Math.min(n, count);
      long sum = 0;
      for (int i = 1; i <= take; i++) {
        sum += samples[Math.floorMod(next - i, SLOTS)];
      }
      return (double) sum / take;
    }
  }
}
