package dev.fluke.http.ui;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver: nothing is downloaded (the
 * driver service is given its executable, so Selenium Manager never runs). A fresh profile per
 * browser, deleted on close. {@code scripts/install-ui-test-tools.sh} installs both packages.
 * Public so fluke-app's UI test against a real fleet drives the same browser (through this module's
 * test jar).
 */
public final class Browser implements AutoCloseable {
  public static final String CHROMIUM = "/usr/bin/chromium";
  public static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  public static final Duration WAIT = Duration.ofSeconds(10);
  public static final Path SCREENSHOTS = Paths.get("target", "ui-screenshots");

  public final ChromeDriver driver;
  private final ChromeDriverService service;
  private final Path profile;

  public Browser(int width, int height) throws IOException {
    for (String tool : new String[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(Paths.get(tool))) {
        throw new IllegalStateException(
            tool
                + " is missing: run scripts/install-ui-test-tools.sh (installs Debian's chromium and chromium-driver)");
      }
    }
    profile = Files.createTempDirectory("fluke-ui-chromium");
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-color-profile=srgb",
        "--lang=en-GB",
        "--user-data-dir=" + profile.toAbsolutePath(),
        "--window-size=" + width + "," + height);
    driver = new ChromeDriver(service, options);
  }

  public void open(String url) {
    driver.get(url);
  }

  public <T> T until(Function<WebDriver, T> condition) {
    return until(WAIT, condition);
  }

  /**
   * Waits at most {@code max} (a real fleet's checks and applies take longer than a scripted
   * one's).
   */
  public <T> T until(Duration max, Function<WebDriver, T> condition) {
    // The page re-renders regions as live updates arrive: an element found a moment ago may be
    // replaced.
    return new WebDriverWait(driver, max)
        .ignoring(StaleElementReferenceException.class)
        .until(condition);
  }

  public WebElement await(By by) {
    return until(
        d -> d.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
  }

  /**
   * The text of the first element matching {@code by}, read again if the page replaced it
   * meanwhile.
   */
  public String text(By by) {
    return until(d -> d.findElement(by).getText());
  }

  /** Waits until an element matching {@code by} shows {@code part}; answers its whole text. */
  public String awaitText(By by, String part) {
    return until(
        d ->
            d.findElements(by).stream()
                .map(WebElement::getText)
                .filter(t -> t.contains(part))
                .findFirst()
                .orElse(null));
  }

  public Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /**
   * Saves the whole page (the window grown to the page's height) to target/ui-screenshots/NAME.png.
   */
  public Path screenshot(String name) throws IOException {
    js("document.querySelectorAll('.toast').forEach(t => t.remove())"); // transient notices, not
    // the page
    Dimension before = driver.manage().window().getSize();
    Number pageHeight = (Number) js("return Math.ceil(document.documentElement.scrollHeight)");
    Number innerHeight = (Number) js("return window.innerHeight");
    int chrome = before.getHeight() - innerHeight.intValue();
    if (pageHeight.intValue() > innerHeight.intValue()) {
      driver
          .manage()
          .window()
          .setSize(new Dimension(before.getWidth(), pageHeight.intValue() + chrome));
    }
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } finally {
      driver.manage().window().setSize(before);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      driver.quit();
    } finally {
      service.stop();
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
