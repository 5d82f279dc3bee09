package io.inferbus.controlplane.autoscale;

import io.inferbus.protocol.state.ScaleSettings;
import io.vertx.core.json.JsonObject;

/**
 * The autoscaler's decision for one deployment at one sample, a pure function of its scale settings,
 * its instance count, what the gateways measured and what the autoscaler remembers of the earlier
 * samples ({@link Memory}); no clock, no Vert.x, no cluster.
 *
 * <p>Utilisation is the requests in flight at the deployment's ready instances over the concurrency
 * those instances admit: {@code in_flight / (ready × max_concurrent_requests_per_instance)}; above 1
 * requests queue at the instances. The rules, first match wins:
 *
 * <ol>
 *   <li><b>Within bounds</b>: a count below {@code min_instances} or above {@code max_instances} is set
 *       to the bound (the bounds changed; the services clamp too, so this is a safety net).
 *   <li><b>Wake</b>: at 0 instances, any request waiting or in flight brings it to
 *       {@code max(1, min_instances)}.
 *   <li><b>Starting</b>: while instances load, nothing is decided and both streaks restart:
 *       utilisation over the ready ones alone would overstate the load, and a scale-up must show
 *       its effect before the next one.
 *   <li><b>Scale to zero</b>: with {@code min_instances} 0, no request in flight or waiting, and none
 *       answered for {@code scale_to_zero_idle_period}: 0.
 *   <li><b>Scale up</b>: utilisation above target in every sample for {@code scale_up_delay}: to the
 *       count that brings the streak's mean in-flight to the target,
 *       {@code ceil(mean / (max_concurrent × target))}, at least one more, at most {@code max_instances}.
 *   <li><b>Scale down</b>: below target in every sample for {@code scale_down_delay}: proportionally,
 *       to the same formula (so the remaining instances run at or under the target at the same load),
 *       never below {@code max(1, min_instances)}; zero only by the idle rule.
 * </ol>
 *
 * After a change both streaks restart, so the next change needs a full delay of fresh samples.
 */
public final class ScaleDecision {
  private ScaleDecision() {}

  /** What the autoscaler did with a sample. */
  public enum Action {
    NONE("none"), WITHIN_BOUNDS("within_bounds"), WAKE("wake"), SCALE_TO_ZERO("scale_to_zero"),
    SCALE_UP("scale_up"), SCALE_DOWN("scale_down");

    private final String wireName;

