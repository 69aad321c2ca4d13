package io.ssekit.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Starts the system's Chromium (Debian's {@code chromium} and {@code chromium-driver}
 * packages) headless under Selenium, with both paths set explicitly so that Selenium Manager
 * never looks for or downloads a driver. The browser's background services are off, so it
 * only talks to the loopback servers that tests give it.
 *
 * <p>{@code CHROMIUM_BINARY} and {@code CHROMEDRIVER_BINARY} override the two paths.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final Path CHROMIUM = Path.of(
      System.getenv().getOrDefault("CHROMIUM_BINARY", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER = Path.of(
      System.getenv().getOrDefault("CHROMEDRIVER_BINARY", "/usr/bin/chromedriver"));

  private final ChromeDriver driver;
  private final Path userDataDir;

  private HeadlessChromium(ChromeDriver driver, Path userDataDir) {
    this.driver = driver;
    this.userDataDir = userDataDir;
  }

  /**
   * Starts a browser with a fresh profile.
   *
   * @throws AssertionError if Chromium or its driver is not installed, so that a browser test
   *     fails instead of being skipped
   */
  static HeadlessChromium start() throws IOException {
    requireExecutable(CHROMIUM, "chromium");
    requireExecutable(CHROMEDRIVER, "chromium-driver");
    Path userDataDir = Files.createTempDirectory("ssekit-chromium-");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-domain-reliability",
        "--no-first-run",
        "--no-default-browser-check",
        "--window-size=1200,760",
        "--user-data-dir=" + userDataDir);
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(15));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(5));
    return new HeadlessChromium(driver, userDataDir);
  }

  ChromeDriver driver() {
    return driver;
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(userDataDir)) {
        for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private static void requireExecutable(Path path, String debianPackage) {
    if (!Files.isExecutable(path)) {
      throw new AssertionError(path + " is missing or not executable (expected: the Debian package "
          + debianPackage + "; install with apt-get install -y chromium chromium-driver)");
    }
  }
}
