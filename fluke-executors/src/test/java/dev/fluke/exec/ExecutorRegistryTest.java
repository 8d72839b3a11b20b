package dev.fluke.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fluke.git.JGitSync;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutorRegistryTest {
  @Test
  void builtinExecutorsAreKeyedByTheirTypeWithTheirSchemas() {
    try (JGitSync git = new JGitSync()) {
      Map<String, Executor> all = ExecutorRegistry.builtin(git);
      assertEquals(List.of("mise", "systemd", "shell"), List.copyOf(all.keySet()));
      all.forEach(
          (type, e) -> {
            assertEquals(type, e.type());
            assertEquals(BuiltinSchemas.ALL.get(type), e.schema());
          });
    }
  }
}