    Action(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /**
   * What is remembered of one deployment between samples: since when utilisation has been above (or
   * below) target without a break (-1: it is not), the samples of that streak (how many, the sum of
   * their in-flight means), and when the deployment last had a request (the autoscaler's clock).
   */
  public record Memory(long aboveSinceMs, long belowSinceMs, int streakSamples, double streakInFlight,
      long lastActiveMs) {
    /** A deployment first seen at {@code nowMs}: active then, so a restart never retires instances at once. */
    public static Memory fresh(long nowMs) {
      return new Memory(-1, -1, 0, 0, nowMs);
    }

    Memory restarted(long lastActive) {
      return new Memory(-1, -1, 0, 0, lastActive);
    }

    /** The deployment had a request at {@code nowMs} (a wake). */
    public Memory active(long nowMs) {
      return new Memory(aboveSinceMs, belowSinceMs, streakSamples, streakInFlight, Math.max(lastActiveMs, nowMs));
    }
  }

  /**
   * One sample of a deployment, over every gateway that answered.
   *
   * @param inFlight requests in flight at its ready instances, averaged over the polling interval
   * @param waiting requests the gateways hold because no instance is ready
   * @param idleMs milliseconds since a gateway last answered one of its requests (the least over the
   *     gateways); -1 when none did in the last hour
   * @param readyInstances its ready instances
   * @param startingInstances its instances still loading
   */
  public record Sample(double inFlight, int waiting, long idleMs, int readyInstances, int startingInstances) {}

  /**
   * The decision and its figures.
   *
   * @param count the instance count after it (the current one for {@link Action#NONE})
   * @param utilization this sample's utilisation (infinite with requests and no ready instance)
   * @param streakUtilization the mean utilisation over the streak that decided (this sample's when none)
   * @param streakSamples how many samples that streak holds
   * @param streakMs how long the streak lasted
   */
  public record Outcome(Action action, int before, int count, double utilization, double streakUtilization,
      int streakSamples, long streakMs, String reason, Memory memory) {
    public boolean changes() {
      return action != Action.NONE && count != before;
    }

    /** The figures that caused it, for its audit record. */
    public JsonObject figures(ScaleSettings s, Sample sample, int maxConcurrent) {
      return new JsonObject()
          .put("decision", action.wireName())
          .put("reason", reason)
          .put("instance_count_before", before)
          .put("instance_count_after", count)
          .put("utilization", finite(utilization))
          .put("streak_utilization", finite(streakUtilization))
          .put("target_utilization", s.targetUtilizationPercentage() / 100.0)
          .put("samples", streakSamples)
          .put("streak_ms", streakMs)
          .put("in_flight", sample.inFlight())
          .put("waiting", sample.waiting())
          .put("idle_ms", sample.idleMs())
          .put("ready_instances", sample.readyInstances())
          .put("max_concurrent_requests_per_instance", maxConcurrent)
          .put("min_instances", s.minInstances())
          .put("max_instances", s.maxInstances());
    }

    private static Double finite(double v) {
      return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : null;
    }
  }

  /**
   * @param count the deployment's instance count now
   * @param maxConcurrent its {@code max_concurrent_requests_per_instance}
   * @param nowMs the autoscaler's clock
   */
  public static Outcome decide(ScaleSettings s, int count, int maxConcurrent, Sample sample, Memory memory,
      long nowMs) {
    long lastActive = memory.lastActiveMs();
    if (sample.inFlight() > 0 || sample.waiting() > 0) {
      lastActive = nowMs;
    } else if (sample.idleMs() >= 0) {
      lastActive = Math.max(lastActive, nowMs - sample.idleMs());
    }
    double capacity = (double) sample.readyInstances() * maxConcurrent;
    double utilization = capacity > 0 ? sample.inFlight() / capacity
        : sample.inFlight() + sample.waiting() > 0 ? Double.POSITIVE_INFINITY : 0;
    double target = s.targetUtilizationPercentage() / 100.0;

    if (count < s.minInstances() || count > s.maxInstances()) {
      int bounded = s.startingCount(count);
      return change(Action.WITHIN_BOUNDS, count, bounded, utilization, memory.restarted(lastActive),
          "instance_count " + count + " is outside min_instances " + s.minInstances() + " and max_instances "
              + s.maxInstances());
    }
    if (count == 0) {
      if (sample.waiting() > 0 || sample.inFlight() > 0) {
        return change(Action.WAKE, 0, s.wakeCount(), utilization, memory.restarted(nowMs),
            sample.waiting() + " request(s) waiting for a deployment scaled to zero");
      }
      return none(count, utilization, memory.restarted(lastActive));
    }
    if (sample.startingInstances() > 0 || sample.readyInstances() == 0) {
      return none(count, utilization, memory.restarted(lastActive)); // starting (or failed): nothing to judge by
    }
    long idleFor = nowMs - lastActive;
    if (s.minInstances() == 0 && sample.inFlight() == 0 && sample.waiting() == 0
        && idleFor >= s.scaleToZeroIdlePeriodS() * 1000L) {
      return change(Action.SCALE_TO_ZERO, count, 0, utilization, memory.restarted(lastActive),
          "no request for " + idleFor + " ms (scale_to_zero_idle_period " + s.scaleToZeroIdlePeriodS() + " s)");
    }
    if (utilization > target) {
      boolean continues = memory.aboveSinceMs() >= 0;
      Memory streak = new Memory(continues ? memory.aboveSinceMs() : nowMs, -1,
          (continues ? memory.streakSamples() : 0) + 1, (continues ? memory.streakInFlight() : 0) + sample.inFlight(),
          lastActive);
      long lasted = nowMs - streak.aboveSinceMs();
      if (lasted < s.scaleUpDelayS() * 1000L) {
        return none(count, utilization, streak);
      }
      double mean = streak.streakInFlight() / streak.streakSamples();
      int wanted = Math.min(s.maxInstances(), Math.max(count + 1, countFor(mean, maxConcurrent, target)));
      if (wanted <= count) {
        return none(count, utilization, streak); // at max_instances already
      }
      return new Outcome(Action.SCALE_UP, count, wanted, utilization, mean / capacity, streak.streakSamples(), lasted,
          String.format("utilization %.2f above target %.2f for %d sample(s) over %d ms", mean / capacity, target,
              streak.streakSamples(), lasted), memory.restarted(lastActive));
    }
    if (utilization < target) {
      boolean continues = memory.belowSinceMs() >= 0;
      Memory streak = new Memory(-1, continues ? memory.belowSinceMs() : nowMs,
          (continues ? memory.streakSamples() : 0) + 1, (continues ? memory.streakInFlight() : 0) + sample.inFlight(),
          lastActive);
      long lasted = nowMs - streak.belowSinceMs();
      if (lasted < s.scaleDownDelayS() * 1000L) {
        return none(count, utilization, streak);
      }
      double mean = streak.streakInFlight() / streak.streakSamples();
      int wanted = Math.max(Math.max(1, s.minInstances()), countFor(mean, maxConcurrent, target));
      if (wanted >= count) {
        return none(count, utilization, streak);
      }
      return new Outcome(Action.SCALE_DOWN, count, wanted, utilization, mean / capacity, streak.streakSamples(),
          lasted, String.format("utilization %.2f below target %.2f for %d sample(s) over %d ms", mean / capacity,
              target, streak.streakSamples(), lasted), memory.restarted(lastActive));
    }
    return none(count, utilization, memory.restarted(lastActive)); // at target: neither streak goes on
  }

  /** The fewest instances at which {@code inFlight} requests use at most {@code target} of what they admit. */
  static int countFor(double inFlight, int maxConcurrent, double target) {
    // a hair below an exact multiple (0.7 * 10 / 0.7) must not round up to one instance too many
    return (int) Math.ceil(inFlight / (maxConcurrent * target) - 1e-9);
  }

  private static Outcome none(int count, double utilization, Memory memory) {
    return new Outcome(Action.NONE, count, count, utilization, utilization, 0, 0, "", memory);
  }

  private static Outcome change(Action action, int before, int after, double utilization, Memory memory,
      String reason) {
    return new Outcome(action, before, after, utilization, utilization, 1, 0, reason, memory);
  }
}
