package io.inferbus.gateway.scoring;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The requests this gateway has sent to each node and that are not settled yet. The event bus
 * itself would only give up on a request whose node died at the request's deadline; when a node
 * leaves the cluster, its requests are settled at once by their {@code whenNodeLeft} action instead
 * (the gateway sends them to another instance). Each request is settled exactly once: by its answer
 * or by its node leaving, whichever comes first. Each of the gateway's event loops has its own, for
 * the requests that came in on it, and uses it on that loop only: a request is tracked, answered and
 * sent elsewhere on one thread, and a node's leaving reaches each loop as a task of its own, after
 * any request it had picked from the previous routing table was tracked.
 */
final class InFlightRequests {
  private final Map<String, Set<Request>> byNode = new HashMap<>();

  /** One request sent to a node. */
  final class Request {
    private final String node;
    private final Runnable whenNodeLeft;
    private boolean settled;

    private Request(String node, Runnable whenNodeLeft) {
      this.node = node;
      this.whenNodeLeft = whenNodeLeft;
    }

    /** True the first time, when the caller decides the outcome; false once the node's leaving did. */
    boolean settle() {
      if (settled) {
        return false;
      }
      settled = true;
      Set<Request> requests = byNode.get(node);
      if (requests != null) {
        requests.remove(this);
        if (requests.isEmpty()) {
          byNode.remove(node);
        }
      }
      return true;
    }
  }

  /** Tracks a request sent to {@code node}; {@code whenNodeLeft} runs if the node leaves before it is settled. */
  Request sent(String node, Runnable whenNodeLeft) {
    Request request = new Request(node, whenNodeLeft);
    if (node != null) {
      byNode.computeIfAbsent(node, n -> new LinkedHashSet<>()).add(request);
    }
    return request;
  }

  /** The node left the cluster: settles each of its unsettled requests by its action. Returns how many. */
  int nodeLeft(String node) {
    Set<Request> requests = byNode.remove(node);
    if (requests == null) {
      return 0;
    }
    List<Request> pending = List.copyOf(requests);
    for (Request r : pending) {
      r.settled = true;
      r.whenNodeLeft.run();
    }
    return pending.size();
  }

  /** Requests not settled yet (for tests). */
  int size() {
    return byNode.values().stream().mapToInt(Set::size).sum();
  }
}
