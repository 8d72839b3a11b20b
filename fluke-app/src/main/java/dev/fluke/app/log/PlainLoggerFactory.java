package dev.fluke.app.log;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.MDCAdapter;

/**
 * The agent's loggers (see {@link PlainLogProvider}): one level for all of them with a few packages
 * held at a floor, and one output. Until {@link #configure} it writes warnings and errors on stderr
 * with a short time, as the Logback set-up of the other commands does before the config file is
 * read; {@link #configure} switches to {@code log { level, format }} on stdout.
 */
public final class PlainLoggerFactory implements ILoggerFactory {
  /** JGit and Netty are chatty at debug: they stay at info unless trace is asked for. */
  private static final Map<String, Level> QUIET =
      Map.of("org.eclipse.jgit", Level.INFO, "io.grpc.netty", Level.INFO);

  private final ConcurrentMap<String, PlainLogger> loggers = new ConcurrentHashMap<>();
  private final MDCAdapter mdc;
  private final Supplier<PrintStream> stdout;
  private final Supplier<PrintStream> stderr;
  private final Object lock = new Object();
  private volatile Level root = Level.WARN;
  private volatile Map<String, Level> floors = Map.of();
  private volatile Function<PlainLogFormat.Event, String> format = PlainLogFormat::startup;
  private volatile Supplier<PrintStream> out;

  PlainLoggerFactory(MDCAdapter mdc, Supplier<PrintStream> stdout, Supplier<PrintStream> stderr) {
    this.mdc = mdc;
    this.stdout = stdout;
    this.stderr = stderr;
    this.out = stderr;
  }

  /** Applies {@code log { level, format }}: {@code level} trace…error, {@code format} text|json. */
  public void configure(String level, String format) {
    synchronized (lock) {
      this.format = "json".equals(format) ? PlainLogFormat::json : PlainLogFormat::text;
      this.out = stdout;
      this.root = parse(level);
      this.floors = root == Level.TRACE ? Map.of() : QUIET;
      loggers.values().forEach(l -> l.setLevel(levelOf(l.getName())));
    }
  }

  private static Level parse(String level) {
    try {
      return Level.valueOf(level.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Level.INFO;
    }
  }

  @Override
  public Logger getLogger(String name) {
    PlainLogger logger = loggers.get(name);
    if (logger != null) {
      return logger;
    }
    synchronized (lock) {
      return loggers.computeIfAbsent(name, n -> new PlainLogger(this, n, levelOf(n)));
    }
  }

  /** The root level, unless a quiet package's floor is stricter for this logger. */
  Level levelOf(String name) {
    Level level = root;
    for (Map.Entry<String, Level> floor : floors.entrySet()) {
      String p = floor.getKey();
      boolean inside = name.equals(p) || (name.startsWith(p) && name.charAt(p.length()) == '.');
      if (inside && floor.getValue().toInt() > level.toInt()) {
        level = floor.getValue();
      }
    }
    return level;
  }

  Map<String, String> mdc() {
    Map<String, String> copy = mdc.getCopyOfContextMap();
    return copy == null ? Map.of() : copy;
  }

  void write(PlainLogFormat.Event event) {
    String line = format.apply(event);
    PrintStream target = out.get();
    synchronized (lock) {
      target.print(line);
      target.flush();
    }
  }
}
