package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.http.ui.Browser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * Issue 10's UI states in real headless Chromium against a real fleet: a flapping task (the red
 * "flapping" status and fleet tile), a task's dependencies ("Depends on" / "Needed by" with links),
 * and a halted canary rollout with its "Resume rollout" button, which resumes it. Screenshots go to
 * {@code fluke-app/target/ui-screenshots/safe-*.png} (copied into docs/images).
 */
class RolloutUiIT {
  private static final Duration REAL = Duration.ofSeconds(60);

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

  private String base() {
    return "http://127.0.0.1:" + fleet.server.httpPort();
  }

  private static String manifests(Path dir) {
    return """
        task "base" {
          description = "Packages every web host needs"
          selector { match_labels = { role = "web" } }
          shell "packages" {
            check   = "test -f %1$s/base-$FLUKE_TEST_AGENT"
            command = "touch %1$s/base-$FLUKE_TEST_AGENT"
          }
        }
        task "motd" {
          description = "Something on the host keeps removing it"
          depends_on  = ["base"]
          selector { match_labels = { role = "web" } }
          drift { max_remediations = 1 }
          shell "write" {
            check   = "test -f %1$s/motd-$FLUKE_TEST_AGENT && rm %1$s/motd-$FLUKE_TEST_AGENT"
            command = "touch %1$s/motd-$FLUKE_TEST_AGENT"
          }
        }
        task "app" {
          description = "The web app, rolled out canary first"
          depends_on  = ["base"]
          selector { match_labels = { role = "web" } }
          rollout {
            canary       = 1
            batch        = "50%%"
            max_failures = 0
          }
          shell "deploy" {
            check   = "test -f %1$s/app-$FLUKE_TEST_AGENT"
            command = "touch %1$s/app-$FLUKE_TEST_AGENT && test $FLUKE_TEST_AGENT != web-01"
          }
        }
        """
        .formatted(dir);
  }

  @Test
  void flappingDependenciesAndAHaltedRolloutWithItsResumeButton() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("hosts"));
    fleet = Fleet.start(tmp, Map.of("web.fluke.hcl", manifests(dir)), "remediate");
    for (String n : List.of("web-01", "web-02", "web-03")) {
      fleet.startAgent(n, "{ role = \"web\" }", Fleet.AGENT_TOKEN, Map.of("FLUKE_TEST_AGENT", n));
    }
    for (String n : List.of("web-01", "web-02", "web-03")) {
      fleet.awaitStatus(n, "motd", "flapping");
    }
    Fleet.await(
        "the rollout halted",
        REAL,
        () -> "halted".equals(fleet.api.rollout("app").value().state()),
        () -> fleet.api.rollouts().value());

    browser = new Browser(1366, 900);
    browser.open(base() + "/");
    assertEquals(
        "3",
        browser
            .until(REAL, d -> d.findElement(By.cssSelector("[data-tile='flapping'] .tile-value")))
            .getText());
    browser.screenshot("safe-fleet-flapping");

    browser.open(base() + "/#/tasks/motd");
    browser.awaitText(By.cssSelector("[data-graph='depends-on']"), "base");
    browser.until(REAL, d -> d.findElements(By.cssSelector("td .pill")).size() >= 3);
    assertTrue(browser.text(By.cssSelector("main")).contains("flapping"));
    browser.screenshot("safe-task-flapping");

    browser.open(base() + "/#/tasks/base");
    assertTrue(
        browser.awaitText(By.cssSelector("[data-graph='needed-by']"), "motd").contains("app"));

    browser.open(base() + "/#/tasks/app");
    browser.await(By.cssSelector("[data-rollout='halted']"));
    assertTrue(browser.text(By.cssSelector("[data-rollout]")).contains("web-01"));
    browser.screenshot("safe-rollout-halted");

    browser.await(By.cssSelector("[data-key='resume-rollout']")).click();
    browser.until(REAL, d -> d.findElements(By.cssSelector("[data-rollout='done']")).size() == 1);
    assertTrue(Files.exists(dir.resolve("app-web-03")), "resumed: the last batch applied");
    browser.screenshot("safe-rollout-done");
  }
}
