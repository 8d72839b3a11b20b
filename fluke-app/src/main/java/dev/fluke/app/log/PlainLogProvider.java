package dev.fluke.app.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The agent's SLF4J 2 provider: a few small classes instead of Logback's 200 (an agent is a
 * resident process on every host; docs/performance.md, "The agent's footprint: a smaller jar and no
 * Logback"). The launcher selects it for {@code fluke agent} only, with {@code
 * -Dslf4j.provider=dev.fluke.app.log.PlainLogProvider}; it is not registered as a service, so every
 * other command and a {@code java -jar} agent keep Logback. It writes the same lines as Fluke's
 * Logback set-up ({@link PlainLogFormat}), and {@code AgentCommand} applies {@code log { level,
 * format }} to it.
 */
public final class PlainLogProvider implements SLF4JServiceProvider {
  private IMarkerFactory markers;
  private MDCAdapter mdc;
  private PlainLoggerFactory loggers;

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
    markers = new BasicMarkerFactory();
    mdc = new BasicMDCAdapter();
    loggers = new PlainLoggerFactory(mdc, () -> System.out, () -> System.err);
  }
}
