package dev.cairn.admin;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven by Selenium, for the console's browser tests. Selenium Manager
 * downloads nothing: the driver and the browser are the packages {@code chromium-driver} and
 * {@code chromium} (paths overridable with {@code CAIRN_CHROMEDRIVER} and {@code CAIRN_CHROMIUM}).
 * Without them the tests are skipped with a message that says so, except under {@code CI=true},
 * where a missing browser fails them.
 */
final class Browser {

  static final Path CHROMIUM = Path.of(env("CAIRN_CHROMIUM", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER = Path.of(env("CAIRN_CHROMEDRIVER", "/usr/bin/chromedriver"));

  private Browser() {}

  /** Skips the calling test class (or fails it under CI=true) when Chromium is not installed. */
  static void assumeInstalled() {
    if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
      return;
    }
    String missing = "browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
        + " (apt-get install -y chromium chromium-driver)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail("CI=true and Chromium is missing: " + missing);
    }
    System.out.println("SKIPPED: " + missing);
    Assumptions.abort("skipped: " + missing);
  }

  /** Starts headless Chromium with a window of the given size, recording the console's log. */
  static ChromeDriver start(int width, int height) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=" + width + "," + height, "--hide-scrollbars");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    // The driver named by this property is used as it is: Selenium Manager does not try to download one.
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    ChromeDriver driver = new ChromeDriver(options);
    driver.manage().window().setSize(new Dimension(width, height));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return driver;
  }

  /** Returns the browser console's messages at level SEVERE (errors) since the last call. */
  static List<String> consoleErrors(ChromeDriver driver) {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::toString)
        .toList();
  }

  /** Saves a screenshot as {@code target/<name>.png} and returns its path. */
  static Path screenshot(ChromeDriver driver, String name) {
    try {
      Path target = Path.of("target", name + ".png");
      Files.createDirectories(target.getParent());
      Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
