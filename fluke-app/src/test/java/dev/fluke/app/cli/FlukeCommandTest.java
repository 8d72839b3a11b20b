package dev.fluke.app.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FlukeCommandTest {
  private static CommandLine forArgs(String... args) {
    return FlukeCommand.commandLineFor(args, Map.of(), Clock.systemUTC());
  }

  @Test
  void aCommandNamedFirstIsBuiltAloneUnderItsOwnName() {
    for (String name : FlukeCommand.ALONE) {
      CommandLine cli = forArgs(name, "--help");
      assertEquals(Set.of(name), cli.getSubcommands().keySet(), name);
    }
  }

  @Test
  void everyCommandOfTheFullTreeCanBeBuiltAloneExceptHelp() {
    Set<String> all =
        new HashSet<>(
            FlukeCommand.commandLine(Map.of(), Clock.systemUTC()).getSubcommands().keySet());
    assertTrue(all.remove("help"), "help is a command");
    assertEquals(all, FlukeCommand.ALONE);
  }

  @Test
  void helpOptionsMistakesAndNothingGetTheFullTree() {
    Set<String> all =
        FlukeCommand.commandLine(Map.of(), Clock.systemUTC()).getSubcommands().keySet();
    for (String[] args :
        new String[][] {{}, {"--help"}, {"help", "get"}, {"gte", "agents"}, {"-V"}}) {
      assertEquals(all, forArgs(args).getSubcommands().keySet(), String.join(" ", args));
    }
  }

  @Test
  void aCommandBuiltAloneParsesAndFailsAsInTheFullTree() {
    assertEquals(2, forArgs("get", "gadgets").execute("get", "gadgets"));
    assertEquals(2, forArgs("get", "agents", "-o", "yaml").execute("get", "agents", "-o", "yaml"));
    assertEquals(0, forArgs("version").execute("version"));
  }
}
