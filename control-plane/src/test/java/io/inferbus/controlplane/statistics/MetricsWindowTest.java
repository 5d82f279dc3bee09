package io.inferbus.controlplane.statistics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferbus.protocol.FailureKind;
import io.inferbus.protocol.InferbusException;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The span a statistics route shows for {@code minutes}: its steps, aligned to the wall clock, the
 * last one in progress.
 *
 * <p>Bad inputs tried: minutes 0, 61, -1, a fraction, a word, an empty value, a number with a sign
 * and spaces around it that is still out of range.
 */
class MetricsWindowTest {
  private static final long NOW = Instant.parse("2026-01-01T10:07:33.250Z").toEpochMilli();

  @ParameterizedTest
  @CsvSource({
      "1, 10, 6, 2026-01-01T10:06:40Z, 2026-01-01T10:07:40Z",
      "5, 10, 30, 2026-01-01T10:02:40Z, 2026-01-01T10:07:40Z",
      "15, 10, 90, 2026-01-01T09:52:40Z, 2026-01-01T10:07:40Z",
      "16, 60, 16, 2026-01-01T09:52:00Z, 2026-01-01T10:08:00Z",
      "60, 60, 60, 2026-01-01T09:08:00Z, 2026-01-01T10:08:00Z"})
  void stepsOfTenSecondsUpToFifteenMinutesThenOfAMinuteEndingWithTheOneInProgress(int minutes, int stepSeconds,
      int points, String from, String to) {
    MetricsWindow w = MetricsWindow.of(minutes, NOW);
    assertEquals(stepSeconds * 1000L, w.stepMs());
    assertEquals(points, w.points());
    assertEquals(points, w.stepStarts().size());
    assertEquals(Instant.parse(from).toEpochMilli(), w.fromMs());
    assertEquals(Instant.parse(to).toEpochMilli(), w.toMs());
    assertEquals(w.fromMs(), w.stepStarts().get(0));
    assertEquals(w.toMs() - w.stepMs(), w.stepStarts().get(points - 1), "the last step holds now");
    assertEquals((NOW - w.fromMs()) / 1000.0, w.elapsedSeconds());
  }

  @Test
  void aQueryForTheStepsAndOneForTheWholeSpan() {
    MetricsWindow w = MetricsWindow.of(5, NOW);
    assertEquals(10_000, w.stepsOf("credit").stepMs());
    assertEquals("credit", w.stepsOf("credit").endpoint());
    assertEquals(w.toMs() - w.fromMs(), w.wholeSpan().stepMs());
    assertEquals(null, w.wholeSpan().endpoint());
  }

  @Test
  void absentMinutesTakeTheDefaultAndSpacesAreForgiven() {
    assertEquals(15, MetricsWindow.minutes(null, 15));
    assertEquals(5, MetricsWindow.minutes(null, 5));
    assertEquals(60, MetricsWindow.minutes(" 60 ", 5));
    assertEquals(1, MetricsWindow.minutes("1", 5));
  }

  /** Bad inputs: 0, 61, -1, 1.5, ten, empty, " -3 ". */
  @ParameterizedTest
  @ValueSource(strings = {"0", "61", "-1", "1.5", "ten", "", " -3 "})
  void minutesOutsideOneToSixtyAreRefusedNamingThem(String minutes) {
    InferbusException e = assertThrows(InferbusException.class, () -> MetricsWindow.minutes(minutes, 15));
    assertEquals(FailureKind.BAD_INPUT, e.kind());
    assertEquals("minutes", e.target());
    assertEquals("minutes must be a whole number from 1 to 60, not '" + minutes + "'", e.getMessage());
  }
}
