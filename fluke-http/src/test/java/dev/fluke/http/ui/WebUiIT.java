package dev.fluke.http.ui;

import static org.junit.jupiter.api.Assertions.*;

import dev.fluke.api.Dto;
import dev.fluke.api.LiveUpdate;
import dev.fluke.api.PlanResult;
import dev.fluke.events.Event;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web UI in real headless Chromium against the real routes, with a scripted fleet and live
 * feed: what an operator sees and does, end to end. Screenshots of every page go to
 * target/ui-screenshots.
 */
class WebUiIT {
  private static final String TOKEN = "ui-test-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static ActorTestKit testKit;
  private static Browser browser;
  private TestServer server;

  @BeforeAll
  static void startBrowser() throws Exception {
    testKit = ActorTestKit.create();
    browser = new Browser(1366, 900);
  }

  @AfterAll
  static void stopBrowser() throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @BeforeEach
  void resetWindow() {
    browser.driver.manage().window().setSize(new Dimension(1366, 900));
  }

  @AfterEach
  void stopServer() throws Exception {
    // A later test may get the same port, hence the same origin: start it without this one's token.
    browser.js("sessionStorage.clear()");
    if (server != null) {
      server.close();
    }
  }

  private String text(By by) {
    return browser.text(by);
  }

  private String awaitText(By by, String part) {
    return browser.awaitText(by, part);
  }

  private void signIn() {
    WebElement input = browser.await(By.id("token-input"));
    input.sendKeys(TOKEN, Keys.ENTER);
  }

  @Test
  void agentAppearsLiveThenReconcileNowStreamsItsApplyIntoTheAgentPage() throws Exception {
    server = new TestServer(testKit.system(), Set.of(TOKEN));
    Fixtures.seedTasks(server.fleet);
    browser.open(server.base() + "/");

    // The API wants a token: the page asks for it, keeps it for the tab, and goes on.
    signIn();
    String empty = awaitText(By.cssSelector("[data-empty]"), "No agents yet");
    assertTrue(empty.contains("fluke agent --config agent.hcl"), empty);
    assertEquals(TOKEN, browser.js("return sessionStorage.getItem('fluke.apiToken')"));
    browser.screenshot("fleet-empty");

    // An agent connects: it appears without a reload (the marker set in this page survives).
    browser.js("window.__sameDocument = 'yes'");
    server.feed.awaitSubscribers(1, WAIT);
    awaitLive();
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("drifted"));
    Fixtures.seedWeb01Events(server.fleet);
    server.feed.publish(LiveUpdate.agentChanged("web-01"));
    String row = awaitText(By.cssSelector("tr[data-agent='web-01']"), "Connected");
    assertTrue(row.contains("1 drifted"), row);
    assertEquals("yes", browser.js("return window.__sameDocument"));

    Fixtures.seedOtherAgents(server.fleet);
    server.feed.publish(LiveUpdate.agentChanged("db-01"));
    browser.until(d -> d.findElements(By.cssSelector("tr[data-agent]")).size() == 4);
    assertEquals("yes", browser.js("return window.__sameDocument"));
    awaitText(By.cssSelector("[data-tile='agents']"), "3/4");
    browser.screenshot("fleet");

    // Its page: tasks with their executors, and the "Reconcile now" button, a real button.
    int opened = server.feed.opened();
    browser.until(
        d -> {
          d.findElement(By.linkText("web-01")).click();
          return true;
        });
    awaitText(By.tagName("h1"), "web-01");
    browser.await(By.cssSelector("article[data-task='deploy_app']"));
    server.feed.awaitOpened(opened + 1, WAIT); // the page follows web-01's own stream now
    awaitLive();
    By reconcileNow = By.xpath("//button[normalize-space()='Reconcile now']");
    assertEquals("button", browser.until(d -> d.findElement(reconcileNow).getTagName()));
    browser.until(
        d -> {
          d.findElement(reconcileNow).click();
          return true;
        });
    assertEquals(
        Dto.ReconcileTarget.agent("web-01"), server.fleet.reconciles.poll(10, TimeUnit.SECONDS));
    awaitText(By.id("toasts"), "Manual reconcile started on web-01");

