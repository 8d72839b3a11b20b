package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.TargetKind;
import dev.fluke.http.ui.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Suspensions and maintenance windows in the web UI, in real headless Chromium against a real
 * server and agent (issue 10): the fleet page lists the suspensions and marks the agent, the task
 * page shows the suspended badge, the callout with who/why and the maintenance window with its next
 * opening; "Resume" on the page lifts the suspension and the agent applies. Screenshots go to
 * {@code fluke-app/target/ui-screenshots/safe-*.png} (copied into docs/images).
 */
class SafeChangeUiIT {
  private static final Duration REAL = Duration.ofSeconds(40);

  @TempDir Path tmp;
  private Fleet fleet;
  private Browser browser;

  @AfterEach
  void stop() throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (fleet != null) {
        fleet.close();
      }
    }
  }

  /**
   * A weekly window on the day after tomorrow (Berlin time): closed now whatever the day the test
   * runs, with a next opening the page must show. The server runs on the real clock, like the
   * browser, so relative times on the page are true.
   */
  private static String windowDay() {
    return java.time.LocalDate.now(ZoneId.of("Europe/Berlin"))
        .plusDays(2)
        .getDayOfWeek()
        .getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.ENGLISH);
  }

  private String awaitText(By by, String part) {
    return browser.until(
        REAL,
        d ->
            d.findElements(by).stream()
                .map(WebElement::getText)
                .filter(t -> t.contains(part))
                .findFirst()
                .orElse(null));
  }

  @Test
  void theTaskPageShowsTheSuspendedBadgeAndTheNextWindowAndResumeLiftsIt() throws Exception {
    Path host = Files.createDirectories(tmp.resolve("host"));
    String manifests =
        """
        task "kernel" {
          description = "Kernel updates, in the weekly maintenance window only"
          selector { match_labels = { role = "web" } }
          window {
            allow    = ["%2$s 02:00-06:00"]
            timezone = "Europe/Berlin"
          }
          shell "upgrade" {
            check   = "test -f %1$s/kernel"
            command = "touch %1$s/kernel"
          }
        }

        task "motd" {
          description = "Message of the day"
          selector { match_labels = { role = "web" } }
          shell "write" {
            check   = "test -f %1$s/motd"
            command = "touch %1$s/motd"
          }
        }
        """
            .formatted(host, windowDay());
    dev.fluke.manifest.Window window =
        dev.fluke.manifest.Window.of(
            java.util.List.of(windowDay() + " 02:00-06:00"), java.util.List.of(), "Europe/Berlin");
    String opens = window.describe(window.nextOpening(Instant.now()));
    fleet = Fleet.start(tmp, Map.of("web.fluke.hcl", manifests), "remediate");
    fleet.api.suspend(TargetKind.TASK, "motd", "waiting for the new banner text", "2h", "alice");
    fleet.startAgent("web-01", "{ role = \"web\" }");
    Fleet.await(
        "both tasks are held back",
        REAL,
        () ->
            fleet
                    .taskStatus("web-01", "motd")
                    .map(t -> t.message().contains("suspended"))
                    .orElse(false)
                && fleet
                    .taskStatus("web-01", "kernel")
                    .map(t -> t.message().contains("window"))
                    .orElse(false),
        () -> fleet.agent("web-01"));
    browser = new Browser(1366, 900);
    String base = "http://127.0.0.1:" + fleet.server.httpPort();

    // The fleet page lists what is suspended.
    browser.open(base + "/");
    awaitText(By.cssSelector("[data-suspensions]"), "task motd");
    browser.screenshot("safe-fleet-suspensions");

    // The suspended task: badge, who/why, until when.
    browser.open(base + "/#/tasks/motd");
    awaitText(By.cssSelector("[data-suspension='task']"), "suspended by alice (local)");
    assertTrue(
        browser.text(By.cssSelector(".page-head")).contains("suspended"),
        "the suspended badge is in the page head");
    awaitText(By.cssSelector("table"), "not applied: task motd is suspended");
    browser.screenshot("safe-task-suspended");

    // The windowed task: the next window on the task page.
    browser.open(base + "/#/tasks/kernel");
    String next = awaitText(By.cssSelector("[data-next-window]"), "opens");
    assertTrue(next.contains("Closed: opens " + opens), next + " / " + opens);
    assertTrue(browser.text(By.cssSelector(".page-head")).contains("outside window"));
    browser.screenshot("safe-task-window");

    // Resume from the page: the agent applies at once.
    browser.open(base + "/#/tasks/motd");
    awaitText(By.cssSelector("[data-suspension='task']"), "alice");
    browser.until(
        REAL,
        d -> {
          d.findElement(By.cssSelector("[data-key='resume-task']")).click();
          return true;
        });
    fleet.awaitStatus("web-01", "motd", "satisfied");
    browser.until(REAL, d -> d.findElements(By.cssSelector("[data-suspension]")).isEmpty());
    assertTrue(Files.exists(host.resolve("motd")));
    assertFalse(Files.exists(host.resolve("kernel")), "the window still holds the kernel back");
  }
}
