package io.inferbus.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven through Debian's chromedriver, at 1280x900, trusting the node's
 * self-signed certificate as a user who accepted it would. Both binaries come from the machine
 * ({@code chromium}, {@code chromium-driver}): Selenium Manager is never asked to download one.
 * Elements are found by their {@code data-test} attribute; every wait is for a condition.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** Where the pages' pictures go: cli/target/console-screenshots. */
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  static final Duration WAIT = Duration.ofSeconds(20);

  final ChromeDriver driver;
  final String base;
  private final ChromeDriverService service;

  private Browser(ChromeDriverService service, ChromeDriver driver, String base) {
    this.service = service;
    this.driver = driver;
    this.base = base;
  }

  /** Skips the calling test class, saying why, on a machine without the browser (.ci/run installs it). */
  static void assumeInstalled() {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!installed) {
      System.out.println("Browser tests skipped: " + CHROMIUM + " or " + CHROMEDRIVER
          + " is missing (Debian packages chromium and chromium-driver; .ci/run installs them)");
    }
    Assumptions.assumeTrue(installed, "needs " + CHROMIUM + " and " + CHROMEDRIVER);
  }

  /** A browser for the control plane at {@code base} (https://127.0.0.1:port). */
  static Browser open(String base) throws IOException {
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--window-size=1280,900", "--disable-dev-shm-usage",
        "--disable-gpu", "--no-first-run", "--disable-extensions", "--lang=en-GB");
    options.setAcceptInsecureCerts(true);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    Files.createDirectories(SCREENSHOTS);
    return new Browser(service, new ChromeDriver(service, options), base);
  }

  static By test(String name) {
    return By.cssSelector("[data-test='" + name + "']");
  }

  WebDriverWait waiting(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(driver, timeout);
    wait.pollingEvery(Duration.ofMillis(50));
    wait.ignoring(StaleElementReferenceException.class); // a region drawn again between find and read
    return wait;
  }

  /** The visible element {@code data-test=name}, once there is one. */
  WebElement await(String name) {
    return pictured(name, () -> waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(test(name))));
  }

  /** Waits until the element's text contains {@code text}; returns the element. */
  WebElement awaitText(String name, String text) {
    return pictured(name, () -> waiting(WAIT)
        .withMessage(() -> "[data-test=" + name + "] containing '" + text + "', shows '" + textOf(name) + "'")
        .until(d -> textOf(name).contains(text) ? driver.findElement(test(name)) : null));
  }

  /** A wait that, when it times out, leaves a picture of the page and its text in the failure. */
  private <T> T pictured(String name, java.util.function.Supplier<T> wait) {
    try {
      return wait.get();
    } catch (TimeoutException e) {
      String page;
      try {
        screenshot("failed-" + name);
        page = driver.getCurrentUrl() + "\n" + driver.findElement(By.tagName("body")).getText();
      } catch (RuntimeException | IOException ignored) {
        page = "(unreadable)";
      }
      throw new TimeoutException(e.getMessage() + "\n--- the page:\n" + page, e);
    }
  }

  /** The element's text, "" while there is none (or it was just drawn again). */
  String textOf(String name) {
    try {
      List<WebElement> found = driver.findElements(test(name));
      return found.isEmpty() ? "" : found.get(0).getText();
    } catch (StaleElementReferenceException e) {
      return "";
    }
  }

  boolean present(String name) {
    return !driver.findElements(test(name)).isEmpty();
  }

  /** Every element whose data-test starts with {@code prefix}. */
  List<WebElement> startingWith(String prefix) {
    return driver.findElements(By.cssSelector("[data-test^='" + prefix + "']"));
  }

  void click(String name) {
    waiting(WAIT).until(ExpectedConditions.elementToBeClickable(test(name))).click();
  }

  /** Replaces an input's value as a user typing would (input events fire). */
  void type(String name, String value) {
    WebElement input = await(name);
    input.clear();
    input.sendKeys(value);
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  Object jsAsync(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  /** Opens a route of the console (#/endpoints/credit...) in the signed-in tab. */
  void go(String route) {
    driver.get(base + "/ui/#" + route);
  }

  /** Signs in with a token in the fragment, on a freshly loaded page, and waits for the signed-in page. */
  void signIn(String token) {
    driver.get("about:blank");
    driver.get(base + "/ui/#token=" + token);
    await("nav");
    waiting(WAIT).until(d -> driver.getCurrentUrl().endsWith("#/endpoints"));
  }

  void resize(int width, int height) {
    driver.manage().window().setSize(new Dimension(width, height));
  }

  /**
   * Saves the whole page (not only the window's part of it) as
   * {@code target/console-screenshots/<name>.png}, through DevTools' capture beyond the viewport.
   */
  Path screenshot(String name) throws IOException {
    Path file = SCREENSHOTS.resolve(name + ".png");
    byte[] png;
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> size = (Map<String, Object>) cdp("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
      // the window's width: capturing beyond the viewport drops the scroll bar, and the page widens by it
      double width = Math.max(((Number) size.get("width")).doubleValue(),
          ((Number) js("return window.innerWidth")).doubleValue());
      double height = Math.min(((Number) size.get("height")).doubleValue(), 6000);
      String data = (String) cdp("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
          "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1))).get("data");
      png = Base64.getDecoder().decode(data);
    } catch (RuntimeException e) {
      png = driver.getScreenshotAs(OutputType.BYTES); // the window, at least
    }
    Files.write(file, png);
    return file;
  }

  /** The browser's console since the last call: what the page logged, CSP violations included. */
  List<String> consoleMessages() {
    List<String> messages = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      messages.add(e.getLevel() + " " + e.getMessage());
    }
    return messages;
  }

  /** A DevTools command (network conditions, cache) through chromedriver. */
  Map<String, Object> cdp(String command, Map<String, Object> params) {
    return driver.executeCdpCommand(command, params);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
    }
  }
}
