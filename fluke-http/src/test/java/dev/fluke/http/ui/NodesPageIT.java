package dev.fluke.http.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fluke.api.Dto;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The web UI's Nodes page (#/nodes, GET /api/v1/nodes) in Debian's chromium: a cluster's members
 * with status, reachability, agents held, leader, Git singleton and version; a single server says
 * it runs alone. Screenshot: docs/images/ui-nodes.png.
 */
class NodesPageIT {
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

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theNodesPageShowsEveryMemberWithItsStatusAgentsAndRoles() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    String a = "pekko://fluke-server@10.0.0.1:7072";
    String b = "pekko://fluke-server@10.0.0.2:7072";
    String c = "pekko://fluke-server@10.0.0.3:7072";
    server.fleet.nodes(
        List.of(
            new Dto.NodeInfo(a, "up", true, true, 412, true, List.of("fluke-git"), "0.4.0", true),
            new Dto.NodeInfo(b, "up", true, true, 389, false, List.of(), "0.4.0", false),
            new Dto.NodeInfo(c, "up", false, false, 0, false, List.of(), "0.4.0", false)));

    browser.open(server.base() + "/#/nodes");
    browser.await(By.cssSelector("table.nodes tr[data-node='" + c + "']"));
    // The page re-renders every 5 s: every row is read afresh (until() retries a replaced one).
    assertEquals(
        3, (int) browser.until(d -> d.findElements(By.cssSelector("table.nodes tbody tr")).size()));
    String first = browser.text(By.cssSelector("table.nodes tr[data-node='" + a + "']"));
    assertTrue(first.contains("this node") && first.contains("412"), first);
    String leader =
        browser.text(By.cssSelector("table.nodes tr[data-node='" + a + "'] [data-role='leader']"));
    assertEquals("leader", leader);
    String singleton =
        browser.text(
            By.cssSelector("table.nodes tr[data-node='" + a + "'] [data-role='singleton']"));
    assertEquals("Git singleton", singleton);
    assertEquals(
        0,
        (int)
            browser.until(
                d ->
                    d.findElements(
                            By.cssSelector("table.nodes tr[data-node='" + b + "'] [data-role]"))
                        .size()));
    String lost =
        browser.text(
            By.cssSelector("table.nodes tr[data-node='" + c + "'][data-reachable='false']"));
    assertTrue(lost.contains("unreachable"), lost);
    assertTrue(lost.contains("?"), "an unanswered node's agents are unknown: " + lost);
    String summary = browser.text(By.cssSelector("[data-summary='nodes']"));
    assertTrue(summary.contains("3 of 3 nodes up, 1 unreachable; 801 agents"), summary);
    assertEquals(
        "page",
        browser
            .driver
            .findElement(By.cssSelector("[data-nav='nodes']"))
            .getAttribute("aria-current"));
    browser.screenshot("nodes"); // copied by hand to docs/images/ui-nodes.png
  }

  @Test
  void aSingleServerSaysItRunsAloneWithItsAgents() throws Exception {
    server = new TestServer(testKit.system(), Set.of());
    server.fleet.putAgent(Fixtures.web01(), Fixtures.web01Tasks("satisfied"));
    browser.open(server.base() + "/#/nodes");
    String text = browser.awaitText(By.cssSelector("[data-empty]"), "A single server");
    assertTrue(text.contains("holds 1 agent."), text);
  }
}
