package io.inferbus.controlplane.statistics;

import io.inferbus.controlplane.operations.ApiResult;
import io.inferbus.controlplane.operations.Resources;
import io.inferbus.controlplane.operations.StoreThread;
import io.inferbus.controlplane.store.Store.Table;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The statistics routes: the parameters checked first, then the store read (the endpoint exists;
 * which deployments or endpoints to show), then the gateways asked ({@link StatisticsGatherer}), then
 * the answer built ({@link StatisticsViews}).
 */
public final class StatisticsService {
  /** {@code minutes} of {@code GET /endpoints/{e}/metrics} when the caller names none. */
  public static final int DEFAULT_ENDPOINT_MINUTES = 15;
  /** {@code minutes} of {@code GET /metrics/endpoints} when the caller names none. */
  public static final int DEFAULT_SUMMARY_MINUTES = 5;

  private final StoreThread storeThread;
  private final StatisticsGatherer gatherer;
  private final LongSupplier clockMillis;

  public StatisticsService(StoreThread storeThread, StatisticsGatherer gatherer, LongSupplier clockMillis) {
    this.storeThread = storeThread;
    this.gatherer = gatherer;
    this.clockMillis = clockMillis;
  }

  /** {@code GET /endpoints/{e}/metrics?minutes=N}; 400 naming minutes, 404 for an unknown endpoint. */
  public Future<ApiResult> endpoint(String endpoint, String minutesParam) {
    int minutes = MetricsWindow.minutes(minutesParam, DEFAULT_ENDPOINT_MINUTES);
    MetricsWindow window = MetricsWindow.of(minutes, clockMillis.getAsLong());
    return storeThread.read(() -> {
      Resources.endpoint(storeThread.store(), endpoint);
      return List.copyOf(Resources.deploymentNames(storeThread.store(), endpoint));
    }).compose(deployments -> gatherer.gather(window.stepsOf(endpoint))
        .map(gathered -> ApiResult.ok(StatisticsViews.endpoint(endpoint, deployments, window, gathered))));
  }

  /** {@code GET /metrics/endpoints?minutes=N}: every endpoint in the store; 400 naming minutes. */
  public Future<ApiResult> endpoints(String minutesParam) {
    int minutes = MetricsWindow.minutes(minutesParam, DEFAULT_SUMMARY_MINUTES);
    MetricsWindow window = MetricsWindow.of(minutes, clockMillis.getAsLong());
    return storeThread.read(() -> storeThread.store().list(Table.ENDPOINTS, null).stream()
            .map(e -> e.getString("name")).toList())
        .compose(endpoints -> gatherer.gather(window.wholeSpan())
            .map(gathered -> ApiResult.ok(StatisticsViews.endpoints(endpoints, window, gathered))));
  }

  /** The gatherer, for other readers of the statistics (a rollout analyser). */
  public StatisticsGatherer gatherer() {
    return gatherer;
  }
}
