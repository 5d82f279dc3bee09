package io.inferbus.controlplane.statistics;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import io.inferbus.protocol.stats.StatisticsQuery;
import java.util.ArrayList;
import java.util.List;

/**
 * The span a statistics route shows: the last {@code minutes} minutes in steps of
 * {@code stepMs}, the last step being the one in progress. Steps are aligned to the wall clock
 * (10 s steps start at :00, :10, ...; 60 s steps at whole minutes), like the gateways' slots, so
 * every step holds whole slots and two calls a moment apart show the same steps.
 *
 * @param fromMs start of the first step (epoch ms)
 * @param toMs end of the last step, after {@code nowMs}
 */
public record MetricsWindow(int minutes, long stepMs, long fromMs, long toMs, long nowMs) {
  public static final int MAX_MINUTES = 60;
  /** 10-second steps up to this many minutes (90 points at most), minutes beyond. */
  public static final int MAX_MINUTES_IN_TEN_SECOND_STEPS = 15;

  /** The window of the last {@code minutes} minutes at {@code nowMs}. */
  public static MetricsWindow of(int minutes, long nowMs) {
    long step = minutes <= MAX_MINUTES_IN_TEN_SECOND_STEPS ? 10_000 : 60_000;
    long to = (Math.floorDiv(nowMs, step) + 1) * step;
    return new MetricsWindow(minutes, step, to - minutes * 60_000L, to, nowMs);
  }

  /**
   * The {@code minutes} query parameter: a whole number from 1 to {@value #MAX_MINUTES},
   * {@code defaultMinutes} when absent; anything else is a 400 naming it.
   */
  public static int minutes(String param, int defaultMinutes) {
    if (param == null) {
      return defaultMinutes;
    }
    int minutes;
    try {
      minutes = Integer.parseInt(param.trim());
    } catch (NumberFormatException e) {
      minutes = -1;
    }
    if (minutes < 1 || minutes > MAX_MINUTES) {
      throw new InferbusException(FailureKind.BAD_INPUT, "minutes must be a whole number from 1 to " + MAX_MINUTES
          + ", not '" + param + "'", "minutes");
    }
    return minutes;
  }

  /** How many steps the window holds. */
  public int points() {
    return (int) ((toMs - fromMs) / stepMs);
  }

  /** The start of each step, oldest first. */
  public List<Long> stepStarts() {
    List<Long> starts = new ArrayList<>(points());
    for (long t = fromMs; t < toMs; t += stepMs) {
      starts.add(t);
    }
    return starts;
  }

  /** Seconds from the window's start to now: what a rate is per. */
  public double elapsedSeconds() {
    return (Math.min(nowMs, toMs) - fromMs) / 1000.0;
  }

  /** The endpoint's windows step by step ({@code endpoint} null: every endpoint's). */
  public StatisticsQuery stepsOf(String endpoint) {
    return new StatisticsQuery(endpoint, null, fromMs, toMs, stepMs);
  }

  /** Every endpoint's windows over the whole span, one window each. */
  public StatisticsQuery wholeSpan() {
    return StatisticsQuery.all(fromMs, toMs, toMs - fromMs);
  }
}