    // The apply's output streams in line by line, then its event and the new status arrive.
    String executor = "mise \"deploy\"";
    server.feed.publish(
        LiveUpdate.output("web-01", "deploy_app", executor, "[apply] fetching release 2.4.1"));
    awaitText(By.id("live-output"), "[apply] fetching release 2.4.1");
    server.feed.publish(
        LiveUpdate.output(
            "web-01",
            "deploy_app",
            executor,
            "[apply] linking /opt/app/current -> releases/2.4.1"));
    server.feed.publish(
        LiveUpdate.output("web-01", "deploy_app", executor, "[apply] restarting app.service"));
    awaitText(By.id("live-output"), "[apply] restarting app.service");
    String output = text(By.id("live-output"));
    assertTrue(
        output.indexOf("fetching") < output.indexOf("linking")
            && output.indexOf("linking") < output.indexOf("restarting"),
        output);

    Event applied =
        Fixtures.event(
            0,
            "apply",
            "web-01",
            "deploy_app",
            executor,
            "applied",
            0,
            4_210,
            "[apply] restarting app.service\n",
            "apply exited 0");
    server.fleet.addEvent(applied);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("satisfied"));
    server.feed.publish(LiveUpdate.ofEvent(applied));
    browser.await(By.cssSelector("table.events tr[data-outcome='applied']"));
    awaitText(By.cssSelector("article[data-task='deploy_app'] .pill"), "satisfied");
    assertTrue(
        text(By.id("live-output")).contains("[apply] fetching release 2.4.1"),
        "streamed lines stay after the refresh");
    assertEquals("yes", browser.js("return window.__sameDocument"));
    browser.screenshot("agent");
  }

  @Test
  void anAgentPageWithoutItsHistoryShowsTheLiveStateAndSaysWhy() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("drifted"));
    server.fleet.historyUnavailable(
        "the event history is unavailable: the event store (redis) cannot be read (down)");

    browser.open(server.base() + "/#/agents/web-01");

    awaitText(
        By.cssSelector("[data-history='unavailable']"),
        "Not shown: the event history is unavailable: the event store (redis) cannot be read"
            + " (down). The status above is live.");
    browser.await(By.cssSelector("article[data-task='deploy_app']"));
  }

  @Test
  void aLateViewerSeesTheBufferedOutputFirstThenTheLiveLines() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("applying"));
    String executor = "mise \"deploy\"";
    server.feed.buffer(
        LiveUpdate.output("web-01", "deploy_app", executor, "line 1 before anyone watched"));
    server.feed.buffer(
        LiveUpdate.output("web-01", "deploy_app", executor, "line 2 before anyone watched"));

    browser.open(server.base() + "/#/agents/web-01");
    awaitText(By.id("live-output"), "line 2 before anyone watched");
    awaitText(By.cssSelector(".live-output header"), "Output of the last apply: deploy_app");
    server.feed.awaitSubscribers(1, WAIT);
    server.feed.publish(LiveUpdate.output("web-01", "deploy_app", executor, "line 3 live"));
    awaitText(By.cssSelector(".live-output header"), "Streaming deploy_app");
    server.feed.publish(
        LiveUpdate.output(
            "db-01", "postgres_backup", "shell \"backup_timer\"", "not this agent's line"));
    awaitText(By.id("live-output"), "line 3 live");
    String output = text(By.id("live-output"));
    assertTrue(
        output.indexOf("line 1") < output.indexOf("line 2")
            && output.indexOf("line 2") < output.indexOf("line 3"),
        output);
    assertFalse(output.contains("not this agent's line"), output);
    assertEquals(
        1,
        output.split("line 2 before", -1).length - 1,
        "a buffered line is shown once: " + output);
  }

  @Test
  void taskDriftAndEventPagesWithFiltersAndReconcileTask() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("drifted"));
    Fixtures.seedWeb01Events(server.fleet);
    Fixtures.seedOtherAgents(server.fleet);

    browser.open(server.base() + "/#/tasks");
    browser.await(By.cssSelector("tr[data-task='postgres_backup']"));
    browser.screenshot("tasks");
    browser.until(
        d -> {
          d.findElement(By.linkText("deploy_app")).click();
          return true;
        });
    awaitText(By.tagName("h1"), "deploy_app");
    String definition = awaitText(By.cssSelector("[data-definition]"), "mise \"deploy\" {");
    assertTrue(definition.contains("working_dir = \"/opt/app\""), definition);
    browser.await(By.cssSelector("tr[data-agent='web-02']"));
    browser.screenshot("task");
    browser.until(
        d -> {
          d.findElement(By.xpath("//button[normalize-space()='Reconcile task']")).click();
          return true;
        });
    assertEquals(
        Dto.ReconcileTarget.task("deploy_app"), server.fleet.reconciles.poll(10, TimeUnit.SECONDS));

    browser.driver.findElement(By.linkText("Drift")).click();
    browser.await(By.cssSelector("tr[data-agent='db-01'][data-task='postgres_backup']"));
    List<String> driftRows =
        browser.until(
            d ->
                d.findElements(By.cssSelector("table.drift tbody tr")).stream()
                    .map(WebElement::getText)
                    .toList());
    assertEquals(3, driftRows.size(), driftRows.toString());
    assertTrue(driftRows.get(0).contains("error"), "worst first: " + driftRows);
    browser.screenshot("drift");

    browser.driver.findElement(By.linkText("Events")).click();
    browser.await(By.cssSelector("table.events tr[data-outcome='failed']"));
    browser.until(
        d -> {
          new Select(d.findElement(By.id("f-outcome"))).selectByValue("failed");
          return true;
        });
    browser.until(d -> d.getCurrentUrl().contains("outcome=failed"));
    browser.until(
        d -> {
          List<WebElement> rows = d.findElements(By.cssSelector("table.events tbody tr"));
          return !rows.isEmpty()
              && rows.stream().allMatch(r -> "failed".equals(r.getAttribute("data-outcome")));
        });
    browser.until(
        d -> {
          new Select(d.findElement(By.id("f-agent"))).selectByValue("db-01");
          return true;
        });
    browser.until(d -> d.getCurrentUrl().contains("agent=db-01"));
    browser.until(d -> d.findElements(By.cssSelector("table.events tbody tr")).size() == 1);
    browser.open(server.base() + "/#/events");
    browser.until(d -> d.findElements(By.cssSelector("table.events tbody tr")).size() > 5);
    browser.screenshot("events");
  }

  @Test
  void thePlanPageRunsAPlanOfARefAndShowsPerTaskAndAgentWhatMergingWouldDo() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("satisfied"));
    Fixtures.seedOtherAgents(server.fleet);
    java.time.Instant t = java.time.Instant.parse("2026-12-05T08:00:00Z");
    server.fleet.planResult(
        "feature/tls",
        new PlanResult(
            "feature/tls",
            "4be2c0ffee1234567890abcdef1234567890abcd",
            "9a8b7c6d5e4f30211234567890abcdef12345678",
            PlanResult.Verdict.CHANGES,
            null,
            List.of(),
            List.of(
                new PlanResult.PlanTask("deploy_app", PlanResult.Change.UNCHANGED, List.of()),
                new PlanResult.PlanTask(
                    "tls_cert",
                    PlanResult.Change.NEW,
                    List.of(
                        new PlanResult.AgentCheck(
                            "web-01",
                            PlanResult.CheckResult.WOULD_APPLY,
                            "cert: check exited 1: /etc/ssl/app.pem is missing"),
                        new PlanResult.AgentCheck("web-02", PlanResult.CheckResult.NO_CHANGE, ""),
                        new PlanResult.AgentCheck(
                            "web-03",
                            PlanResult.CheckResult.NOT_CONNECTED,
                            "the agent is not connected"))),
                new PlanResult.PlanTask("old_cron", PlanResult.Change.REMOVED, List.of())),
            List.of(
                new PlanResult.AgentChange(
                    "web-01", true, List.of("tls_cert"), List.of("old_cron")),
                new PlanResult.AgentChange(
                    "web-02", true, List.of("tls_cert"), List.of("old_cron"))),
            t,
            t.plusSeconds(3)));
    server.fleet.planResult(
        "broken",
        PlanResult.failed(
            "broken",
            "0123456789abcdef0123456789abcdef01234567",
            "9a8b7c6d5e4f30211234567890abcdef12345678",
            "the manifests of broken have 1 error(s); the first: web.fluke.hcl:7:3: unknown"
                + " attribute \"comand\"",
            List.of(
                new dev.fluke.manifest.ManifestError(
                    new dev.fluke.hcl.SourcePos("web.fluke.hcl", 7, 3),
                    "unknown attribute \"comand\"")),
            t,
            t));

    browser.open(server.base() + "/#/plan");
    browser.await(By.id("plan-ref")).sendKeys("feature/tls", Keys.ENTER);
    assertEquals("feature/tls", server.fleet.plans.poll(10, TimeUnit.SECONDS));
    browser.await(By.cssSelector("tr[data-task='tls_cert'][data-agent='web-01']"));
    String row = text(By.cssSelector("tr[data-task='tls_cert'][data-agent='web-01']"));
    assertTrue(row.contains("would apply"), row);
    assertTrue(row.contains("/etc/ssl/app.pem is missing"), row);
    assertTrue(text(By.cssSelector("tr[data-task='old_cron']")).contains("no longer reconciled"));
    assertTrue(text(By.cssSelector("[data-verdict]")).contains("changes"));
    assertTrue(browser.driver.getCurrentUrl().contains("#/plan?ref=feature%2Ftls"));
    browser.screenshot("plan");

    browser.open(server.base() + "/#/plan?ref=broken");
    String error = awaitText(By.cssSelector("[data-plan='error']"), "web.fluke.hcl:7:3");
    assertTrue(error.contains("unknown attribute"), error);
    browser.screenshot("plan-errors");
  }

  @Test
  void manifestErrorsShowWithFileLineColumnAndThePhoneLayoutFits() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("drifted"));
    Fixtures.seedOtherAgents(server.fleet);
    browser.open(server.base() + "/");
    browser.await(By.cssSelector("tr[data-agent='edge-01']"));
    server.feed.awaitSubscribers(1, WAIT);
    awaitLive();

    server.fleet.manifest(
        ScriptedFleet.manifestStatus(
            Fixtures.COMMIT,
            Fixtures.BAD_COMMIT,
            Fixtures.ago(1_800),
            Fixtures.manifestErrors(),
            4));
    server.feed.publish(LiveUpdate.manifestChanged());
    String errors = awaitText(By.cssSelector("[data-manifest-errors]"), "apps/web.fluke.hcl:14:5");
    assertTrue(errors.contains("unknown attribute \"comand\""), errors);
    assertTrue(errors.contains(Fixtures.BAD_COMMIT.substring(0, 7)), errors);
    assertTrue(errors.contains(Fixtures.COMMIT.substring(0, 7)), errors);
    browser.screenshot("fleet-manifest-errors");
    browser.driver.executeCdpCommand(
        "Emulation.setEmulatedMedia",
        java.util.Map.of(
            "features",
            List.of(java.util.Map.of("name", "prefers-color-scheme", "value", "dark"))));
    browser.screenshot("fleet-dark");
    browser.driver.executeCdpCommand(
        "Emulation.setEmulatedMedia", java.util.Map.of("features", List.of()));

    browser.driver.manage().window().setSize(new Dimension(390, 844));
    browser.until(d -> ((Number) browser.js("return window.innerWidth")).intValue() <= 400);
    Number overflow =
        (Number) browser.js("return document.documentElement.scrollWidth - window.innerWidth");
    assertTrue(overflow.intValue() <= 0, "the phone layout scrolls sideways by " + overflow + "px");
    browser.screenshot("fleet-phone");
    browser.open(server.base() + "/#/agents/db-01");
    browser.await(By.cssSelector("article[data-task='postgres_backup']"));
    overflow =
        (Number) browser.js("return document.documentElement.scrollWidth - window.innerWidth");
    assertTrue(
        overflow.intValue() <= 0, "the phone agent page scrolls sideways by " + overflow + "px");
    browser.screenshot("agent-phone");
  }

  @Test
  void aBigFleetShowsItsFirstAgentsAndAFilterThatKeepsUpWithLiveUpdates() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    List<Dto.TaskStatus> drifted =
        List.of(
            Fixtures.status(
                "base_packages",
                "drifted",
                "alert_only",
                "check exited 1",
                Fixtures.exec("shell", "packages", "drifted", "check", 1, "", "check exited 1")));
    for (int i = 0; i < 250; i++) {
      String name = String.format("host-%03d", i);
      server.fleet.putAgent(
          Fixtures.agent(name, java.util.Map.of("role", i % 2 == 0 ? "web" : "db"), i != 7, 5),
          drifted);
    }
    browser.open(server.base() + "/");
    browser.until(d -> d.findElements(By.cssSelector("tr[data-agent]")).size() == 200);
    assertTrue(
        text(By.cssSelector(".table-more")).startsWith("Showing 200 of 250 agents."),
        text(By.cssSelector(".table-more")));
    awaitText(By.cssSelector("[data-tile='agents']"), "249/250");

    WebElement filter = browser.await(By.id("fleet-filter"));
    filter.sendKeys("role=db host-1");
    browser.until(
        d ->
            d.findElements(By.cssSelector("tr[data-agent]")).size()
                == 50); // host-101 … host-199, odd
    assertTrue(browser.driver.findElements(By.cssSelector(".table-more")).isEmpty());
    awaitLive();
    // A live refresh redraws the list under the filter, which keeps its text and the focus.
    java.time.Instant now = java.time.Instant.now();
    server.fleet.putAgent(
        new Dto.AgentSummary(
            "host-101",
            java.util.Map.of("role", "db"),
            "0.2.0",
            true,
            now,
            now,
            dev.fluke.api.CyclePhase.IDLE,
            now,
            Dto.StatusCounts.EMPTY,
            0),
        drifted);
    server.feed.publish(LiveUpdate.agentChanged("host-101"));
    awaitText(By.cssSelector("tr[data-agent='host-101']"), "v0.2.0");
    assertEquals("fleet-filter", browser.js("return document.activeElement.id"));
    assertEquals(
        "role=db host-1", browser.js("return document.getElementById('fleet-filter').value"));
    assertEquals(50, browser.driver.findElements(By.cssSelector("tr[data-agent]")).size());

    filter.sendKeys(Keys.chord(Keys.CONTROL, "a"), "disconnected");
    browser.until(d -> d.findElements(By.cssSelector("tr[data-agent]")).size() == 1);
    browser.await(By.cssSelector("tr[data-agent='host-007']"));

    filter.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);
    browser.await(By.cssSelector("[data-key='fleet-show-all']")).click();
    browser.until(d -> d.findElements(By.cssSelector("tr[data-agent]")).size() == 250);

    // The drift page of a fleet-wide drift draws the worst 200 pairs until asked for all.
    browser.open(server.base() + "/#/drift");
    browser.until(d -> d.findElements(By.cssSelector("table.drift tr[data-agent]")).size() == 200);
    assertTrue(
        text(By.cssSelector(".table-more")).startsWith("Showing 200 of 250 agent/task pairs"),
        text(By.cssSelector(".table-more")));
    browser.await(By.cssSelector("[data-key='drift-show-all']")).click();
    browser.until(d -> d.findElements(By.cssSelector("table.drift tr[data-agent]")).size() == 250);
  }

  @Test
  void keyboardReachesNavigationAndActionsWithVisibleFocus() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    Fixtures.seedTasks(server.fleet);
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("drifted"));
    browser.open(server.base() + "/#/agents/web-01");
    browser.await(By.xpath("//button[normalize-space()='Reconcile now']"));
    awaitLive();
    browser.js("document.activeElement.blur(); window.scrollTo(0,0)");
    // Tab from the top: skip button, brand, the four nav links, then on into the page.
    List<String> reached = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      new Actions(browser.driver).sendKeys(Keys.TAB).perform();
      String focused =
          (String)
              browser.js(
                  "const e = document.activeElement;"
                      + " return e.tagName.toLowerCase() + ':' + e.textContent.trim() + ':' + getComputedStyle(e).outlineStyle");
      reached.add(focused.substring(0, focused.lastIndexOf(':')));
      assertFalse(focused.endsWith(":none"), "no visible focus on " + focused);
    }
    assertTrue(reached.contains("a:Events"), reached.toString());
    assertTrue(reached.contains("button:Reconcile now"), reached.toString());

    // A live refresh re-renders the tasks, but the keyboard user stays where they were.
    browser.js(
        "const a = document.querySelector(\"article[data-task='nginx'] h3 a\"); a.dataset.old = '1'; a.focus()");
    server.feed.awaitSubscribers(1, WAIT);
    server.feed.publish(LiveUpdate.agentChanged("web-01"));
    browser.until(d -> d.findElements(By.cssSelector("[data-old]")).isEmpty());
    assertEquals(
        "A:nginx",
        browser.js(
            "return document.activeElement.tagName + ':' + document.activeElement.textContent"));
  }

  private void awaitLive() {
    browser.until(d -> "live".equals(d.findElement(By.id("live")).getAttribute("data-state")));
  }
}
