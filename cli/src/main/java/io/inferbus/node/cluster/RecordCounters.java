package io.inferbus.node.cluster;

import io.inferbus.protocol.cluster.ClusterRecords;
import io.inferbus.protocol.cluster.RecordRejected;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts what {@link ClusterRecords} refuses and repairs: {@code
 * inferbus_cluster_records_rejected_total{map,reason}} and {@code
 * inferbus_cluster_records_repaired_total{map}}. Labels come from fixed sets (the map names, the
 * reasons), so the series stay bounded whatever a rogue member writes.
 */
public final class RecordCounters implements ClusterRecords.Events {
  private final MeterRegistry registry;

  public RecordCounters(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void rejected(String map, RecordRejected.Reason reason) {
    Counter.builder("inferbus.cluster.records.rejected")
        .description("cluster records ignored because they did not verify (unsigned, forged, replayed, or written "
            + "by a node not allowed to)")
        .tag("map", map).tag("reason", reason.label()).register(registry).increment();
  }

  @Override
  public void repaired(String map) {
    Counter.builder("inferbus.cluster.records.repaired")
        .description("entries this node wrote back or removed because something else had replaced, removed or "
            + "forged them")
        .tag("map", map).register(registry).increment();
  }
}
