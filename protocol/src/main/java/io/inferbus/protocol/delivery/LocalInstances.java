package io.inferbus.protocol.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The instances running in this process, by event-bus address: a gateway on the same node hands
 * them their requests directly (one thread crossing instead of two, the body not copied), and sends
 * over the event bus only to instances elsewhere. An instance registers when it starts consuming
 * and unregisters when it stops; a gateway that finds none sends over the event bus, which answers
 * "no handlers" for an instance that is gone, as before. One per node, shared by its verticles.
 */
public final class LocalInstances {
  /** For a node without the deployment role, or a test that wants every request on the event bus. */
  public static final LocalInstances NONE = new LocalInstances(false);

  private final Map<String, Consumer<ScoringCall>> byAddress = new ConcurrentHashMap<>();
  private final boolean enabled;

  public LocalInstances() {
    this(true);
  }

  private LocalInstances(boolean enabled) {
    this.enabled = enabled;
  }

  public void register(String address, Consumer<ScoringCall> instance) {
    if (enabled) {
      byAddress.put(address, instance);
    }
  }

  public void unregister(String address) {
    byAddress.remove(address);
  }

  /** The instance at this address in this process, or null. */
  public Consumer<ScoringCall> find(String address) {
    return byAddress.get(address);
  }
}
