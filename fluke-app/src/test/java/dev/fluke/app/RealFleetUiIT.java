package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.config.AgentConfig;
import dev.fluke.config.ConfigLoader;
import dev.fluke.http.ui.Browser;
import dev.fluke.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The web UI in real headless Chromium against a real installation (issue 3's proof): a real {@link
 * ServerNode} reading a real Git repository, and a real {@link AgentNode} running real shell
 * processes over loopback gRPC. Nothing is scripted: what the page shows comes from real checks and
 * applies. The operator opens the dashboard before any agent runs, watches the agent appear, opens
 * its page, clicks "Reconcile now" and sees the apply's output arrive line by line, then its event
 * and the new status, all without a reload. Screenshots go to {@code
 * fluke-app/target/ui-screenshots/real-*.png}.
 */
class RealFleetUiIT {
  /**
   * Real checks, applies and reconnects take longer than a scripted fleet's answers; waits stay
   * bounded.
   */
  private static final Duration REAL = Duration.ofSeconds(40);

  private static final String AGENT = "web-01";
  private static final String ALERTED = "rotate_certs";
  private static final String REMEDIATED = "motd";

  @TempDir Path tmp;
  private Fleet fleet;
  private AgentNode agent;
  private Browser browser;

  @AfterEach
  void stop() throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (agent != null) {
        agent.close();
      }
      if (fleet != null) {
        fleet.close();
      }
    }
  }

  /**
   * The alert_only task's apply script prints one line, then waits for a gate file the test creates
   * only after the page showed that line, and so on: "step 2" cannot be printed before "step 1" was
   * on screen while the apply was still running, which proves line-by-line streaming without any
   * timing.
   */
  private static final String RENEW_SH =
      """
      echo "step 1 of 3: requesting a certificate"
      until [ -f .go2 ]; do sleep 0.1; done
      echo "step 2 of 3: validating the chain"
      until [ -f .go3 ]; do sleep 0.1; done
      echo "step 3 of 3: installing cert.pem"
      touch cert.pem
      """;

  private static String manifests(Path host) {
    return """
        task "%s" {
          description = "Renews the web TLS certificate; someone confirms each renewal"
          drift { policy = "alert_only" }
          selector { match_labels = { role = "web" } }
          shell "renew" {
            working_dir = "%s"
            check       = "test -f cert.pem"
            command     = "sh renew.sh"
          }
        }

        task "%s" {
          description = "Message of the day on every web host"
          selector { match_labels = { role = "web" } }
          shell "write" {
            working_dir = "%s"
            check       = "grep -q fluke motd"
            command     = "echo managed by fluke > motd"
          }
        }
        """
        .formatted(ALERTED, host, REMEDIATED, host);
  }

  /**
   * Like {@link Fleet#startAgent}, with a command timeout long enough for the gated apply (Fleet's
   * agents kill a step after 3 s).
   */
  private AgentNode startAgent() throws Exception {
    String hcl =
        """
        agent {
          server_url = "grpc://127.0.0.1:%d"
          token      = "%s"
          name       = "%s"
          labels     = { role = "web", env = "prod" }
          state_dir  = "%s"
          execution {
            command_timeout = "60s"
            mise_path       = "%s"
          }
        }
        """
            .formatted(
                fleet.server.grpcPort(),
                Fleet.AGENT_TOKEN,
                AGENT,
                tmp.resolve("agent-" + AGENT),
                TestTools.mise());
    AgentConfig config = new ConfigLoader().parseAgent("agent.hcl", hcl, Map.of());
    return AgentNode.start(config, fleet.agentEnv, Fleet.PEKKO);
  }

  private String base() {
    return "http://127.0.0.1:" + fleet.server.httpPort();
  }

  /** Waits until an element matching {@code by} shows {@code part}; answers its whole text. */
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

  private WebElement await(By by) {
    return browser.until(
        REAL,
        d -> d.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
  }

  private void click(By by) {
    // A live refresh may replace the element between finding and clicking it: find it again then.
    browser.until(
        REAL,
        d -> {
          d.findElement(by).click();
          return true;
        });
  }

  private void awaitLive() {
    browser.until(
        REAL, d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
  }

  private String liveOutput() {
    return browser.text(By.id("live-output"));
  }

  private List<String> appliedRows(WebDriver d, String task) {
    return d
        .findElements(By.cssSelector("table.events tr[data-kind='apply'][data-outcome='applied']"))
        .stream()
        .map(WebElement::getText)
        .filter(t -> t.contains(task))
        .toList();
  }

  @Test
  void anOperatorWatchesARealAgentAppearAndStreamsAManualReconcileIntoItsPage() throws Exception {
    Path host = Files.createDirectories(tmp.resolve("host"));
    Files.writeString(host.resolve("renew.sh"), RENEW_SH);
    fleet = Fleet.start(tmp, Map.of("web.fluke.hcl", manifests(host)), "remediate");
    browser = new Browser(1366, 900);

    // Before any agent runs: the dashboard says how to start one, and shows the commit in force.
    browser.open(base() + "/");
    String empty = awaitText(By.cssSelector("[data-empty]"), "No agents yet");
    assertTrue(empty.contains("fluke agent --config agent.hcl"), empty);
    String commit = fleet.api.manifest().value().commit();
    awaitText(By.cssSelector(".card.manifest"), commit.substring(0, 7));
    awaitLive();
    // This server has no api_tokens (local callers only): the tab holds no token, so nothing to
    // sign out of.
    assertFalse(
        browser.driver.findElement(By.id("forget-token")).isDisplayed(),
        "a Sign out button without a token");
    browser.screenshot("real-fleet-empty");

    // The agent starts: it shows up without a reload, and its first cycle finds the alert_only task
    // drifted (alerted, not applied) and remediates the other one.
    browser.js("window.__sameDocument = 'yes'");
    agent = startAgent();
    By row = By.cssSelector("tr[data-agent='" + AGENT + "']");
    String agentRow =
        browser.until(
            REAL,
            d ->
                d.findElements(row).stream()
                    .map(WebElement::getText)
                    .filter(
                        t ->
                            t.contains("Connected")
                                && t.contains("1 drifted")
                                && t.contains("1 satisfied"))
                    .findFirst()
                    .orElse(null));
    assertTrue(agentRow.contains("env=prod") && agentRow.contains("role=web"), agentRow);
    assertEquals("yes", browser.js("return window.__sameDocument"), "the page was reloaded");
    assertEquals("1/1", browser.text(By.cssSelector("[data-tile='agents'] .tile-value")));
    assertEquals("1", browser.text(By.cssSelector("[data-tile='drifted'] .tile-value")));
    assertTrue(
        browser.driver.findElements(By.cssSelector("[data-empty]")).isEmpty(),
        "the empty state is gone");
    assertFalse(Files.exists(host.resolve("cert.pem")), "alert_only must not apply");
    assertTrue(Files.exists(host.resolve("motd")), "the remediate task was applied");
    browser.screenshot("real-fleet");

    // Drift: the alert_only task on this agent, with its policy and the alert that went out.
    click(By.linkText("Drift"));
    By driftRow =
        By.cssSelector("table.drift tr[data-agent='" + AGENT + "'][data-task='" + ALERTED + "']");
    String drift = awaitText(driftRow, "alert sent");
    assertTrue(drift.contains("drifted") && drift.contains("alert_only"), drift);
    assertEquals(
        1,
        browser.until(REAL, d -> d.findElements(By.cssSelector("table.drift tbody tr"))).size(),
        "only the alert_only task is drifted");
    assertEquals("yes", browser.js("return window.__sameDocument"));
    browser.screenshot("real-drift");

    // The agent's page: both tasks with their real status, and no apply of the alert_only task yet.
    click(By.cssSelector("table.drift a[href='#/agents/" + AGENT + "']"));
    awaitText(By.tagName("h1"), AGENT);
    await(
        By.cssSelector("article[data-task='" + ALERTED + "'] .task-head [data-status='drifted']"));
    await(
        By.cssSelector(
            "article[data-task='" + REMEDIATED + "'] .task-head [data-status='satisfied']"));
    awaitText(By.cssSelector("table.events"), REMEDIATED); // its recent events are listed
    // The page switches to this agent's own stream; should it subscribe only after the apply
    // started, the
    // server sends the running apply's lines so far first, so no line can be missed either way.
    awaitLive();
    assertTrue(
        browser.until(REAL, d -> appliedRows(d, ALERTED)).isEmpty(),
        "no apply of " + ALERTED + " before the click");

    // "Reconcile now": the real agent runs the apply; each line shows while the apply still runs.
    click(By.xpath("//button[normalize-space()='Reconcile now']"));
    awaitText(By.id("toasts"), "Manual reconcile started on " + AGENT);
    awaitText(By.id("live-output"), "step 1 of 3: requesting a certificate");
    assertFalse(liveOutput().contains("step 2"), liveOutput());
    Files.createFile(host.resolve(".go2"));
    awaitText(By.id("live-output"), "step 2 of 3: validating the chain");
    assertFalse(liveOutput().contains("step 3"), liveOutput());
    awaitText(By.cssSelector(".live-output header"), "Streaming " + ALERTED);
    awaitText(By.cssSelector(".title-row"), "pplying"); // the header says the agent is applying ...
    assertTrue(
        browser.until(
                REAL,
                d -> d.findElements(By.cssSelector(".title-row [data-status='applying']")).size())
            <= 1,
        "... once"); // not as the task status and the cycle both
    browser.screenshot("real-agent-applying");
    Files.createFile(host.resolve(".go3"));
    awaitText(By.id("live-output"), "step 3 of 3: installing cert.pem");

    // Then the apply's event arrives and the task turns satisfied, still without a reload.
    List<String> applied =
        browser.until(
            REAL,
            d -> {
              List<String> rows = appliedRows(d, ALERTED);
              return rows.isEmpty() ? null : rows;
            });
    assertTrue(applied.get(0).contains("apply"), applied.toString());
    await(
        By.cssSelector(
            "article[data-task='" + ALERTED + "'] .task-head [data-status='satisfied']"));
    awaitText(By.cssSelector(".live-output header"), "Apply of " + ALERTED + " ended: applied");
    String output = liveOutput();
    assertTrue(
        output.indexOf("step 1") < output.indexOf("step 2")
            && output.indexOf("step 2") < output.indexOf("step 3"),
        output);
    assertEquals(1, output.split("step 2 of 3", -1).length - 1, "each line once: " + output);
    assertTrue(
        Files.exists(host.resolve("cert.pem")), "the manual reconcile applied the alert_only task");
    assertEquals("yes", browser.js("return window.__sameDocument"), "the page was reloaded");
    browser.screenshot("real-agent");

    // The task's page: its definition as written and its real status on the agent.
    click(By.cssSelector("article[data-task='" + ALERTED + "'] h3 a"));
    awaitText(By.tagName("h1"), ALERTED);
    String definition = awaitText(By.cssSelector("[data-definition]"), "shell \"renew\" {");
    assertTrue(definition.contains("check       = \"test -f cert.pem\""), definition);
    assertTrue(definition.contains("command     = \"sh renew.sh\""), definition);
    awaitText(By.cssSelector(".page-head"), "Renews the web TLS certificate");
    awaitText(By.cssSelector(".card .meta"), "alert_only");
    awaitText(By.cssSelector("tr[data-agent='" + AGENT + "']"), "satisfied");
    browser.screenshot("real-task");

    // Nothing is drifted any more.
    click(By.linkText("Drift"));
    awaitText(By.cssSelector("[data-empty]"), "No drift");

    // Tasks and events: the real desired state and history.
    click(By.linkText("Tasks"));
    await(By.cssSelector("tr[data-task='" + ALERTED + "']"));
    awaitText(By.cssSelector("tr[data-task='" + REMEDIATED + "']"), "1 satisfied");
    browser.screenshot("real-tasks");
    click(By.linkText("Events"));
    browser.until(REAL, d -> appliedRows(d, ALERTED).isEmpty() ? null : true);
    awaitText(By.cssSelector("table.events"), "connected");
    browser.screenshot("real-events");
    assertEquals("yes", browser.js("return window.__sameDocument"), "the page was reloaded");
  }
}
