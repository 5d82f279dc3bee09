package io.inferbus.gateway.scoring;

import io.inferbus.gateway.routing.RoutingTable;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code inferbus_gateway_traffic_revision{endpoint}}: the traffic revision of each endpoint in this
 * gateway's routing table. A traffic change or rollback has reached a gateway once its gauge shows
 * the change's revision; from then on its answers count under that revision (the evidence bundle's
 * per-revision figures). A deleted endpoint's gauge goes with it.
 */
final class TrafficRevisionGauges {
  private final MeterRegistry registry;
  private final Map<String, AtomicLong> revisions = new ConcurrentHashMap<>();
  private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();

  TrafficRevisionGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Called by the one gateway thread that rebuilt the table. */
  void tableChanged(RoutingTable table) {
    Map<String, java.util.Set<String>> names = table.names();
    names.keySet().forEach(endpoint -> {
      AtomicLong revision = revisions.computeIfAbsent(endpoint, e -> {
        AtomicLong value = new AtomicLong();
        gauges.put(e, Gauge.builder("inferbus.gateway.traffic.revision", value, AtomicLong::get).tag("endpoint", e)
            .description("the endpoint's traffic revision in this gateway's routing table").register(registry));
        return value;
      });
      revision.set(table.endpoint(endpoint).endpoint().trafficRevision());
    });
    revisions.keySet().removeIf(endpoint -> {
      if (names.containsKey(endpoint)) {
        return false;
      }
      Gauge gauge = gauges.remove(endpoint);
      if (gauge != null) {
        registry.remove(gauge);
      }
      return true;
    });
  }
}
