package io.inferbus.cli.operator.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * When {@code inferbus console} would open a browser, and with what: decided from the OS, the
 * environment and the programs on the PATH, with nothing run.
 */
class BrowserTest {
  private static final String URL = "https://127.0.0.1:8444/ui/#code=abc";
  private static final Predicate<Path> XDG_OPEN = Set.of(Path.of("/usr/bin/xdg-open"))::contains;

  @Test
  void aLinuxDesktopWithXdgOpen() {
    assertEquals(Optional.of(List.of("/usr/bin/xdg-open", URL)),
        Browser.command(URL, "Linux", Map.of("DISPLAY", ":0", "PATH", "/usr/local/bin:/usr/bin"), XDG_OPEN));
    assertEquals(Optional.of(List.of("/usr/bin/xdg-open", URL)),
        Browser.command(URL, "Linux", Map.of("WAYLAND_DISPLAY", "wayland-0", "PATH", "/usr/bin"), XDG_OPEN));
  }

  @Test
  void noDisplayNoBrowser() {
    assertEquals(Optional.empty(), Browser.command(URL, "Linux", Map.of("PATH", "/usr/bin"), XDG_OPEN),
        "over SSH or in a container");
    assertEquals(Optional.empty(), Browser.command(URL, "Linux", Map.of("DISPLAY", " ", "PATH", "/usr/bin"),
        XDG_OPEN));
  }

  @Test
  void aDisplayWithoutXdgOpenNoBrowser() {
    assertEquals(Optional.empty(), Browser.command(URL, "Linux", Map.of("DISPLAY", ":0", "PATH", "/bin:/sbin"),
        XDG_OPEN));
    assertEquals(Optional.empty(), Browser.command(URL, "Linux", Map.of("DISPLAY", ":0"), XDG_OPEN));
  }

  @Test
  void macOsUsesOpen() {
    Predicate<Path> open = Set.of(Path.of("/usr/bin/open"))::contains;
    assertEquals(Optional.of(List.of("/usr/bin/open", URL)),
        Browser.command(URL, "Mac OS X", Map.of("PATH", "/usr/bin:/bin"), open));
  }
}
