package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.config.AgentConfig;
import dev.fluke.config.ConfigLoader;
import dev.fluke.config.ServerConfig;
import dev.fluke.testing.TestTools;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** conf/examples/cluster: three nodes for one machine, as README's "try it locally" starts them. */
class ClusterExamplesTest {
  @Test
  void theThreeExampleNodesAreOneLoopbackClusterWithTheSameSeeds() throws Exception {
    Path dir = TestTools.projectRoot().resolve("conf/examples/cluster");
    for (int i = 1; i <= 3; i++) {
      ServerConfig c =
          new ConfigLoader()
              .loadServer(dir.resolve("server-" + i + ".hcl"), Map.of("FLUKE_AGENT_TOKEN", "t"));
      ServerConfig.Cluster cluster = c.cluster().orElseThrow();
      assertEquals(7062 + 10 * i, cluster.listen().port());
      assertEquals(3, cluster.seeds().size());
      assertEquals(7060 + 10 * i, c.listenGrpc().port());
    }
  }

  @Test
  void theExampleAgentDialsTheThreeNodesInPlaintextWithTheDemoRole() throws Exception {
    Path dir = TestTools.projectRoot().resolve("conf/examples/cluster");
    AgentConfig agent =
        new ConfigLoader().loadAgent(dir.resolve("agent.hcl"), Map.of("FLUKE_AGENT_TOKEN", "t"));
    for (int i = 1; i <= 3; i++) {
      ServerConfig node =
          new ConfigLoader()
              .loadServer(dir.resolve("server-" + i + ".hcl"), Map.of("FLUKE_AGENT_TOKEN", "t"));
      assertEquals(
          new AgentConfig.ServerUrl("127.0.0.1", node.listenGrpc().port(), false),
          agent.serverUrls().get(i - 1));
    }
    assertEquals(3, agent.serverUrls().size());
    assertEquals("t", agent.token());
    assertEquals(Map.of("role", "demo"), agent.labels());
  }
}
