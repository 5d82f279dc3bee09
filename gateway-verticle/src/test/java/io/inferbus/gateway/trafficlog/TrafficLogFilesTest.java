package io.inferbus.gateway.trafficlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a gateway's traffic log back: the last matching lines of one endpoint across the file
 * being written and the rotated ones, oldest first, filtered by request id, time and status (a code
 * or a class). Bad inputs tried: a torn last line (a crash mid-write), another endpoint whose name
 * starts the same, a missing directory.
 */
class TrafficLogFilesTest {
  @TempDir
  Path dir;

  private static String line(String time, String endpoint, String requestId, int status) {
    TrafficRecord r = new TrafficRecord(requestId, TraceContext.continueOrStart(null), endpoint, TrafficRecord.LIVE,
        java.time.Instant.parse(time).toEpochMilli(), 0);
    r.status = status;
    r.deployment = "blue";
    return TrafficLog.format(r, "node-1") + "\n";
  }

  /** A file written up to {@code lastWrite}, as the appender leaves it. */
  private void write(String name, String lastWrite, String... lines) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("", lines));
    Files.setLastModifiedTime(file, FileTime.from(java.time.Instant.parse(lastWrite)));
  }

  private void threeFiles() throws Exception {
    write("traffic.2026-12-04.0.log", "2026-12-04T10:00:02.000Z", line("2026-12-04T10:00:00.000Z", "credit", "a", 200),
        line("2026-12-04T10:00:01.000Z", "credit-2", "b", 200), line("2026-12-04T10:00:02.000Z", "credit", "c", 503));
    write("traffic.2026-12-05.0.log", "2026-12-05T10:00:01.000Z", line("2026-12-05T10:00:00.000Z", "credit", "d", 200),
        line("2026-12-05T10:00:01.000Z", "credit", "e", 429));
    write(TrafficLog.FILE_NAME, "2026-12-06T10:00:02.000Z", line("2026-12-06T10:00:00.000Z", "credit", "f", 200),
        line("2026-12-06T10:00:01.000Z", "fraud", "g", 200), "{\"time\":\"2026-12-06T10:00:02.000Z\",\"endpoint\":\"credit\",\"requ");
  }

  private List<String> ids(TrafficLogFiles.Query q) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonObject j : new TrafficLogFiles(dir).read(q)) {
      out.add(j.getString("request_id"));
    }
    return out;
  }

  @Test
  void theLastLinesOfOneEndpointAcrossFilesOldestFirst() throws Exception {
    threeFiles();
    assertEquals(List.of("a", "c", "d", "e", "f"), ids(new TrafficLogFiles.Query("credit", null, 0, null, 100)));
    assertEquals(List.of("e", "f"), ids(new TrafficLogFiles.Query("credit", null, 0, null, 2)));
    assertEquals(List.of("d", "e", "f"), ids(new TrafficLogFiles.Query("credit", null, 0, null, 3)));
  }

  @Test
  void filtersByRequestIdTimeAndStatus() throws Exception {
    threeFiles();
    assertEquals(List.of("c"), ids(new TrafficLogFiles.Query("credit", "c", 0, null, 100)));
    assertEquals(List.of("b"), ids(new TrafficLogFiles.Query("credit-2", null, 0, null, 100)));
    assertEquals(List.of("e", "f"), ids(new TrafficLogFiles.Query("credit", null,
        java.time.Instant.parse("2026-12-05T10:00:01.000Z").toEpochMilli(), null, 100)));
    assertEquals(List.of("c"), ids(new TrafficLogFiles.Query("credit", null, 0, "5xx", 100)));
    assertEquals(List.of("e"), ids(new TrafficLogFiles.Query("credit", null, 0, "429", 100)));
    assertEquals(List.of("a", "d", "f"), ids(new TrafficLogFiles.Query("credit", null, 0, "2xx", 100)));
    assertEquals(List.of(), ids(new TrafficLogFiles.Query("nobody", null, 0, null, 100)));
  }

  @Test
  void noDirectoryMeansNoLines() throws Exception {
    assertTrue(new TrafficLogFiles(dir.resolve("missing")).read(new TrafficLogFiles.Query("credit", null, 0, null,
        10)).isEmpty());
  }

  @Test
  void statusCodesAndClasses() {
    assertTrue(TrafficLogFiles.statusMatches(null, 200));
    assertTrue(TrafficLogFiles.statusMatches("4xx", 429));
    assertTrue(!TrafficLogFiles.statusMatches("4xx", 503));
    assertTrue(TrafficLogFiles.statusMatches("503", 503));
    assertTrue(!TrafficLogFiles.statusMatches("503", 502));
  }
}
