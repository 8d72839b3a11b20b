package dev.fluke.app;

import static org.junit.jupiter.api.Assertions.*;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogSetupTest {
  @Test
  void logbackFindsTheDefaultsAsAConfiguratorService() throws Exception {
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream("META-INF/services/ch.qos.logback.classic.spi.Configurator")) {
      assertNotNull(in, "the service file is on the class path");
      String name = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      assertTrue(Configurator.class.isAssignableFrom(Class.forName(name)), name);
      assertEquals(LogSetup.Defaults.class, Class.forName(name));
    }
  }

  @Test
  void theDefaultsAreWarningsOnStderr() {
    LoggerContext ctx = new LoggerContext();
    LogSetup.Defaults.warningsOnStderr(ctx);
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    assertEquals(Level.WARN, root.getLevel());
    ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("console");
    assertEquals("System.err", console.getTarget());
    assertTrue(console.isStarted());
  }

  @Test
  void theTestsOwnLogbackFileWinsOverTheDefaults() {
    // logback-test.xml is on the test class path: the defaults step aside for it.
    LogSetup.Defaults defaults = new LogSetup.Defaults();
    LoggerContext ctx = new LoggerContext();
    defaults.setContext(ctx);
    assertEquals(Configurator.ExecutionStatus.NEUTRAL, defaults.configure(ctx));
    assertNull(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("console"));
  }

  @Test
  void applyReplacesTheDefaultsWithTheConfiguredLevelOnStdout() {
    try {
      LogSetup.apply("debug", "text");
      LoggerContext ctx = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
      Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
      assertEquals(Level.DEBUG, root.getLevel());
      assertEquals("System.out", ((ConsoleAppender<?>) root.getAppender("console")).getTarget());
      assertEquals(Level.INFO, ctx.getLogger("org.eclipse.jgit").getLevel());
    } finally {
      // What logback-test.xml sets, for the tests that run after this one in the same JVM.
      LogSetup.apply("info", "text");
    }
  }
}
